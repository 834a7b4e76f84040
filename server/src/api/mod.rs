//! The REST API under `/api/v1`: JSON in and out, `Authorization: Bearer`
//! API tokens for everything but the public sign-up and the manage
//! endpoints, which take a manage token.
//!
//! Every error responds `{"error": "...", "field": "..."}` with a status
//! that says whose fault it is, and no input makes a handler respond 500.

mod auth;
mod consent;
mod dispatch;
mod error;
mod incidents;
mod json;
mod maintenance;
mod manage;
mod messages;
mod services;
mod settings;
mod subscribers;
mod subscriptions;
mod templates;

use axum::routing::{any, delete, get, post};
use axum::Router;

pub use auth::{AdminSession, ApiAuth};
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
        .route("/api/v1/signups", get(subscribers::signups))
        .route("/api/v1/subscribers/{id}", get(subscribers::show).delete(subscribers::remove))
        .route("/api/v1/subscribers/{id}/consent", get(consent::for_subscriber))
        .route("/api/v1/consent.csv", get(consent::export_csv))
        .route("/admin/consent.csv", get(consent::export_csv_for_admin))
        .route("/api/v1/messages", get(messages::list))
        .route("/api/v1/maintenance", get(maintenance::list).post(maintenance::schedule))
        .route("/api/v1/maintenance/{id}", get(maintenance::show).put(maintenance::update))
        .route("/api/v1/maintenance/{id}/cancel", post(maintenance::cancel))
        .route("/api/v1/maintenance/{id}/complete", post(maintenance::complete))
        .route("/api/v1/templates", get(templates::list))
        .route("/api/v1/templates/preview", post(templates::preview))
        .route(
            "/api/v1/templates/{name}",
            get(templates::show).put(templates::update).delete(templates::reset),
        )
        .route("/api/v1/subscriptions", post(subscriptions::sign_up))
        .route("/api/v1/subscriptions/{id}/verify", post(subscriptions::verify))
        .route(
            "/api/v1/subscriptions/manage",
            post(manage::request).get(manage::show).put(manage::update).delete(manage::unsubscribe),
        )
        .route("/api/v1/subscriptions/manage/{id}/verify", post(manage::verify))
        .method_not_allowed_fallback(error::method_not_allowed)
        // The application router's own fallback serves pages, so unknown API
        // paths get their JSON error from a catch-all route instead. Leptos
        // server functions under /api have exact routes, which take
        // precedence over it.
        .route("/api", any(error::not_found))
        .route("/api/{*rest}", any(error::not_found))
}

/// Parses a numeric id from the path; anything else names no resource.
fn parse_id(raw: &str, what: &'static str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::from(kodo_core::Error::not_found(what)))
}
