use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::Json;
use kodo_core::messages::{self, Filter, Message};

use super::{ApiAuth, ApiError};
use crate::state::AppState;

/// `GET /api/v1/messages?phone=&incident=`, newest first.
pub async fn list(
    _: ApiAuth,
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Vec<Message>>, ApiError> {
    let incident = match query.get("incident") {
        Some(raw) => Some(raw.parse::<i64>().map_err(|_| {
            ApiError::bad_request(Some("incident".into()), "incident must be a numeric incident id.")
        })?),
        None => None,
    };
    let phone = query
        .get("phone")
        .map(|raw| super::subscribers::parse_phone_filter(raw))
        .transpose()?;
    let filter = Filter {
        phone,
        incident,
        limit: None,
    };
    Ok(Json(messages::list(&state.kodo.pool, &filter).await?))
}
