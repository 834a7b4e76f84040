//! `GET /api/v1/dispatch/status` and `POST /api/v1/dispatch/resume`: what
//! stops sending (a paused sender, a country Twilio blocks) and how to
//! start again once it is fixed.

use axum::extract::State;
use axum::Json;
use kodo_core::dispatch_control::{self, DispatchStatus};

use super::{ApiAuth, ApiError};
use crate::state::AppState;

pub async fn status(_: ApiAuth, State(state): State<AppState>) -> Result<Json<DispatchStatus>, ApiError> {
    Ok(Json(dispatch_control::status(&state.kodo.pool).await?))
}

/// Clears every pause and block, so waiting messages are sent, and returns
/// the new status.
pub async fn resume(ApiAuth(token): ApiAuth, State(state): State<AppState>) -> Result<Json<DispatchStatus>, ApiError> {
    let cleared = dispatch_control::resume(&state.kodo.pool).await?;
    tracing::info!(token.id = token.id, cleared, "sending resumed through the API");
    Ok(Json(dispatch_control::status(&state.kodo.pool).await?))
}
