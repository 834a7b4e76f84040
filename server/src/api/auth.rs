use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use kodo_core::api_tokens::{self, ApiToken};

use super::ApiError;
use crate::state::AppState;

/// The API token a request was made with; extracting it rejects requests
/// without a valid `Authorization: Bearer` header with 401.
pub struct ApiAuth(pub ApiToken);

impl FromRequestParts<AppState> for ApiAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let unauthorized = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "Missing or invalid API token; send Authorization: Bearer <token> \
                 (create one with `kodo token create --name NAME`).",
            )
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(unauthorized)?;
        match api_tokens::authenticate(&state.kodo, token).await? {
            Some(token) => Ok(ApiAuth(token)),
            None => Err(unauthorized()),
        }
    }
}
