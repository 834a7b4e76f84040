//! Self-service management of a subscription, public like the sign-up:
//! request a texted code, confirm it for a 30-minute manage token, then
//! read, change or end the subscription with `Authorization: Bearer
//! <manage token>`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use kodo_core::manage;
use kodo_core::subscribers::Subscriber;
use kodo_domain::preferences::Preferences;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::auth::bearer_token;
use super::subscribers::parse_phone;
use super::{ApiError, ApiJson};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ManageRequest {
    phone: String,
}

#[derive(Deserialize)]
pub struct Verification {
    code: String,
}

#[derive(Deserialize)]
pub struct PreferencesBody {
    preferences: Preferences,
}

/// The subscription as shown to the holder of a manage token.
#[derive(Serialize)]
pub struct SubscriptionView {
    phone: String,
    status: String,
    preferences: Preferences,
}

impl From<Subscriber> for SubscriptionView {
    fn from(subscriber: Subscriber) -> Self {
        SubscriptionView {
            phone: subscriber.phone,
            status: subscriber.status,
            preferences: subscriber.preferences,
        }
    }
}

/// The subscriber whose manage token the request carries; extracting it
/// rejects requests without a valid one with 401.
pub struct ManageAuth(Subscriber);

impl FromRequestParts<AppState> for ManageAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let unauthorized = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "Missing, invalid or expired manage token; send Authorization: Bearer <token> \
                 with the token from POST /api/v1/subscriptions/manage/{id}/verify, \
                 or request a new code.",
            )
        };
        let token = bearer_token(&parts.headers).ok_or_else(unauthorized)?;
        match manage::authenticate(&state.kodo, token).await? {
            Some(subscriber) => Ok(ManageAuth(subscriber)),
            None => Err(unauthorized()),
        }
    }
}

/// `POST /api/v1/subscriptions/manage`: returns 202 with the request id
/// for any valid number, and texts a code only to a subscribed one.
pub async fn request(
    State(state): State<AppState>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<ManageRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let phone = parse_phone(&body.phone)?;
    let client_ip = address.ip().to_string();
    let id = manage::request(&state.kodo, &phone, Some(&client_ip)).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "id": id }))))
}

/// `POST /api/v1/subscriptions/manage/{id}/verify`: exchanges the texted
/// code for a manage token.
pub async fn verify(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Verification>,
) -> Result<Json<Value>, ApiError> {
    let token = manage::verify(&state.kodo, &id, &body.code).await?;
    Ok(Json(json!({ "token": token.token, "expires_at": token.expires_at })))
}

pub async fn show(ManageAuth(subscriber): ManageAuth) -> Json<SubscriptionView> {
    Json(subscriber.into())
}

pub async fn update(
    State(state): State<AppState>,
    ManageAuth(subscriber): ManageAuth,
    ApiJson(body): ApiJson<PreferencesBody>,
) -> Result<Json<SubscriptionView>, ApiError> {
    let updated = manage::update_preferences(&state.kodo, subscriber.id, &body.preferences).await?;
    Ok(Json(updated.into()))
}

pub async fn unsubscribe(
    State(state): State<AppState>,
    ManageAuth(subscriber): ManageAuth,
) -> Result<StatusCode, ApiError> {
    manage::unsubscribe(&state.kodo, &subscriber).await?;
    Ok(StatusCode::NO_CONTENT)
}
