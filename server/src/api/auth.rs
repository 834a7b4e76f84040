use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use kodo_core::admins::{self, Admin};
use kodo_core::api_tokens::{self, ApiToken};
use tower_sessions::Session;

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
        let token = bearer_token(&parts.headers).ok_or_else(unauthorized)?;
        match api_tokens::authenticate(&state.kodo, token).await? {
            Some(token) => Ok(ApiAuth(token)),
            None => Err(unauthorized()),
        }
    }
}

/// The admin signed in to the dashboard's session; extracting it rejects
/// requests without one with 401. For downloads the dashboard links to.
pub struct AdminSession(pub Admin);

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let unauthorized = || ApiError::new(StatusCode::UNAUTHORIZED, "Sign in as an admin at /admin/login first.");
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| unauthorized())?;
        let id: Option<i64> = session
            .get(kodo_app::admin::ADMIN_SESSION_KEY)
            .await
            .map_err(|error| {
                tracing::error!(%error, "reading the session failed");
                unauthorized()
            })?;
        let Some(id) = id else {
            return Err(unauthorized());
        };
        match admins::get(&state.kodo.pool, id).await? {
            Some(admin) => Ok(AdminSession(admin)),
            None => Err(unauthorized()),
        }
    }
}

/// Returns the token of an `Authorization: Bearer <token>` header, if there is one.
pub(super) fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
}
