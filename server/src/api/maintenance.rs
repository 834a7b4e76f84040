//! Scheduled maintenance windows.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use kodo_core::maintenance::{self, Maintenance, NewMaintenance};

use super::{parse_id, ApiAuth, ApiError, ApiJson};
use crate::state::AppState;

pub async fn list(_: ApiAuth, State(state): State<AppState>) -> Result<Json<Vec<Maintenance>>, ApiError> {
    Ok(Json(maintenance::list(&state.kodo.pool).await?))
}

pub async fn schedule(
    _: ApiAuth,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewMaintenance>,
) -> Result<(StatusCode, Json<Maintenance>), ApiError> {
    let window = maintenance::schedule(&state.kodo, body).await?;
    Ok((StatusCode::CREATED, Json(window)))
}

pub async fn show(
    _: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Maintenance>, ApiError> {
    let id = parse_id(&id, "maintenance")?;
    Ok(Json(maintenance::get(&state.kodo.pool, id).await?))
}

pub async fn update(
    _: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewMaintenance>,
) -> Result<Json<Maintenance>, ApiError> {
    let id = parse_id(&id, "maintenance")?;
    Ok(Json(maintenance::update(&state.kodo, id, body).await?))
}

pub async fn cancel(
    _: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Maintenance>, ApiError> {
    let id = parse_id(&id, "maintenance")?;
    Ok(Json(maintenance::cancel(&state.kodo, id).await?))
}

pub async fn complete(
    _: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Maintenance>, ApiError> {
    let id = parse_id(&id, "maintenance")?;
    Ok(Json(maintenance::complete(&state.kodo, id).await?))
}
