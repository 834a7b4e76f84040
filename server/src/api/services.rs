use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use kodo_core::services::{self, Service};
use serde::Deserialize;

use super::{parse_id, ApiAuth, ApiError, ApiJson};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct NewService {
    name: String,
}

pub async fn list(_: ApiAuth, State(state): State<AppState>) -> Result<Json<Vec<Service>>, ApiError> {
    Ok(Json(services::list(&state.kodo.pool).await?))
}

pub async fn create(
    _: ApiAuth,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewService>,
) -> Result<(StatusCode, Json<Service>), ApiError> {
    let service = services::create(&state.kodo.pool, &body.name).await?;
    Ok((StatusCode::CREATED, Json(service)))
}

pub async fn remove(
    _: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id, "service")?;
    services::delete(&state.kodo.pool, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
