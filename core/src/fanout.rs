//! The fan-out of incident events into messages.
//!
//! An event writes one narrow row per recipient to `fanout_recipients`, in
//! the event's own transaction, with one INSERT ... SELECT. Its first
//! recipients become messages in that transaction too, so a small page's
//! messages are queued by the time the event commits. The rest wait for a
//! dispatcher, which turns them into messages a batch at a time.
//!
//! Batches follow the order of the events, one dispatcher at a time, so a
//! newer update of an incident finds the messages of the older one and can
//! replace what is still unsent. A newer event of an incident whose older
//! event still has recipients waiting leaves all of its own to the
//! dispatchers for that reason.

use chrono::{DateTime, Duration, Utc};
use sqlx::{Postgres, Transaction};

use crate::{db, settings, timing, Kodo, Result};

/// Recipients an event turns into messages in its own transaction.
pub const INLINE_BATCH: i64 = 1_000;

/// Recipients a dispatcher turns into messages in one transaction.
pub const DISPATCH_BATCH: i64 = 5_000;

/// The advisory lock key held by the one dispatcher that is making messages
/// from waiting recipients.
const EXPANSION_LOCK: i64 = 0x6b6f_646f_0002;

/// The subscribers an incident event reaches: active, with a scope of all
/// services or one naming an affected service (`$2`), not critical-only
/// unless the incident is critical (`$3`), and, for a resolution (`$4`),
/// wanting resolutions.
const RECIPIENTS: &str = "s.status = 'active' \
     AND (s.scope = 'all' OR s.service_ids && $2::bigint[]) \
     AND (NOT s.critical_only OR $3) \
     AND (s.resolutions OR NOT $4)";

/// An incident event and the message it sends.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Event {
    pub update_id: i64,
    pub incident_id: i64,
    /// The rendered message, the same for every recipient.
    pub body: String,
    pub segments: i32,
    /// The services the incident affects.
    pub service_ids: Vec<i64>,
    pub critical: bool,
    pub resolves: bool,
}

/// The counts of one batch.
struct Batch {
    /// Recipients taken from the queue.
    recipients: u64,
    /// Messages queued for them.
    messages: u64,
}

/// Queues an event's recipients in the event's transaction and makes the
/// first `INLINE_BATCH` of them messages. Returns how many recipients the
/// event has.
pub(crate) async fn queue(kodo: &Kodo, tx: &mut Transaction<'_, Postgres>, event: &Event) -> Result<u64> {
    db::share_subscriber_removal_lock(&mut **tx).await?;
    if event.resolves {
        withdraw_unsent(tx, event.incident_id).await?;
    }
    // `$1` is unused here but bound so that RECIPIENTS keeps its parameter
    // numbers.
    let recipients = sqlx::query(&format!(
        "INSERT INTO fanout_recipients (update_id, subscriber_id) \
         SELECT $5, s.id FROM subscribers s WHERE {RECIPIENTS} AND $1::bigint IS NOT NULL"
    ))
    .bind(event.incident_id)
    .bind(&event.service_ids)
    .bind(event.critical)
    .bind(event.resolves)
    .bind(event.update_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if recipients == 0 {
        return Ok(0);
    }

    let older_waiting: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM fanout_events WHERE incident_id = $1)")
            .bind(event.incident_id)
            .fetch_one(&mut **tx)
            .await?;
    let expanded = if older_waiting {
        0
    } else {
        expand(kodo, tx, event, INLINE_BATCH).await?.recipients
    };
    if expanded < recipients {
        sqlx::query(
            "INSERT INTO fanout_events \
               (update_id, incident_id, body, segments, service_ids, critical, resolves) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(event.update_id)
        .bind(event.incident_id)
        .bind(&event.body)
        .bind(event.segments)
        .bind(&event.service_ids)
        .bind(event.critical)
        .bind(event.resolves)
        .execute(&mut **tx)
        .await?;
    }
    db::notify_dispatchers(&mut **tx).await?;
    Ok(recipients)
}

/// Turns up to `limit` waiting recipients of the oldest events into
/// messages. Returns how many recipients it took, which is 0 when none wait
/// or another dispatcher holds the expansion lock.
pub async fn expand_waiting(kodo: &Kodo, limit: i64) -> Result<u64> {
    // Every dispatcher pass runs this check and nearly always finds
    // nothing, so the check is one statement outside a transaction.
    let waiting: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM fanout_events)")
        .fetch_one(&kodo.pool)
        .await?;
    if !waiting {
        return Ok(0);
    }
    let mut tx = kodo.pool.begin().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(EXPANSION_LOCK)
        .fetch_one(&mut *tx)
        .await?;
    if !locked {
        return Ok(0);
    }
    db::share_subscriber_removal_lock(&mut *tx).await?;

    let mut expanded = 0;
    let mut queued = 0;
    while expanded < limit as u64 {
        let event: Option<Event> = sqlx::query_as(
            "SELECT update_id, incident_id, body, segments, service_ids, critical, resolves \
             FROM fanout_events ORDER BY update_id LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(event) = event else { break };
        let batch = expand(kodo, &mut tx, &event, limit - expanded as i64).await?;
        expanded += batch.recipients;
        queued += batch.messages;
        if expanded < limit as u64 {
            // The batch is short, so the event has no recipient left: only
            // the event's own transaction adds them.
            sqlx::query("DELETE FROM fanout_events WHERE update_id = $1")
                .bind(event.update_id)
                .execute(&mut *tx)
                .await?;
        }
    }

    if queued > 0 {
        db::notify_dispatchers(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(expanded)
}

/// Cancels every unsent message of an incident and drops the recipients
/// its older events still have waiting: a resolution makes them out of
/// date, also for subscribers who do not want resolutions.
///
/// The recipients go first: deleting them waits for a dispatcher that is
/// making messages from them, and the cancel then finds those messages.
async fn withdraw_unsent(tx: &mut Transaction<'_, Postgres>, incident_id: i64) -> Result<()> {
    sqlx::query(
        "DELETE FROM fanout_recipients \
         WHERE update_id IN (SELECT update_id FROM fanout_events WHERE incident_id = $1)",
    )
    .bind(incident_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM fanout_events WHERE incident_id = $1")
        .bind(incident_id)
        .execute(&mut **tx)
        .await?;
    let canceled = sqlx::query(
        "UPDATE messages SET status = 'canceled', updated_at = now() \
         WHERE incident_id = $1 AND kind = 'notification' \
           AND status IN ('queued', 'held') AND channel IS NULL",
    )
    .bind(incident_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if canceled > 0 {
        tracing::info!(incident.id = incident_id, messages.canceled = canceled, "unsent notifications replaced by the resolution");
    }
    Ok(())
}

/// Takes up to `limit` of an event's waiting recipients, in subscriber
/// order, and queues their messages.
async fn expand(kodo: &Kodo, tx: &mut Transaction<'_, Postgres>, event: &Event, limit: i64) -> Result<Batch> {
    // The table's statistics are usually older than its rows, and planned
    // from them the batch sorted all of an event's recipients, about 50 ms
    // per batch for 100,000. Reading the key in order takes 5 ms.
    sqlx::query("SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)")
        .execute(&mut **tx)
        .await?;
    let subscriber_ids: Vec<i64> = sqlx::query_scalar(
        "DELETE FROM fanout_recipients \
         WHERE update_id = $1 AND subscriber_id <= COALESCE( \
           (SELECT subscriber_id FROM fanout_recipients WHERE update_id = $1 \
            ORDER BY subscriber_id OFFSET $2 - 1 LIMIT 1), \
           9223372036854775807) \
         RETURNING subscriber_id",
    )
    .bind(event.update_id)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    sqlx::query("SELECT set_config('enable_bitmapscan', 'on', true), set_config('enable_seqscan', 'on', true)")
        .execute(&mut **tx)
        .await?;
    if subscriber_ids.is_empty() {
        return Ok(Batch { recipients: 0, messages: 0 });
    }
    let messages = queue_messages(kodo, tx, event, &subscriber_ids).await?;
    Ok(Batch {
        recipients: subscriber_ids.len() as u64,
        messages,
    })
}

/// Queues the event's message for each of `subscriber_ids` that it still
/// reaches, set-based, and returns how many were queued.
///
/// A subscriber has at most one unsent notification per incident, which
/// the `messages_pending_per_incident` index enforces. An unsent one is
/// canceled and the new message, with the latest status and text, takes
/// its place and its send time.
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
/// `timed` is materialized so that its CASE runs once per subscriber.
async fn queue_messages(
    kodo: &Kodo,
    tx: &mut Transaction<'_, Postgres>,
    event: &Event,
    subscriber_ids: &[i64],
) -> Result<u64> {
    let now = kodo.clock.now();
    let timing = settings::message_timing(&mut **tx).await?;

    let replaced: Vec<(i64, String, DateTime<Utc>)> = sqlx::query_as(
        "UPDATE messages m SET status = 'canceled', updated_at = now() \
         FROM (SELECT id, status FROM messages \
               WHERE subscriber_id = ANY($2) AND incident_id = $1 AND kind = 'notification' \
                 AND status IN ('queued', 'held') AND channel IS NULL \
               FOR UPDATE) unsent \
         WHERE m.id = unsent.id \
         RETURNING m.subscriber_id, unsent.status, m.next_attempt_at",
    )
    .bind(event.incident_id)
    .bind(subscriber_ids)
    .fetch_all(&mut **tx)
    .await?;

    let hold_until = now + Duration::seconds(i64::from(timing.hold_seconds));
    let mut zones: Vec<String> = Vec::new();
    let mut zone_due_now: Vec<DateTime<Utc>> = Vec::new();
    let mut zone_due_after_hold: Vec<DateTime<Utc>> = Vec::new();
    if let (Some(quiet_hours), false) = (timing.quiet_hours, event.critical) {
        zones = sqlx::query_scalar(
            "SELECT DISTINCT time_zone FROM subscribers WHERE id = ANY($1)",
        )
        .bind(subscriber_ids)
        .fetch_all(&mut **tx)
        .await?;
        for zone in &zones {
            let zone = timing::stored_time_zone(zone);
            zone_due_now.push(quiet_hours.release_at(now, zone));
            zone_due_after_hold.push(quiet_hours.release_at(hold_until, zone));
        }
    }
    let mut replaced_ids = Vec::with_capacity(replaced.len());
    let mut replaced_statuses = Vec::with_capacity(replaced.len());
    let mut replaced_due = Vec::with_capacity(replaced.len());
    for (id, status, due) in replaced {
        replaced_ids.push(id);
        replaced_statuses.push(status);
        replaced_due.push(due);
    }

    let queued = sqlx::query(&format!(
        "WITH zones AS ( \
           SELECT * FROM unnest($8::text[], $9::timestamptz[], $10::timestamptz[]) \
             AS z(time_zone, due_now, due_after_hold)), \
         replaced AS ( \
           SELECT * FROM unnest($11::bigint[], $12::text[], $13::timestamptz[]) \
             AS r(subscriber_id, status, due)), \
         notified AS MATERIALIZED ( \
           SELECT DISTINCT m.subscriber_id FROM messages m \
           WHERE m.subscriber_id = ANY($16) \
             AND m.update_id IN (SELECT u.id FROM incident_updates u WHERE u.incident_id = $1) \
             AND m.kind = 'notification' AND m.status <> 'canceled'), \
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
           WHERE s.id = ANY($16) AND {RECIPIENTS}) \
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
    .bind(event.incident_id)
    .bind(&event.service_ids)
    .bind(event.critical)
    .bind(event.resolves)
    .bind(event.update_id)
    .bind(&event.body)
    .bind(now)
    .bind(&zones)
    .bind(&zone_due_now)
    .bind(&zone_due_after_hold)
    .bind(&replaced_ids)
    .bind(&replaced_statuses)
    .bind(&replaced_due)
    .bind(hold_until)
    .bind(event.segments)
    .bind(subscriber_ids)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if !replaced_ids.is_empty() {
        tracing::info!(
            incident.id = event.incident_id,
            messages.replaced = replaced_ids.len(),
            "unsent notifications replaced by a newer update"
        );
    }
    Ok(queued)
}
