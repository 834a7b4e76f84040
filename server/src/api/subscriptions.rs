//! The public sign-up, for pages and widgets hosted elsewhere: no token.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use kodo_core::consent::Method;
use kodo_core::settings;
use kodo_core::subscribers::{self, SignUp};
use kodo_domain::preferences::Preferences;
use serde::Deserialize;
use serde_json::{json, Value};

use super::subscribers::parse_phone;
use super::{ApiError, ApiJson};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct NewSubscription {
    phone: String,
    #[serde(default)]
    preferences: Preferences,
    #[serde(default)]
    consent: bool,
    /// IANA time zone name, such as `America/New_York`.
    time_zone: Option<String>,
}

#[derive(Deserialize)]
pub struct Verification {
    code: String,
}

pub async fn sign_up(
    State(state): State<AppState>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewSubscription>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let phone = parse_phone(&body.phone)?;
    if !body.consent {
        return Err(ApiError::bad_request(
            Some("consent".into()),
            "consent must be true: the subscriber agrees to the page's consent text \
             (see GET /api/v1/settings/sms).",
        ));
    }
    let consent_text = settings::get(&state.kodo.pool).await?.consent_text;
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let id = subscribers::sign_up(
        &state.kodo,
        SignUp {
            phone,
            preferences: body.preferences,
            consent_text,
            method: Method::Api,
            client_ip: Some(address.ip().to_string()),
            user_agent,
            time_zone: body.time_zone,
        },
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "id": id, "status": "pending" }))))
}

pub async fn verify(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Verification>,
) -> Result<Json<Value>, ApiError> {
    let subscriber = subscribers::verify(&state.kodo, &id, &body.code).await?;
    Ok(Json(json!({ "status": subscriber.status })))
}
