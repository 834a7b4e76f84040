//! The consent log, as evidence for a carrier or regulator: one
//! subscriber's history as JSON, or the whole log as CSV.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kodo_core::consent::{self, Event};
use kodo_core::subscribers;

use super::subscribers::parse_phone_filter;
use super::{parse_id, AdminSession, ApiAuth, ApiError};
use crate::state::AppState;

/// `GET /api/v1/subscribers/{id}/consent`: every record of the
/// subscriber's number, including those from before a removal.
pub async fn for_subscriber(
    _: ApiAuth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<Event>>, ApiError> {
    let id = parse_id(&id, "subscriber")?;
    let subscriber = subscribers::get(&state.kodo.pool, id).await?;
    Ok(Json(consent::list(&state.kodo.pool, Some(&subscriber.phone)).await?))
}

/// `GET /api/v1/consent.csv`: the whole log, or one number's with
/// `?phone=`, as CSV with a header row.
pub async fn export_csv(
    _: ApiAuth,
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    csv_response(&state, &query).await
}

/// `GET /admin/consent.csv`: the same CSV for an admin signed in to the
/// dashboard.
pub async fn export_csv_for_admin(
    AdminSession(admin): AdminSession,
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    tracing::info!(admin.id = admin.id, "consent log downloaded");
    csv_response(&state, &query).await
}

async fn csv_response(state: &AppState, query: &HashMap<String, String>) -> Result<Response, ApiError> {
    let phone = query.get("phone").map(|raw| parse_phone_filter(raw)).transpose()?;
    let events = consent::list(&state.kodo.pool, phone.as_deref()).await?;
    let csv = to_csv(&events).map_err(|error| {
        ApiError::from(kodo_core::Error::Internal(format!("writing the consent CSV: {error}")))
    })?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"consent.csv\""),
        ],
        csv,
    )
        .into_response())
}

const CSV_COLUMNS: [&str; 9] = [
    "id",
    "created_at",
    "phone",
    "action",
    "method",
    "consent_text",
    "client_ip",
    "user_agent",
    "actor",
];

/// Returns a free-text cell that a spreadsheet shows as text. A cell that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
/// `'`, so a crafted user agent or note cannot run as a formula when an admin
/// opens the export. The phone column is E.164 and needs no such guard.
fn inert_cell(text: Option<&str>) -> Cow<'_, str> {
    let text = text.unwrap_or("");
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

fn to_csv(events: &[Event]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_COLUMNS)?;
    for event in events {
        writer.write_record([
            event.id.to_string().as_str(),
            event.created_at.to_rfc3339().as_str(),
            &event.phone,
            &event.action,
            &event.method,
            &inert_cell(event.consent_text.as_deref()),
            &inert_cell(event.client_ip.as_deref()),
            &inert_cell(event.user_agent.as_deref()),
            &inert_cell(event.actor.as_deref()),
        ])?;
    }
    writer.into_inner().map_err(|error| error.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::inert_cell;

    #[test]
    fn formula_cells_become_text() {
        for formula in ["=cmd|'/C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(inert_cell(Some(formula)), format!("'{formula}"));
        }
    }

    #[test]
    fn plain_cells_stay_unchanged() {
        assert_eq!(inert_cell(Some("Mozilla/5.0 (X11)")), "Mozilla/5.0 (X11)");
        assert_eq!(inert_cell(Some("127.0.0.1")), "127.0.0.1");
        assert_eq!(inert_cell(None), "");
    }
}
