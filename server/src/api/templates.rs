//! Message templates: list, show, save, reset to the default, and preview
//! a text as it would be sent.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::Json;
use kodo_core::templates::{self, Preview, TemplateInfo};
use kodo_domain::template::TemplateKind;
use serde::Deserialize;

use super::{ApiAuth, ApiError, ApiJson};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    template: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewBody {
    template: String,
    /// The template kind whose variables the text may use; defaults to
    /// `incident_created`.
    name: Option<String>,
    #[serde(default)]
    values: BTreeMap<String, String>,
}

pub async fn list(_: ApiAuth, State(state): State<AppState>) -> Result<Json<Vec<TemplateInfo>>, ApiError> {
    Ok(Json(templates::list(&state.kodo.pool).await?))
}

pub async fn show(
    _: ApiAuth,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<TemplateInfo>, ApiError> {
    let kind = templates::kind_named(&name)?;
    Ok(Json(templates::info(&state.kodo.pool, kind).await?))
}

pub async fn update(
    ApiAuth(token): ApiAuth,
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<TemplateBody>,
) -> Result<Json<TemplateInfo>, ApiError> {
    let kind = templates::kind_named(&name)?;
    let saved = templates::save(&state.kodo.pool, kind, &body.template).await?;
    tracing::info!(token.id = token.id, template = kind.name(), "template changed through the API");
    Ok(Json(saved))
}

pub async fn reset(
    ApiAuth(token): ApiAuth,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<TemplateInfo>, ApiError> {
    let kind = templates::kind_named(&name)?;
    let reset = templates::reset(&state.kodo.pool, kind).await?;
    tracing::info!(token.id = token.id, template = kind.name(), "template reset through the API");
    Ok(Json(reset))
}

pub async fn preview(
    _: ApiAuth,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PreviewBody>,
) -> Result<Json<Preview>, ApiError> {
    let kind = match body.name.as_deref() {
        None => TemplateKind::IncidentCreated,
        Some(name) => TemplateKind::from_name(name).ok_or_else(|| {
            ApiError::bad_request(
                Some("name".to_owned()),
                format!("{name:?} is not a template name; use one of: {}.", templates::known_names()),
            )
        })?,
    };
    let preview = templates::preview(&state.kodo, kind, &body.template, &body.values).await?;
    Ok(Json(preview))
}
