//! Incidents and their updates. Every change is an event that enqueues
//! its notifications in the same transaction, so an incident is never
//! saved without its messages, nor a message queued for a change that
//! rolled back.

use chrono::{DateTime, Duration, Utc};
use kodo_domain::incident::{IncidentStatus, Severity};
use kodo_domain::template::{service_list, TemplateKind, Values, Variable};
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, Transaction};

use crate::messages::segment_count;
use crate::text_field::{Lines, TextField};
use crate::{db, services, settings, templates, timing, Error, Kodo, Result};

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
    let queued = enqueue_notifications(kodo, &mut tx, id, update_id, TemplateKind::IncidentCreated).await?;
    tx.commit().await?;

    tracing::info!(incident.id = id, messages.queued = queued, "incident opened");
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
    let queued = enqueue_notifications(kodo, &mut tx, incident_id, update_id, template).await?;
    tx.commit().await?;

    tracing::info!(incident.id = incident_id, update.kind = kind, messages.queued = queued, "incident updated");
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

/// The subscribers an incident event reaches: active, with a scope of all
/// services or one naming an affected service (`$2`), not critical-only
/// unless the incident is critical (`$3`), and, for a resolution (`$4`),
/// wanting resolutions.
const RECIPIENTS: &str = "s.status = 'active' \
     AND (s.scope = 'all' OR s.service_ids && $2::bigint[]) \
     AND (NOT s.critical_only OR $3) \
     AND (s.resolutions OR NOT $4)";

/// Queues one message per recipient of an incident event, set-based, and
/// returns how many were queued.
///
/// A subscriber has at most one unsent notification per incident, which
/// the `messages_pending_per_incident` index enforces. An unsent one is
/// canceled and the new message, with the latest status and text, takes
/// its place and its send time. A resolution cancels every unsent update
/// of the incident, including those of subscribers who do not want
/// resolutions, because the update is out of date.
///
/// When a new message goes:
/// - a critical incident's messages go at once;
/// - an incident's first message to a subscriber, and a resolution, go at
///   once unless the subscriber is in quiet hours;
/// - a message that replaces an unsent one keeps that one's send time;
/// - any other follow-up waits `hold_seconds` so that a burst collapses
///   into one message, and then for quiet hours to end.
///
/// A message whose send time is later than `now` is `held`.
///
/// The subscribers this incident already notified are read once and hash
/// joined, and `timed` is materialized so that its CASE runs once per
/// subscriber: a correlated subquery here scanned `messages` once per row.
async fn enqueue_notifications(
    kodo: &Kodo,
    tx: &mut Transaction<'_, Postgres>,
    incident_id: i64,
    update_id: i64,
    kind: TemplateKind,
) -> Result<u64> {
    let now = kodo.clock.now();
    db::share_subscriber_removal_lock(&mut **tx).await?;
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
    let critical = severity == Severity::Critical;
    let resolves = kind == TemplateKind::IncidentResolved;
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

    let replaced: Vec<(i64, String, DateTime<Utc>)> = sqlx::query_as(&format!(
        "UPDATE messages m SET status = 'canceled', updated_at = now() \
         FROM (SELECT id, status FROM messages \
               WHERE incident_id = $1 AND kind = 'notification' \
                 AND status IN ('queued', 'held') AND channel IS NULL \
                 AND ($4 OR subscriber_id IN (SELECT s.id FROM subscribers s WHERE {RECIPIENTS})) \
               FOR UPDATE) unsent \
         WHERE m.id = unsent.id \
         RETURNING m.subscriber_id, unsent.status, m.next_attempt_at"
    ))
    .bind(incident_id)
    .bind(&service_ids)
    .bind(critical)
    .bind(resolves)
    .fetch_all(&mut **tx)
    .await?;

    let hold_until = now + Duration::seconds(i64::from(timing.hold_seconds));
    let mut zones: Vec<String> = Vec::new();
    let mut zone_due_now: Vec<DateTime<Utc>> = Vec::new();
    let mut zone_due_after_hold: Vec<DateTime<Utc>> = Vec::new();
    if let (Some(quiet_hours), false) = (timing.quiet_hours, critical) {
        // `$1` is unused here but bound so that RECIPIENTS keeps its
        // parameter numbers.
        zones = sqlx::query_scalar(&format!(
            "SELECT DISTINCT s.time_zone FROM subscribers s WHERE {RECIPIENTS} AND $1::bigint IS NOT NULL"
        ))
        .bind(incident_id)
        .bind(&service_ids)
        .bind(critical)
        .bind(resolves)
        .fetch_all(&mut **tx)
        .await?;
        for zone in &zones {
            let zone = timing::stored_time_zone(zone);
            zone_due_now.push(quiet_hours.release_at(now, zone));
            zone_due_after_hold.push(quiet_hours.release_at(hold_until, zone));
        }
    }
    let (replaced_ids, replaced_statuses, replaced_due): (Vec<i64>, Vec<String>, Vec<DateTime<Utc>>) =
        replaced.into_iter().fold(
            (Vec::new(), Vec::new(), Vec::new()),
            |(mut ids, mut statuses, mut due), (id, status, at)| {
                ids.push(id);
                statuses.push(status);
                due.push(at);
                (ids, statuses, due)
            },
        );

    let queued = sqlx::query(&format!(
        "WITH zones AS ( \
           SELECT * FROM unnest($8::text[], $9::timestamptz[], $10::timestamptz[]) \
             AS z(time_zone, due_now, due_after_hold)), \
         replaced AS ( \
           SELECT * FROM unnest($11::bigint[], $12::text[], $13::timestamptz[]) \
             AS r(subscriber_id, status, due)), \
         notified AS MATERIALIZED ( \
           SELECT DISTINCT subscriber_id FROM messages \
           WHERE incident_id = $1 AND kind = 'notification' AND status <> 'canceled' \
             AND subscriber_id IS NOT NULL), \
         timed AS MATERIALIZED ( \
           SELECT s.id, s.phone, r.status AS replaced_status, CASE \
             WHEN $3 THEN $7 \
             WHEN $4 THEN COALESCE(z.due_now, $7) \
             WHEN r.subscriber_id IS NOT NULL THEN r.due \
             WHEN n.subscriber_id IS NULL THEN COALESCE(z.due_now, $7) \
             ELSE COALESCE(z.due_after_hold, $14) END AS due \
           FROM subscribers s \
           LEFT JOIN zones z ON z.time_zone = s.time_zone \
           LEFT JOIN replaced r ON r.subscriber_id = s.id \
           LEFT JOIN notified n ON n.subscriber_id = s.id \
           WHERE {RECIPIENTS}) \
         INSERT INTO messages (subscriber_id, to_phone, kind, incident_id, update_id, body, \
           status, next_attempt_at, segments) \
         SELECT id, phone, 'notification', $1, $5, $6, CASE \
             WHEN due <= $7 THEN 'queued' \
             WHEN NOT $3 AND NOT $4 AND replaced_status IS NOT NULL THEN replaced_status \
             ELSE 'held' END, \
           due, $15 \
         FROM timed \
         ON CONFLICT DO NOTHING"
    ))
    .bind(incident_id)
    .bind(&service_ids)
    .bind(critical)
    .bind(resolves)
    .bind(update_id)
    .bind(&body)
    .bind(now)
    .bind(&zones)
    .bind(&zone_due_now)
    .bind(&zone_due_after_hold)
    .bind(&replaced_ids)
    .bind(&replaced_statuses)
    .bind(&replaced_due)
    .bind(hold_until)
    .bind(segment_count(&body))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if queued > 0 {
        db::notify_dispatchers(&mut **tx).await?;
    }
    if !replaced_ids.is_empty() {
        tracing::info!(
            incident.id = incident_id,
            messages.replaced = replaced_ids.len(),
            "unsent notifications replaced by a newer update"
        );
    }
    Ok(queued)
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
