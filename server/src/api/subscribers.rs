use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use kodo_core::consent::Method;
use kodo_core::subscribers::{self, Filter, PendingSignup, Subscriber};
use kodo_domain::phone::PhoneNumber;
use kodo_domain::preferences::Preferences;
use serde::Deserialize;

use super::{parse_id, ApiAuth, ApiError, ApiJson};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSubscriber {
    phone: String,
    #[serde(default)]
    preferences: Preferences,
    #[serde(default)]
    consent_note: String,
    /// IANA name; guessed from the number's country when absent.
    time_zone: Option<String>,
}

/// Parses a phone number from input, naming the `phone` field on error.
pub fn parse_phone(raw: &str) -> Result<PhoneNumber, ApiError> {
    PhoneNumber::parse(raw).map_err(|error| ApiError::bad_request(Some("phone".into()), error.to_string()))
}

/// Parses a phone filter, accepting any way of writing a number, as the input fields do.
///
/// A `+` left unencoded in a query string arrives as a space, so a filter
/// that starts with one and fails to parse gets the encoding as its fix.
pub fn parse_phone_filter(raw: &str) -> Result<String, ApiError> {
    parse_phone(raw).map(|phone| phone.as_str().to_owned()).map_err(|error| {
        if raw.starts_with(' ') && raw.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
            ApiError::bad_request(
                Some("phone".into()),
                format!(
                    "The phone filter starts with a space, which is how a query string sends an \
                     unencoded +. Write the + as %2B, as in ?phone=%2B{}.",
                    raw.trim()
                ),
            )
        } else {
            error
        }
    })
}

pub async fn list(
    _: ApiAuth,
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Vec<Subscriber>>, ApiError> {
    let phone = query.get("phone").map(|raw| parse_phone_filter(raw)).transpose()?;
    let filter = Filter {
        status: query.get("status").cloned(),
        phone,
    };
    Ok(Json(subscribers::list(&state.kodo.pool, &filter).await?))
}

/// Lists the sign-ups waiting for their code, with `?phone=` for one number.
pub async fn signups(
    _: ApiAuth,
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Vec<PendingSignup>>, ApiError> {
    let phone = query.get("phone").map(|raw| parse_phone_filter(raw)).transpose()?;
    Ok(Json(subscribers::pending_signups(&state.kodo.pool, phone.as_deref()).await?))
}

pub async fn show(
    _: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Subscriber>, ApiError> {
    let id = parse_id(&id, "subscriber")?;
    Ok(Json(subscribers::get(&state.kodo.pool, id).await?))
}

pub async fn add(
    ApiAuth(token): ApiAuth,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewSubscriber>,
) -> Result<(StatusCode, Json<Subscriber>), ApiError> {
    let phone = parse_phone(&body.phone)?;
    let actor = format!("api token {} ({})", token.id, token.name);
    let subscriber = subscribers::add_confirmed(
        &state.kodo,
        &phone,
        &body.preferences,
        body.time_zone.as_deref(),
        &body.consent_note,
        Method::Api,
        &actor,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(subscriber)))
}

pub async fn remove(
    ApiAuth(token): ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id, "subscriber")?;
    let actor = format!("api token {} ({})", token.id, token.name);
    subscribers::remove(&state.kodo, id, Method::Api, &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}
