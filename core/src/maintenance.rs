//! Scheduled maintenance: announcing a window, notifying subscribers when
//! it starts, and canceling or completing it.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use kodo_domain::template::{service_list, TemplateKind, Values, Variable};
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, Transaction};

use crate::incidents::ServiceRef;
use crate::messages::segment_count;
use crate::text_field::{Lines, TextField};
use crate::{db, services, settings, templates, timing, Error, Kodo, Result};

/// The maximum length of a maintenance window, in days. A longer one is
/// almost always a mistyped date.
const MAX_WINDOW_DAYS: i64 = 31;
/// How far ahead a window may be scheduled.
const MAX_DAYS_AHEAD: i64 = 366;

const TITLE: TextField = TextField {
    field: "title",
    label: "Title",
    max_chars: 200,
    lines: Lines::One,
    missing_fix: "name the maintenance in a few words",
};
const MESSAGE: TextField = TextField {
    field: "message",
    label: "Message",
    max_chars: 4000,
    lines: Lines::Many,
    missing_fix: "say what will happen and what subscribers may notice",
};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMaintenance {
    pub title: String,
    pub message: String,
    #[serde(default)]
    pub services: Vec<i64>,
    #[serde(deserialize_with = "rfc3339")]
    pub starts_at: DateTime<Utc>,
    #[serde(deserialize_with = "rfc3339")]
    pub ends_at: DateTime<Utc>,
}

/// Reads an RFC 3339 time, with an error that shows the form expected:
/// serde's own message for a time without an offset ("premature end of
/// input") does not say what to change.
fn rfc3339<'de, D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(deserializer)?;
    DateTime::parse_from_rfc3339(text.trim())
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| {
            serde::de::Error::custom(format!(
                "{text:?} is not an RFC 3339 time; write the date, the time and an offset, such as 2026-06-03T22:00:00Z"
            ))
        })
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Maintenance {
    pub id: i64,
    pub title: String,
    pub message: String,
    /// `scheduled`, `in_progress`, `completed` or `canceled`.
    pub status: String,
    pub services: Vec<ServiceRef>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct MaintenanceRow {
    id: i64,
    title: String,
    message: String,
    status: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    /// The edits that changed what subscribers were told, which the
    /// window's messages record.
    revision: i32,
}

const COLUMNS: &str = "id, title, message, status, starts_at, ends_at, created_at, revision";

/// A subscriber event of a maintenance window, and the template it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Scheduled,
    Updated,
    Started,
    Canceled,
}

impl Event {
    fn as_str(self) -> &'static str {
        match self {
            Event::Scheduled => "scheduled",
            Event::Updated => "updated",
            Event::Started => "started",
            Event::Canceled => "canceled",
        }
    }

    fn template(self) -> TemplateKind {
        match self {
            Event::Scheduled => TemplateKind::MaintenanceScheduled,
            Event::Updated => TemplateKind::MaintenanceUpdated,
            Event::Started => TemplateKind::MaintenanceStarted,
            Event::Canceled => TemplateKind::MaintenanceCanceled,
        }
    }

    /// Returns the `{{status}}` value of this event's texts.
    fn status_label(self) -> &'static str {
        match self {
            Event::Scheduled | Event::Updated => "Scheduled",
            Event::Started => "In progress",
            Event::Canceled => "Canceled",
        }
    }
}

/// The subscribers of a window that an event texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    /// Everyone in scope.
    All,
    /// Those already notified of the window: a message about it was sent or
    /// is being sent.
    Notified,
    /// Those in scope not yet notified.
    NotNotified,
}

impl Audience {
    fn as_str(self) -> &'static str {
        match self {
            Audience::All => "all",
            Audience::Notified => "notified",
            Audience::NotNotified => "not_notified",
        }
    }
}

/// The subscribers an event texts: the audience among those in scope,
/// narrowed to `only` when set, and without `except`.
#[derive(Debug, Clone)]
struct Recipients {
    audience: Audience,
    only: Option<Vec<i64>>,
    except: Vec<i64>,
}

impl Recipients {
    fn of(audience: Audience) -> Self {
        Recipients { audience, only: None, except: Vec::new() }
    }

    fn only(subscriber_ids: Vec<i64>) -> Self {
        Recipients { only: Some(subscriber_ids), ..Recipients::of(Audience::All) }
    }
}

/// Announces a maintenance window and notifies the subscribers it concerns.
pub async fn schedule(kodo: &Kodo, new: NewMaintenance) -> Result<Maintenance> {
    let new = validate(kodo, new).await?;
    let mut tx = kodo.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO maintenances (title, message, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(&new.title)
    .bind(&new.message)
    .bind(new.starts_at)
    .bind(new.ends_at)
    .fetch_one(&mut *tx)
    .await?;
    set_services(&mut tx, id, &new.services).await?;
    let queued = enqueue(kodo, &mut tx, id, Event::Scheduled, Recipients::of(Audience::All)).await?;
    tx.commit().await?;
    tracing::info!(maintenance.id = id, messages.queued = queued, "maintenance scheduled");
    get(&kodo.pool, id).await
}

/// Changes a window that has not ended.
///
/// When anything changes, texts not yet sent about the window are withdrawn.
/// Subscribers already notified of it get Maintenance Updated when its time
/// or title changed. While the window is still ahead, those in scope not yet
/// notified (including anyone whose text was withdrawn) get Maintenance
/// Scheduled with the new details.
pub async fn update(kodo: &Kodo, id: i64, new: NewMaintenance) -> Result<Maintenance> {
    let new = validate(kodo, new).await?;
    let mut tx = kodo.pool.begin().await?;
    lock_open(&mut tx, id).await?;
    let row = sqlx::query_as::<_, MaintenanceRow>(&format!("SELECT {COLUMNS} FROM maintenances WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let before = with_services(&mut *tx, row).await?;
    let before_services: Vec<i64> = before.services.iter().map(|service| service.id).collect();
    let retimed = before.title != new.title || before.starts_at != new.starts_at || before.ends_at != new.ends_at;
    if !retimed && before.message == new.message && before_services == new.services {
        tx.commit().await?;
        return Ok(before);
    }

    sqlx::query(
        "UPDATE maintenances SET title = $2, message = $3, starts_at = $4, ends_at = $5, \
           revision = revision + 1, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(&new.title)
    .bind(&new.message)
    .bind(new.starts_at)
    .bind(new.ends_at)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM maintenance_services WHERE maintenance_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    set_services(&mut tx, id, &new.services).await?;
    // A window in progress whose start moves into the future is scheduled
    // again, and starts (with its text) when that time comes.
    let status = if before.status == "in_progress" && new.starts_at > kodo.clock.now() {
        set_status(&mut tx, id, "scheduled").await?;
        "scheduled"
    } else {
        before.status.as_str()
    };

    // Each text withdrawn here is queued again with the new details, when
    // its event still applies, so no one misses a start or a move.
    let withdrawn = withdraw_unsent(&mut tx, id).await?;
    let restarted = if status == "in_progress" { withdrawn_for(&withdrawn, Event::Started) } else { Vec::new() };
    let mut queued = 0;
    if retimed {
        // A start text queued again names the new end itself.
        let recipients = Recipients { except: restarted.clone(), ..Recipients::of(Audience::Notified) };
        queued += enqueue(kodo, &mut tx, id, Event::Updated, recipients).await?;
    } else {
        let moved = withdrawn_for(&withdrawn, Event::Updated);
        queued += enqueue(kodo, &mut tx, id, Event::Updated, Recipients::only(moved)).await?;
    }
    if status == "scheduled" {
        queued += enqueue(kodo, &mut tx, id, Event::Scheduled, Recipients::of(Audience::NotNotified)).await?;
    } else {
        queued += enqueue(kodo, &mut tx, id, Event::Started, Recipients::only(restarted)).await?;
        // Subscribers the window now covers, such as those of an added
        // service, hear that it is under way.
        queued += enqueue(kodo, &mut tx, id, Event::Started, Recipients::of(Audience::NotNotified)).await?;
    }
    tx.commit().await?;
    tracing::info!(maintenance.id = id, messages.queued = queued, "maintenance updated");
    get(&kodo.pool, id).await
}

/// Cancels a window. Its unsent messages are withdrawn, and subscribers who
/// already received a message about it get a cancellation notice.
pub async fn cancel(kodo: &Kodo, id: i64) -> Result<Maintenance> {
    let mut tx = kodo.pool.begin().await?;
    lock_open(&mut tx, id).await?;
    set_status(&mut tx, id, "canceled").await?;
    withdraw_unsent(&mut tx, id).await?;
    let queued = enqueue(kodo, &mut tx, id, Event::Canceled, Recipients::of(Audience::Notified)).await?;
    tx.commit().await?;
    tracing::info!(maintenance.id = id, messages.queued = queued, "maintenance canceled");
    get(&kodo.pool, id).await
}

/// Marks a window completed, withdrawing any message not yet sent.
pub async fn complete(kodo: &Kodo, id: i64) -> Result<Maintenance> {
    let mut tx = kodo.pool.begin().await?;
    lock_open(&mut tx, id).await?;
    set_status(&mut tx, id, "completed").await?;
    withdraw_unsent(&mut tx, id).await?;
    tx.commit().await?;
    tracing::info!(maintenance.id = id, "maintenance completed");
    get(&kodo.pool, id).await
}

/// Starts every scheduled window whose start has come by `now` and notifies
/// its subscribers, and completes windows whose end has passed. A window
/// that ended before it was started is completed without a message.
/// Returns how many windows started.
///
/// The server runs this periodically; rows are locked with `SKIP LOCKED`,
/// so several servers may run it at once.
pub async fn run_due(kodo: &Kodo, now: DateTime<Utc>) -> Result<usize> {
    let mut tx = kodo.pool.begin().await?;
    let completed: Vec<i64> = sqlx::query_scalar(
        "UPDATE maintenances SET status = 'completed', updated_at = now() \
         WHERE status IN ('scheduled', 'in_progress') AND ends_at <= $1 RETURNING id",
    )
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    // A text still waiting (for quiet hours, say) about a window that has
    // ended would only mislead.
    for id in &completed {
        withdraw_unsent(&mut tx, *id).await?;
    }
    let started: Vec<i64> = sqlx::query_scalar(
        "UPDATE maintenances m SET status = 'in_progress', updated_at = now() \
         FROM (SELECT id FROM maintenances WHERE status = 'scheduled' AND starts_at <= $1 \
               FOR UPDATE SKIP LOCKED) due \
         WHERE m.id = due.id RETURNING m.id",
    )
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    for id in &started {
        // The start text names the window and its end, so it replaces an
        // announcement still waiting.
        withdraw_unsent(&mut tx, *id).await?;
        let queued = enqueue(kodo, &mut tx, *id, Event::Started, Recipients::of(Audience::All)).await?;
        tracing::info!(maintenance.id = id, messages.queued = queued, "maintenance started");
    }
    tx.commit().await?;
    Ok(started.len())
}

pub async fn get(pool: &PgPool, id: i64) -> Result<Maintenance> {
    let row = sqlx::query_as::<_, MaintenanceRow>(&format!("SELECT {COLUMNS} FROM maintenances WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| Error::not_found("maintenance"))?;
    with_services(pool, row).await
}

/// Lists maintenance windows, latest start first.
pub async fn list(pool: &PgPool) -> Result<Vec<Maintenance>> {
    let rows = sqlx::query_as::<_, MaintenanceRow>(&format!(
        "SELECT {COLUMNS} FROM maintenances ORDER BY starts_at DESC, id DESC LIMIT 200"
    ))
    .fetch_all(pool)
    .await?;
    let mut windows = Vec::with_capacity(rows.len());
    for row in rows {
        windows.push(with_services(pool, row).await?);
    }
    Ok(windows)
}

async fn with_services(executor: impl sqlx::PgExecutor<'_>, row: MaintenanceRow) -> Result<Maintenance> {
    let services = sqlx::query_as::<_, ServiceRef>(
        "SELECT s.id, s.name FROM services s JOIN maintenance_services x ON x.service_id = s.id \
         WHERE x.maintenance_id = $1 ORDER BY s.name",
    )
    .bind(row.id)
    .fetch_all(executor)
    .await?;
    Ok(Maintenance {
        id: row.id,
        title: row.title,
        message: row.message,
        status: row.status,
        services,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        created_at: row.created_at,
    })
}

async fn validate(kodo: &Kodo, mut new: NewMaintenance) -> Result<NewMaintenance> {
    new.title = TITLE.clean(&new.title)?;
    new.message = MESSAGE.clean(&new.message)?;
    if new.ends_at <= new.starts_at {
        return Err(Error::invalid("ends_at", "The end is not after the start; give an end later than the start."));
    }
    let now = kodo.clock.now();
    if new.ends_at <= now {
        return Err(Error::invalid("ends_at", "The end has already passed; give an end in the future."));
    }
    if new.ends_at - new.starts_at > Duration::days(MAX_WINDOW_DAYS) {
        return Err(Error::invalid(
            "ends_at",
            format!("The window is longer than {MAX_WINDOW_DAYS} days; check the dates, or split the work into several windows."),
        ));
    }
    if new.starts_at - now > Duration::days(MAX_DAYS_AHEAD) {
        return Err(Error::invalid(
            "starts_at",
            format!("The start is more than {MAX_DAYS_AHEAD} days away; check the year, or schedule it closer to the date."),
        ));
    }
    new.services.sort_unstable();
    new.services.dedup();
    services::ensure_exist(&kodo.pool, "services", &new.services).await?;
    Ok(new)
}

async fn set_services(tx: &mut Transaction<'_, Postgres>, id: i64, service_ids: &[i64]) -> Result<()> {
    sqlx::query("INSERT INTO maintenance_services (maintenance_id, service_id) SELECT $1, unnest($2::bigint[])")
        .bind(id)
        .bind(service_ids)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Locks a window that can still change, or fails with not found or a
/// conflict.
async fn lock_open(tx: &mut Transaction<'_, Postgres>, id: i64) -> Result<()> {
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM maintenances WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    match status.as_deref() {
        None => Err(Error::not_found("maintenance")),
        Some("scheduled" | "in_progress") => Ok(()),
        Some(status) => Err(Error::conflict(
            "status",
            format!("This maintenance is already {status}; schedule a new one instead."),
        )),
    }
}

async fn set_status(tx: &mut Transaction<'_, Postgres>, id: i64, status: &str) -> Result<()> {
    sqlx::query("UPDATE maintenances SET status = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(status)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Cancels the window's texts not yet sent and returns whom they were for,
/// with their events.
async fn withdraw_unsent(tx: &mut Transaction<'_, Postgres>, id: i64) -> Result<Vec<(i64, String)>> {
    let withdrawn = sqlx::query_as(
        "UPDATE messages SET status = 'canceled', updated_at = now() \
         WHERE maintenance_id = $1 AND status IN ('queued', 'held') AND channel IS NULL \
           AND subscriber_id IS NOT NULL \
         RETURNING subscriber_id, maintenance_event",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(withdrawn)
}

/// Returns the subscribers among `withdrawn` whose text was for `event`.
fn withdrawn_for(withdrawn: &[(i64, String)], event: Event) -> Vec<i64> {
    withdrawn
        .iter()
        .filter(|(_, withdrawn_event)| withdrawn_event == event.as_str())
        .map(|(subscriber_id, _)| *subscriber_id)
        .collect()
}

/// Queues one message per recipient of a maintenance event and returns how
/// many were queued.
///
/// Recipients are those `recipients` selects among active subscribers who
/// want maintenance news and whose scope covers all services or one of the
/// window's services. The times are written in each subscriber's time zone,
/// so there is one text per zone. Quiet hours hold these messages like any
/// non-critical notification.
async fn enqueue(
    kodo: &Kodo,
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    event: Event,
    recipients: Recipients,
) -> Result<u64> {
    if recipients.only.as_ref().is_some_and(Vec::is_empty) {
        return Ok(0);
    }
    let now = kodo.clock.now();
    db::share_subscriber_removal_lock(&mut **tx).await?;
    let row = sqlx::query_as::<_, MaintenanceRow>(&format!("SELECT {COLUMNS} FROM maintenances WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    let revision = row.revision;
    let maintenance = with_services(&mut **tx, row).await?;
    let service_ids: Vec<i64> = maintenance.services.iter().map(|service| service.id).collect();
    let service_names: Vec<&str> = maintenance.services.iter().map(|service| service.name.as_str()).collect();
    let timing = settings::message_timing(&mut **tx).await?;
    let template = templates::get(&kodo.pool, event.template()).await?;
    let values = Values::new()
        .with(Variable::Page, settings::page_name(&kodo.pool).await?)
        .with(Variable::Title, maintenance.title.clone())
        .with(Variable::Status, event.status_label())
        .with(Variable::Message, maintenance.message.clone())
        .with(Variable::Service, service_list(&service_names))
        .with(Variable::Url, kodo.public_url.clone());

    // Subscribers already notified hear of a move or cancellation even
    // when the window's services no longer cover them.
    const RECIPIENTS: &str = "s.status = 'active' AND s.maintenance \
         AND ($3 = 'notified' OR s.scope = 'all' OR s.service_ids && $2::bigint[]) \
         AND ($3 = 'all' OR ($3 = 'notified') = EXISTS (SELECT 1 FROM messages t \
              WHERE t.subscriber_id = s.id AND t.maintenance_id = $1 \
                AND t.status NOT IN ('canceled', 'failed', 'held') \
                AND NOT (t.status = 'queued' AND t.channel IS NULL))) \
         AND ($4::bigint[] IS NULL OR s.id = ANY($4)) AND NOT (s.id = ANY($5))";
    let zone_names: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT DISTINCT s.time_zone FROM subscribers s WHERE {RECIPIENTS}"
    ))
    .bind(id)
    .bind(&service_ids)
    .bind(recipients.audience.as_str())
    .bind(&recipients.only)
    .bind(&recipients.except)
    .fetch_all(&mut **tx)
    .await?;
    let mut bodies: BTreeMap<String, (String, DateTime<Utc>)> = BTreeMap::new();
    for name in zone_names {
        let zone = timing::stored_time_zone(&name);
        let mut zone_values = values.clone();
        zone_values.set(Variable::StartsAt, format_time(maintenance.starts_at, zone));
        zone_values.set(Variable::EndsAt, format_time(maintenance.ends_at, zone));
        let body = template.render_fitted(&zone_values, timing.replace_typographic);
        let due = timing.quiet_hours.map_or(now, |quiet| quiet.release_at(now, zone));
        bodies.insert(name, (body, due));
    }
    let zones: Vec<&String> = bodies.keys().collect();
    let texts: Vec<&str> = bodies.values().map(|(body, _)| body.as_str()).collect();
    let due: Vec<DateTime<Utc>> = bodies.values().map(|(_, due)| *due).collect();
    let segments: Vec<i32> = texts.iter().map(|text| segment_count(text)).collect();

    let queued = sqlx::query(&format!(
        "INSERT INTO messages (subscriber_id, to_phone, kind, maintenance_id, maintenance_event, \
           maintenance_revision, body, segments, status, next_attempt_at) \
         SELECT s.id, s.phone, 'maintenance', $1, $6, $11, z.body, z.segments, \
           CASE WHEN z.due > $10 THEN 'held' ELSE 'queued' END, z.due \
         FROM subscribers s \
         JOIN unnest($7::text[], $8::text[], $9::timestamptz[], $12::int[]) \
           AS z(time_zone, body, due, segments) \
           ON z.time_zone = s.time_zone \
         WHERE {RECIPIENTS} \
         ON CONFLICT DO NOTHING"
    ))
    .bind(id)
    .bind(&service_ids)
    .bind(recipients.audience.as_str())
    .bind(&recipients.only)
    .bind(&recipients.except)
    .bind(event.as_str())
    .bind(&zones)
    .bind(&texts)
    .bind(&due)
    .bind(now)
    .bind(revision)
    .bind(&segments)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if queued > 0 {
        db::notify_dispatchers(&mut **tx).await?;
    }
    Ok(queued)
}

/// Formats a time for a text, such as `Jun 3 22:00 EDT`.
fn format_time(time: DateTime<Utc>, zone: chrono_tz::Tz) -> String {
    time.with_timezone(&zone).format("%b %-d %H:%M %Z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_use_local_abbreviation() {
        let time: DateTime<Utc> = "2026-06-04T02:00:00Z".parse().unwrap();
        assert_eq!(format_time(time, chrono_tz::America::New_York), "Jun 3 22:00 EDT");
        assert_eq!(format_time(time, chrono_tz::Europe::Berlin), "Jun 4 04:00 CEST");
        assert_eq!(format_time(time, chrono_tz::UTC), "Jun 4 02:00 UTC");
    }
}
