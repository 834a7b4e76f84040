//! The REST API under `/api/v1`: JSON in and out, `Authorization: Bearer`
//! tokens for everything but the public sign-up.
//!
//! Every error answers `{"error": "...", "field": "..."}` with a status
//! that says whose fault it is; no input makes a handler answer 500.

mod auth;
mod dispatch;
mod error;
mod incidents;
mod json;
mod messages;
mod services;
mod settings;
mod subscribers;
mod subscriptions;

use axum::routing::{delete, get, post};
use axum::Router;

pub use auth::ApiAuth;
pub use error::{internal_error, ApiError};
pub use json::ApiJson;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/settings/sms", get(settings::show).put(settings::update))
        .route("/api/v1/dispatch/status", get(dispatch::status))
        .route("/api/v1/dispatch/resume", post(dispatch::resume))
        .route("/api/v1/services", get(services::list).post(services::create))
        .route("/api/v1/services/{id}", delete(services::remove))
        .route("/api/v1/incidents", get(incidents::list).post(incidents::open))
        .route("/api/v1/incidents/{id}", get(incidents::show))
        .route("/api/v1/incidents/{id}/updates", post(incidents::post_update))
        .route("/api/v1/subscribers", get(subscribers::list).post(subscribers::add))
        .route("/api/v1/subscribers/{id}", get(subscribers::show).delete(subscribers::remove))
        .route("/api/v1/messages", get(messages::list))
        .route("/api/v1/subscriptions", post(subscriptions::sign_up))
        .route("/api/v1/subscriptions/{id}/verify", post(subscriptions::verify))
        .fallback(error::not_found)
}

/// Parses a numeric id from the path; anything else names no resource.
fn parse_id(raw: &str, what: &'static str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::from(kodo_core::Error::not_found(what)))
}
