//! Incidents and their updates. Every change is an event that queues its
//! recipients in the same transaction (`fanout`), so an incident is never
//! saved without them, nor a recipient queued for a change that rolled
//! back. Dispatchers make messages for the recipients a large event left
//! waiting.

use chrono::{DateTime, Utc};
use kodo_domain::incident::{IncidentStatus, Severity};
use kodo_domain::template::{service_list, TemplateKind, Values, Variable};
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, Transaction};

use crate::messages::segment_count;
use crate::text_field::{Lines, TextField};
use crate::{fanout, services, settings, templates, Error, Kodo, Result};

const TITLE: TextField = TextField {
    field: "title",
    label: "Title",
    max_chars: 200,
    lines: Lines::One,
    missing_fix: "describe the incident in a few words",
};
const MESSAGE: TextField = TextField {
    field: "message",
    label: "Message",
    max_chars: 4000,
    lines: Lines::Many,
    missing_fix: "say what is happening",
};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    pub title: String,
    pub severity: Severity,
    pub status: IncidentStatus,
    pub message: String,
    pub services: Vec<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUpdate {
    pub status: IncidentStatus,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Incident {
    pub id: i64,
    pub title: String,
    pub severity: Severity,
    pub status: IncidentStatus,
    pub services: Vec<ServiceRef>,
    pub updates: Vec<Update>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
pub struct ServiceRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Update {
    pub id: i64,
    /// `created`, `updated` or `resolved`.
    pub kind: String,
    pub status: IncidentStatus,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct IncidentRow {
    id: i64,
    title: String,
    severity: String,
    status: String,
    created_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct UpdateRow {
    id: i64,
    kind: String,
    status: String,
    message: String,
    created_at: DateTime<Utc>,
}

/// Opens an incident and notifies the subscribers it matches.
pub async fn open(kodo: &Kodo, new: NewIncident) -> Result<Incident> {
    let title = TITLE.clean(&new.title)?;
    let message = MESSAGE.clean(&new.message)?;
    if new.status == IncidentStatus::Resolved {
        return Err(Error::invalid(
            "status",
            "A new incident cannot start resolved; open it as investigating, identified or monitoring.",
        ));
    }
    let mut service_ids = new.services.clone();
    service_ids.sort_unstable();
    service_ids.dedup();
    services::ensure_exist(&kodo.pool, "services", &service_ids).await?;

    let mut tx = kodo.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO incidents (title, severity, status) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(&title)
    .bind(new.severity.as_str())
    .bind(new.status.as_str())
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO incident_services (incident_id, service_id) SELECT $1, unnest($2::bigint[])",
    )
    .bind(id)
    .bind(&service_ids)
    .execute(&mut *tx)
    .await?;
    let update_id = insert_update(&mut tx, id, "created", new.status, &message).await?;
    let recipients = enqueue_notifications(kodo, &mut tx, id, update_id, TemplateKind::IncidentCreated).await?;
    tx.commit().await?;

    tracing::info!(incident.id = id, recipients, "incident opened");
    get(&kodo.pool, id).await
}

/// Posts an update; an update with status `resolved` resolves the incident.
pub async fn post_update(kodo: &Kodo, incident_id: i64, update: NewUpdate) -> Result<Incident> {
    let message = MESSAGE.clean(&update.message)?;
    let mut tx = kodo.pool.begin().await?;
    let current: Option<String> =
        sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1 FOR UPDATE")
            .bind(incident_id)
            .fetch_optional(&mut *tx)
            .await?;
    let current = current.ok_or_else(|| Error::not_found("incident"))?;
    if current == IncidentStatus::Resolved.as_str() {
        return Err(Error::conflict(
            "status",
            "This incident is already resolved; open a new incident instead.",
        ));
    }

    let resolves = update.status == IncidentStatus::Resolved;
    sqlx::query(
        "UPDATE incidents SET status = $2, \
           resolved_at = CASE WHEN $3 THEN now() ELSE resolved_at END \
         WHERE id = $1",
    )
    .bind(incident_id)
    .bind(update.status.as_str())
    .bind(resolves)
    .execute(&mut *tx)
    .await?;
    let (kind, template) = if resolves {
        ("resolved", TemplateKind::IncidentResolved)
    } else {
        ("updated", TemplateKind::IncidentUpdated)
    };
    let update_id = insert_update(&mut tx, incident_id, kind, update.status, &message).await?;
    let recipients = enqueue_notifications(kodo, &mut tx, incident_id, update_id, template).await?;
    tx.commit().await?;

    tracing::info!(incident.id = incident_id, update.kind = kind, recipients, "incident updated");
    get(&kodo.pool, incident_id).await
}

pub async fn get(pool: &PgPool, id: i64) -> Result<Incident> {
    let row = sqlx::query_as::<_, IncidentRow>(
        "SELECT id, title, severity, status, created_at, resolved_at FROM incidents WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| Error::not_found("incident"))?;
    let services = incident_services(pool, id).await?;
    let updates = sqlx::query_as::<_, UpdateRow>(
        "SELECT id, kind, status, message, created_at FROM incident_updates \
         WHERE incident_id = $1 ORDER BY id DESC",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let updates = updates
        .into_iter()
        .map(|row| {
            Ok(Update {
                id: row.id,
                kind: row.kind,
                status: parse_stored(&row.status)?,
                message: row.message,
                created_at: row.created_at,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Incident {
        id: row.id,
        title: row.title,
        severity: parse_stored(&row.severity)?,
        status: parse_stored(&row.status)?,
        services,
        updates,
        created_at: row.created_at,
        resolved_at: row.resolved_at,
    })
}

/// Lists unresolved incidents, newest first.
pub async fn list_open(pool: &PgPool) -> Result<Vec<Incident>> {
    list_where(pool, "status <> 'resolved' ORDER BY created_at DESC", 100).await
}

/// Lists incidents resolved within the last `days` days, newest first.
pub async fn list_recent_resolved(pool: &PgPool, days: i32) -> Result<Vec<Incident>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM incidents WHERE status = 'resolved' \
         AND resolved_at > now() - make_interval(days => $1) ORDER BY resolved_at DESC LIMIT 20",
    )
    .bind(days)
    .fetch_all(pool)
    .await?;
    fetch_all(pool, &ids).await
}

/// Lists every incident, newest first, for the admin dashboard.
pub async fn list_all(pool: &PgPool, limit: i64) -> Result<Vec<Incident>> {
    list_where(pool, "TRUE ORDER BY created_at DESC", limit).await
}

async fn list_where(pool: &PgPool, condition: &'static str, limit: i64) -> Result<Vec<Incident>> {
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM incidents WHERE {condition} LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    fetch_all(pool, &ids).await
}

async fn fetch_all(pool: &PgPool, ids: &[i64]) -> Result<Vec<Incident>> {
    let mut incidents = Vec::with_capacity(ids.len());
    for id in ids {
        incidents.push(get(pool, *id).await?);
    }
    Ok(incidents)
}

async fn incident_services(
    executor: impl sqlx::PgExecutor<'_>,
    incident_id: i64,
) -> Result<Vec<ServiceRef>> {
    let services = sqlx::query_as::<_, ServiceRef>(
        "SELECT s.id, s.name FROM services s \
         JOIN incident_services x ON x.service_id = s.id \
         WHERE x.incident_id = $1 ORDER BY s.name",
    )
    .bind(incident_id)
    .fetch_all(executor)
    .await?;
    Ok(services)
}

/// Inserts an update of an incident the transaction has locked. Updates of
/// one incident are therefore numbered in the order they commit, which is
/// the order pages list them in, and the last one is the incident's status.
async fn insert_update(
    tx: &mut Transaction<'_, Postgres>,
    incident_id: i64,
    kind: &str,
    status: IncidentStatus,
    message: &str,
) -> Result<i64> {
    let id = sqlx::query_scalar(
        "INSERT INTO incident_updates (incident_id, kind, status, message, created_at) \
         VALUES ($1, $2, $3, $4, clock_timestamp()) RETURNING id",
    )
    .bind(incident_id)
    .bind(kind)
    .bind(status.as_str())
    .bind(message)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// Renders an incident event's message and queues it for every subscriber
/// the event reaches (`fanout::queue`). Returns how many it reaches.
async fn enqueue_notifications(
    kodo: &Kodo,
    tx: &mut Transaction<'_, Postgres>,
    incident_id: i64,
    update_id: i64,
    kind: TemplateKind,
) -> Result<u64> {
    let row = sqlx::query_as::<_, IncidentRow>(
        "SELECT id, title, severity, status, created_at, resolved_at FROM incidents WHERE id = $1",
    )
    .bind(incident_id)
    .fetch_one(&mut **tx)
    .await?;
    let message: String =
        sqlx::query_scalar("SELECT message FROM incident_updates WHERE id = $1")
            .bind(update_id)
            .fetch_one(&mut **tx)
            .await?;
    let services = incident_services(&mut **tx, incident_id).await?;
    let service_ids: Vec<i64> = services.iter().map(|service| service.id).collect();
    let service_names: Vec<&str> = services.iter().map(|service| service.name.as_str()).collect();
    let severity: Severity = parse_stored(&row.severity)?;
    let status: IncidentStatus = parse_stored(&row.status)?;
    let timing = settings::message_timing(&mut **tx).await?;

    let template = templates::get(&kodo.pool, kind).await?;
    let values = Values::new()
        .with(Variable::Page, settings::page_name(&kodo.pool).await?)
        .with(Variable::Title, row.title)
        .with(Variable::Severity, severity.label())
        .with(Variable::Status, status.label())
        .with(Variable::Message, message)
        .with(Variable::Service, service_list(&service_names))
        .with(Variable::Url, kodo.incident_url(incident_id));
    let body = template.render_fitted(&values, timing.replace_typographic);
    let event = fanout::Event {
        update_id,
        incident_id,
        segments: segment_count(&body),
        body,
        service_ids,
        critical: severity == Severity::Critical,
        resolves: kind == TemplateKind::IncidentResolved,
    };
    fanout::queue(kodo, tx, &event).await
}

/// Parses a value the database constrains, so a failure is a bug.
fn parse_stored<T: std::str::FromStr>(value: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|error| Error::Internal(format!("stored value {value:?}: {error}")))
}
