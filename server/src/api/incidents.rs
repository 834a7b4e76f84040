use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use kodo_core::incidents::{self, Incident, NewIncident, NewUpdate};

use super::{parse_id, ApiAuth, ApiError, ApiJson};
use crate::state::AppState;

pub async fn list(_: ApiAuth, State(state): State<AppState>) -> Result<Json<Vec<Incident>>, ApiError> {
    Ok(Json(incidents::list_all(&state.kodo.pool, 100).await?))
}

pub async fn open(
    _: ApiAuth,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewIncident>,
) -> Result<(StatusCode, Json<Incident>), ApiError> {
    let incident = incidents::open(&state.kodo, body).await?;
    Ok((StatusCode::CREATED, Json(incident)))
}

pub async fn show(
    _: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Incident>, ApiError> {
    let id = parse_id(&id, "incident")?;
    Ok(Json(incidents::get(&state.kodo.pool, id).await?))
}

pub async fn post_update(
    _: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewUpdate>,
) -> Result<(StatusCode, Json<Incident>), ApiError> {
    let id = parse_id(&id, "incident")?;
    let incident = incidents::post_update(&state.kodo, id, body).await?;
    Ok((StatusCode::CREATED, Json(incident)))
}
