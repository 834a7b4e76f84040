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

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

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

/// Lists messages, newest first.
pub async fn list(pool: &PgPool, filter: &Filter) -> Result<Vec<Message>> {
    let messages = sqlx::query_as::<_, Message>(
        "SELECT id, to_phone, kind, body, status, channel, twilio_sid, error_code, \
           error_message, incident_id, attempts, next_attempt_at, created_at, sent_at \
         FROM messages \
         WHERE ($1::text IS NULL OR to_phone = $1) AND ($2::bigint IS NULL OR incident_id = $2) \
         ORDER BY id DESC LIMIT $3",
    )
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
}

/// Claims up to `limit` due messages, most urgent kind first.
///
/// `FOR UPDATE SKIP LOCKED` lets several dispatchers claim at once without
/// waiting on each other or taking the same row; the claim is committed
/// before any request goes out, so each message is sent by one of them.
pub async fn claim_due(pool: &PgPool, limit: i64) -> Result<Vec<Claimed>> {
    let claimed = sqlx::query_as::<_, Claimed>(
        "UPDATE messages m SET status = 'sending', attempts = m.attempts + 1, updated_at = now() \
         FROM (SELECT id FROM messages \
               WHERE status IN ('queued', 'held') AND channel IS NULL AND next_attempt_at <= now() \
               ORDER BY CASE kind WHEN 'verification' THEN 0 WHEN 'help' THEN 0 \
                                  WHEN 'confirmation' THEN 1 ELSE 2 END, id \
               LIMIT $1 FOR UPDATE SKIP LOCKED) due \
         WHERE m.id = due.id \
         RETURNING m.id, m.to_phone, m.body, m.kind, m.subscriber_id, m.attempts",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(claimed)
}

/// Records a successful send with the status Twilio returned. Once Twilio
/// has the text, the code in a verification message is masked, so only the
/// outbox ever shows it.
pub async fn mark_sent(
    pool: &PgPool,
    id: i64,
    channel: &str,
    twilio_sid: Option<&str>,
    status: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE messages SET status = CASE WHEN message_status_rank($4) >= 0 THEN $4 ELSE 'sent' END, \
           channel = $2, twilio_sid = $3, sent_at = now(), updated_at = now(), \
           error_code = NULL, error_message = NULL, \
           body = CASE WHEN kind = 'verification' AND $2 = 'twilio' \
                       THEN regexp_replace(body, '\\m[0-9]{6}\\M', '******', 'g') ELSE body END \
         WHERE id = $1",
    )
    .bind(id)
    .bind(channel)
    .bind(twilio_sid)
    .bind(status)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a send that failed for good, keeping Twilio's error.
pub async fn mark_failed(
    pool: &PgPool,
    id: i64,
    error_code: Option<i32>,
    error_message: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE messages SET status = 'failed', error_code = $2, error_message = $3, \
           updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(error_code)
    .bind(error_message)
    .execute(pool)
    .await?;
    Ok(())
}

/// Puts a message back in the queue to be tried again after `delay_ms`.
pub async fn retry_later(
    pool: &PgPool,
    id: i64,
    delay_ms: i64,
    error_code: Option<i32>,
    error_message: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE messages SET status = 'queued', error_code = $3, error_message = $4, \
           next_attempt_at = now() + make_interval(secs => $2::double precision / 1000), \
           updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(delay_ms)
    .bind(error_code)
    .bind(error_message)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a status Twilio reported. A status never moves backwards, so
/// late, repeated and out-of-order callbacks are harmless. Returns whether
/// the message changed.
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
    let done = sqlx::query(
        "UPDATE messages SET status = $2, error_code = COALESCE($3, error_code), updated_at = now() \
         WHERE twilio_sid = $1 AND message_status_rank(status) < message_status_rank($2)",
    )
    .bind(twilio_sid)
    .bind(status)
    .bind(error_code)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}
