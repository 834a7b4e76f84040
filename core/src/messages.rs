//! The outgoing message queue, which is also the message log.
//!
//! A message is `queued` with no channel while it waits in Kodo's queue,
//! and `sending` once a dispatcher has claimed it. Once Twilio accepts it, it
//! takes the status Twilio returns (usually `queued`, now with channel
//! `twilio`) and then those Twilio reports: `sent`, `delivered`,
//! `undelivered` or `failed`. The development outbox marks its messages
//! `sent`. A message withdrawn before sending is `canceled`, as is one
//! replaced by a newer update of its incident. A message waiting for a hold
//! window or quiet hours to end is `held` until its `next_attempt_at`.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::rate_limit::{sending_rate, Bucket};
use crate::Result;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
pub struct Message {
    pub id: i64,
    #[sqlx(rename = "to_phone")]
    pub to: String,
    pub kind: String,
    pub body: String,
    pub status: String,
    /// `twilio` or `outbox` once sent.
    pub channel: Option<String>,
    pub twilio_sid: Option<String>,
    pub error_code: Option<i32>,
    pub error_message: Option<String>,
    pub incident_id: Option<i64>,
    pub attempts: i32,
    /// When an unsent message is due: the end of a hold window or quiet
    /// hours for a `held` message, or the next try after a failed send.
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub phone: Option<String>,
    pub incident: Option<i64>,
    pub limit: Option<i64>,
}

/// Returns the SMS segments `body` is sent as, which the rate limit counts.
pub fn segment_count(body: &str) -> i32 {
    i32::try_from(kodo_domain::segments::count(body).segments).unwrap_or(i32::MAX)
}

/// Lists messages, newest first.
///
/// With a phone filter, notifications are found through the number's
/// subscriber, because the index on `to_phone` leaves them out to keep
/// fan-outs fast. So notifications to a removed subscriber are not listed
/// by number.
pub async fn list(pool: &PgPool, filter: &Filter) -> Result<Vec<Message>> {
    let by_phone = if filter.phone.is_some() {
        "id IN (SELECT id FROM messages WHERE to_phone = $1 AND kind <> 'notification' \
                UNION ALL \
                SELECT m.id FROM messages m JOIN subscribers s ON s.id = m.subscriber_id \
                WHERE s.phone = $1 AND m.kind = 'notification' AND m.update_id IS NOT NULL)"
    } else {
        "$1::text IS NULL"
    };
    let messages = sqlx::query_as::<_, Message>(&format!(
        "SELECT id, to_phone, kind, body, status, channel, twilio_sid, error_code, \
           error_message, incident_id, attempts, next_attempt_at, created_at, sent_at \
         FROM messages \
         WHERE {by_phone} AND ($2::bigint IS NULL OR incident_id = $2) \
         ORDER BY id DESC LIMIT $3"
    ))
    .bind(&filter.phone)
    .bind(filter.incident)
    .bind(filter.limit.unwrap_or(500).clamp(1, 5000))
    .fetch_all(pool)
    .await?;
    Ok(messages)
}

/// A message a dispatcher has claimed and must now send.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub to_phone: String,
    pub body: String,
    pub kind: String,
    pub subscriber_id: Option<i64>,
    /// Send attempts so far, this one included.
    pub attempts: i32,
    /// SMS segments the body is sent as.
    pub segments: i32,
}

const CLAIMED_COLUMNS: &str = "m.id, m.to_phone, m.body, m.kind, m.subscriber_id, m.attempts, m.segments";

/// Orders due messages: verification codes and keyword replies first, then
/// confirmations and welcomes, then incident notifications. The index
/// `messages_due_priority` repeats this expression, so change both together.
const PRIORITY_ORDER: &str = "CASE kind WHEN 'verification' THEN 0 WHEN 'help' THEN 0 \
                                   WHEN 'confirmation' THEN 1 ELSE 2 END, id";

/// Selects messages that wait in Kodo's queue and are due now: queued, or
/// held for a hold window or quiet hours that has ended, and not held for a
/// blocked country.
const DUE: &str = "status IN ('queued', 'held') AND channel IS NULL AND held_region IS NULL \
                   AND next_attempt_at <= now()";

/// The status a claimed message returns to when it goes back in the queue:
/// `queued`, or `canceled` when a newer update of its incident was queued
/// for the subscriber meanwhile. That newer message replaces it, as it
/// replaces any unsent one, and the `messages_pending_per_incident` index
/// allows only one of them.
const BACK_IN_QUEUE: &str = "CASE WHEN kind = 'notification' AND incident_id IS NOT NULL AND EXISTS ( \
       SELECT 1 FROM messages newer WHERE newer.id <> messages.id \
         AND newer.subscriber_id = messages.subscriber_id AND newer.incident_id = messages.incident_id \
         AND newer.kind = 'notification' AND newer.status IN ('queued', 'held') \
         AND newer.channel IS NULL) \
     THEN 'canceled' ELSE 'queued' END";

/// Claims up to `limit` due messages, most urgent kind first, with no rate
/// limit (the development outbox sends this way).
///
/// `FOR UPDATE SKIP LOCKED` lets several dispatchers claim at once without
/// waiting on each other or taking the same row. The claim is committed
/// before any request goes out, so each message is sent by one of them.
pub async fn claim_due(pool: &PgPool, limit: i64) -> Result<Vec<Claimed>> {
    let claimed = sqlx::query_as::<_, Claimed>(&format!(
        "UPDATE messages m SET status = 'sending', attempts = m.attempts + 1, \
           claimed_at = now(), updated_at = now() \
         FROM (SELECT id FROM messages WHERE {DUE} ORDER BY {PRIORITY_ORDER} \
               LIMIT $1 FOR UPDATE SKIP LOCKED) due \
         WHERE m.id = due.id \
         RETURNING {CLAIMED_COLUMNS}"
    ))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(claimed)
}

/// Messages claimed under a rate limit, and how long until the bucket pays
/// for the next due message when it could not pay for all of them.
#[derive(Debug)]
pub struct RateLimitedClaim {
    pub messages: Vec<Claimed>,
    pub wait: Option<std::time::Duration>,
    /// The sender's bucket after the claim.
    pub bucket: Bucket,
}

/// Claims up to `limit` due messages, most urgent kind first, that
/// `sender`'s token bucket pays for at `rate` segments per second (less
/// the margin of [`sending_rate`]).
///
/// The bucket row is locked for the whole claim, so dispatchers in every
/// process take turns on one sender and together keep to its rate. The
/// time comes from the database (`clock_timestamp()`) unless `now` is
/// given, which tests use to step a clock of their own.
pub async fn claim_within_rate(
    pool: &PgPool,
    sender: &str,
    rate: f64,
    limit: i64,
    now: Option<DateTime<Utc>>,
) -> Result<RateLimitedClaim> {
    let mut tx = pool.begin().await?;
    let database_now: DateTime<Utc> = sqlx::query_scalar("SELECT clock_timestamp()")
        .fetch_one(&mut *tx)
        .await?;
    // PostgreSQL keeps microseconds, so a finer clock is cut to match and
    // the stored bucket reads back exactly.
    let now = now.unwrap_or(database_now).trunc_subsecs(6);
    let rate = sending_rate(rate);
    let initial = Bucket::full(rate, now);
    sqlx::query(
        "INSERT INTO send_rate_buckets (sender, tokens, refilled_at) VALUES ($1, $2, $3) \
         ON CONFLICT (sender) DO NOTHING",
    )
    .bind(sender)
    .bind(initial.tokens)
    .bind(initial.refilled_at)
    .execute(&mut *tx)
    .await?;
    let (tokens, refilled_at): (f64, DateTime<Utc>) = sqlx::query_as(
        "SELECT tokens, refilled_at FROM send_rate_buckets WHERE sender = $1 FOR UPDATE",
    )
    .bind(sender)
    .fetch_one(&mut *tx)
    .await?;
    let bucket = Bucket { tokens, refilled_at }.refill(rate, now);

    let due: Vec<(i64, i32)> = sqlx::query_as(&format!(
        "SELECT id, segments FROM messages WHERE {DUE} ORDER BY {PRIORITY_ORDER} LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let costs = due.iter().map(|(_, segments)| (*segments).max(1) as u32);
    let affordable = bucket.affordable(rate, costs);
    let ids: Vec<i64> = due[..affordable].iter().map(|(id, _)| *id).collect();

    // The status is checked again, so a message that was canceled or
    // claimed by an outbox dispatcher since the SELECT is left alone.
    let messages = sqlx::query_as::<_, Claimed>(&format!(
        "UPDATE messages m SET status = 'sending', attempts = m.attempts + 1, \
           claimed_at = now(), updated_at = now() \
         WHERE m.id = ANY($1) AND m.status IN ('queued', 'held') AND m.channel IS NULL \
         RETURNING {CLAIMED_COLUMNS}"
    ))
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    let spent: u32 = messages.iter().map(|message| message.segments.max(1) as u32).sum();
    let bucket = bucket.spend(spent);
    sqlx::query("UPDATE send_rate_buckets SET tokens = $2, refilled_at = $3 WHERE sender = $1")
        .bind(sender)
        .bind(bucket.tokens)
        .bind(bucket.refilled_at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;

    let wait = due
        .get(affordable)
        .map(|(_, segments)| bucket.wait_for(rate, (*segments).max(1) as u32));
    Ok(RateLimitedClaim { messages, wait, bucket })
}

/// Returns a sender's stored token bucket, if it has sent anything.
pub async fn rate_bucket(pool: &PgPool, sender: &str) -> Result<Option<Bucket>> {
    let row: Option<(f64, DateTime<Utc>)> =
        sqlx::query_as("SELECT tokens, refilled_at FROM send_rate_buckets WHERE sender = $1")
            .bind(sender)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(tokens, refilled_at)| Bucket { tokens, refilled_at }))
}

/// Puts a claimed message back in the queue without counting the attempt,
/// because it was never sent (its sender is paused).
pub async fn release(pool: &PgPool, id: i64) -> Result<()> {
    sqlx::query(&format!(
        "UPDATE messages SET status = {BACK_IN_QUEUE}, attempts = GREATEST(attempts - 1, 0), \
           claimed_at = NULL, updated_at = now() \
         WHERE id = $1 AND status = 'sending'"
    ))
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Holds a claimed message in the queue until sending to `region` is
/// resumed. The attempt is not counted.
pub async fn hold(pool: &PgPool, id: i64, region: &str, error_code: Option<i32>, error_message: &str) -> Result<()> {
    sqlx::query(&format!(
        "UPDATE messages SET status = {BACK_IN_QUEUE}, attempts = GREATEST(attempts - 1, 0), \
           claimed_at = NULL, held_region = $2, error_code = $3, error_message = $4, updated_at = now() \
         WHERE id = $1 AND status = 'sending'"
    ))
    .bind(id)
    .bind(region)
    .bind(error_code)
    .bind(error_message)
    .execute(pool)
    .await?;
    Ok(())
}

/// A message left in `sending` past its lease: its dispatcher stopped, or
/// its request timed out, so Twilio may or may not have it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Unconfirmed {
    pub id: i64,
    pub to_phone: String,
    pub body: String,
    pub attempts: i32,
    /// When the send that may have reached Twilio started.
    pub claimed_at: DateTime<Utc>,
    pub error_message: Option<String>,
}

/// Takes up to `limit` messages whose `sending` lease ran out, renewing the
/// lease so that no other dispatcher checks them at the same time.
pub async fn claim_unconfirmed(pool: &PgPool, lease: std::time::Duration, limit: i64) -> Result<Vec<Unconfirmed>> {
    let rows = sqlx::query_as::<_, Unconfirmed>(
        "WITH stale AS ( \
           SELECT id, claimed_at FROM messages \
           WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => $1) \
           ORDER BY claimed_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
         UPDATE messages m SET claimed_at = now(), updated_at = now() FROM stale \
         WHERE m.id = stale.id \
         RETURNING m.id, m.to_phone, m.body, m.attempts, stale.claimed_at, m.error_message",
    )
    .bind(lease.as_secs_f64())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Leaves a message whose outcome is unknown in `sending`, to be checked
/// against Twilio once `check_in` has passed (its lease is back-dated).
pub async fn mark_unconfirmed(
    pool: &PgPool,
    id: i64,
    lease: std::time::Duration,
    check_in_ms: i64,
    error_message: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE messages SET error_code = NULL, error_message = $4, updated_at = now(), \
           claimed_at = now() - make_interval(secs => $2) + make_interval(secs => $3::double precision / 1000) \
         WHERE id = $1 AND status = 'sending'",
    )
    .bind(id)
    .bind(lease.as_secs_f64())
    .bind(check_in_ms)
    .bind(error_message)
    .execute(pool)
    .await?;
    Ok(())
}

/// Puts a message that Twilio does not have back in the queue, due now.
pub async fn requeue_unconfirmed(pool: &PgPool, id: i64) -> Result<()> {
    sqlx::query(&format!(
        "UPDATE messages SET status = {BACK_IN_QUEUE}, claimed_at = NULL, next_attempt_at = now(), \
           updated_at = now() WHERE id = $1 AND status = 'sending'"
    ))
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Returns which of `sids` are already recorded on a message.
pub async fn known_sids(pool: &PgPool, sids: &[String]) -> Result<Vec<String>> {
    let known = sqlx::query_scalar("SELECT twilio_sid FROM messages WHERE twilio_sid = ANY($1)")
        .bind(sids)
        .fetch_all(pool)
        .await?;
    Ok(known)
}

/// A send that Twilio (or the development outbox) accepted.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub id: i64,
    pub twilio_sid: Option<String>,
    /// The status Twilio returned, such as `queued`.
    pub status: String,
}

/// Records a successful send with the status Twilio returned. Once Twilio
/// has the text, the code in a verification message is masked, so only the
/// outbox ever shows it. A status callback that arrived before this call is
/// applied now.
pub async fn mark_sent(
    pool: &PgPool,
    id: i64,
    channel: &str,
    twilio_sid: Option<&str>,
    status: &str,
) -> Result<()> {
    let accepted = Accepted {
        id,
        twilio_sid: twilio_sid.map(str::to_owned),
        status: status.to_owned(),
    };
    mark_sent_batch(pool, channel, &[accepted]).await
}

/// Records many successful sends through `channel` in one transaction, as
/// [`mark_sent`] does for one.
///
/// A status callback that arrives while this transaction is open may miss
/// it and be stored as early; [`apply_early_callbacks`] applies those later.
pub async fn mark_sent_batch(pool: &PgPool, channel: &str, accepted: &[Accepted]) -> Result<()> {
    if accepted.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = accepted.iter().map(|sent| sent.id).collect();
    let sids: Vec<Option<&str>> = accepted.iter().map(|sent| sent.twilio_sid.as_deref()).collect();
    let statuses: Vec<&str> = accepted.iter().map(|sent| sent.status.as_str()).collect();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE messages m SET \
           status = CASE WHEN message_status_rank(a.status) >= 0 THEN a.status ELSE 'sent' END, \
           channel = $1, twilio_sid = a.sid, sent_at = now(), updated_at = now(), \
           error_code = NULL, error_message = NULL, \
           body = CASE WHEN m.kind = 'verification' AND $1 = 'twilio' \
                       THEN regexp_replace(m.body, '\\m[0-9]{6}\\M', '******', 'g') ELSE m.body END \
         FROM unnest($2::bigint[], $3::text[], $4::text[]) AS a(id, sid, status) \
         WHERE m.id = a.id",
    )
    .bind(channel)
    .bind(&ids)
    .bind(&sids)
    .bind(&statuses)
    .execute(&mut *tx)
    .await?;
    if channel == "twilio" {
        apply_early_callbacks(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Applies and removes the stored early status callbacks whose SID is now
/// recorded on a message, in one statement. Returns how many messages
/// changed.
pub async fn apply_early_callbacks(executor: impl sqlx::PgExecutor<'_>) -> Result<u64> {
    let applied = sqlx::query(
        "WITH early AS ( \
           DELETE FROM early_status_callbacks e USING messages m WHERE m.twilio_sid = e.twilio_sid \
           RETURNING e.twilio_sid, e.status, e.error_code) \
         UPDATE messages m SET status = early.status, \
           error_code = COALESCE(early.error_code, m.error_code), updated_at = now() \
         FROM early WHERE m.twilio_sid = early.twilio_sid \
           AND message_status_rank(m.status) < message_status_rank(early.status)",
    )
    .execute(executor)
    .await?;
    Ok(applied.rows_affected())
}

/// Serializes [`record_status`] calls on one SID (a transaction-scoped
/// advisory lock), so two callbacks for one SID run one after the other.
async fn lock_sid(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>, sid: &str) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('twilio_sid:' || $1))")
        .bind(sid)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn apply_status(
    executor: impl sqlx::PgExecutor<'_>,
    twilio_sid: &str,
    status: &str,
    error_code: Option<i32>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE messages SET status = $2, error_code = COALESCE($3, error_code), updated_at = now() \
         WHERE twilio_sid = $1 AND message_status_rank(status) < message_status_rank($2)",
    )
    .bind(twilio_sid)
    .bind(status)
    .bind(error_code)
    .execute(executor)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A send that failed, with Twilio's error.
#[derive(Debug, Clone)]
pub struct SendFailure {
    pub id: i64,
    pub error_code: Option<i32>,
    pub error_message: String,
    /// When to try again, in milliseconds from now; `None` when the
    /// failure is final.
    pub retry_in_ms: Option<i64>,
}

/// Records many failed sends in one statement. A final failure becomes
/// `failed`; another goes back in the queue, due after its `retry_in_ms`.
/// Both keep Twilio's error.
pub async fn record_failures(pool: &PgPool, failures: &[SendFailure]) -> Result<()> {
    if failures.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = failures.iter().map(|failure| failure.id).collect();
    let codes: Vec<Option<i32>> = failures.iter().map(|failure| failure.error_code).collect();
    let texts: Vec<&str> = failures.iter().map(|failure| failure.error_message.as_str()).collect();
    let delays: Vec<Option<i64>> = failures.iter().map(|failure| failure.retry_in_ms).collect();
    sqlx::query(&format!(
        "UPDATE messages SET \
           status = CASE WHEN f.retry_in_ms IS NULL THEN 'failed' ELSE {BACK_IN_QUEUE} END, \
           error_code = f.code, error_message = f.text, \
           next_attempt_at = CASE WHEN f.retry_in_ms IS NULL THEN next_attempt_at \
             ELSE now() + make_interval(secs => f.retry_in_ms::double precision / 1000) END, \
           updated_at = now() \
         FROM unnest($1::bigint[], $2::int[], $3::text[], $4::bigint[]) AS f(id, code, text, retry_in_ms) \
         WHERE messages.id = f.id"
    ))
    .bind(&ids)
    .bind(&codes)
    .bind(&texts)
    .bind(&delays)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a status Twilio reported. A status never moves backwards, so
/// late, repeated and out-of-order callbacks are harmless. A callback for a
/// SID no message has yet is kept until the dispatcher stores that SID.
/// Returns whether a message changed.
pub async fn record_status(
    pool: &PgPool,
    twilio_sid: &str,
    status: &str,
    error_code: Option<i32>,
) -> Result<bool> {
    let status = match status {
        "accepted" | "scheduled" => "queued",
        "read" => "delivered",
        other => other,
    };
    let mut tx = pool.begin().await?;
    lock_sid(&mut tx, twilio_sid).await?;
    let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM messages WHERE twilio_sid = $1)")
        .bind(twilio_sid)
        .fetch_one(&mut *tx)
        .await?;
    let changed = if known {
        apply_status(&mut *tx, twilio_sid, status, error_code).await?
    } else {
        sqlx::query(
            "INSERT INTO early_status_callbacks (twilio_sid, status, error_code) VALUES ($1, $2, $3) \
             ON CONFLICT (twilio_sid) DO UPDATE SET status = EXCLUDED.status, \
               error_code = COALESCE(EXCLUDED.error_code, early_status_callbacks.error_code) \
             WHERE message_status_rank(early_status_callbacks.status) < message_status_rank(EXCLUDED.status)",
        )
        .bind(twilio_sid)
        .bind(status)
        .bind(error_code)
        .execute(&mut *tx)
        .await?;
        false
    };
    tx.commit().await?;
    Ok(changed)
}
