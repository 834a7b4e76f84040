//! Problems that stop sending until an admin acts, and the dispatch
//! settings every dispatcher reads before a batch.
//!
//! A paused sender (Twilio rejected the account or the sending number)
//! keeps its messages queued. A blocked region (Twilio's geo permissions
//! reject the destination country) holds the messages to that country.
//! Saving the SMS settings or [`resume`] clears both and sends what waited.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::{db, Result};

/// The rate and retry limit dispatchers apply.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// SMS segments per second, per sender.
    pub segments_per_second: f64,
    /// Send attempts before a message fails for good.
    pub max_attempts: i32,
}

pub async fn limits(pool: &PgPool) -> Result<Limits> {
    let (segments_per_second, max_attempts): (f64, i32) =
        sqlx::query_as("SELECT segments_per_second, max_attempts FROM settings")
            .fetch_one(pool)
            .await?;
    Ok(Limits {
        segments_per_second,
        max_attempts,
    })
}

/// A sender Twilio rejected for the whole account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
pub struct SenderPause {
    pub sender: String,
    pub error_code: Option<i32>,
    /// Twilio's error message.
    pub reason: String,
    /// The change the admin must make before resuming.
    pub fix: String,
    pub paused_at: DateTime<Utc>,
}

/// A destination region that Twilio's geo permissions block.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
pub struct BlockedRegion {
    /// ISO 3166-1 alpha-2, such as `GB`.
    pub region: String,
    pub calling_code: i32,
    pub error_message: String,
    /// Messages waiting for the region to be enabled.
    pub held_messages: i64,
    /// The change the admin must make before resuming.
    pub fix: String,
    pub blocked_at: DateTime<Utc>,
}

/// Message counts by dispatch state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
pub struct QueueCounts {
    /// Messages waiting in Kodo's queue for a dispatcher, with the
    /// recipients of incident events that have no message yet.
    pub queued: i64,
    /// Messages in status `held`, waiting for a hold window or quiet hours to end.
    pub held: i64,
    /// Messages waiting for a blocked region to be enabled, whatever their status.
    pub region_blocked: i64,
    /// Claimed by a dispatcher, not yet accepted by Twilio.
    pub sending: i64,
}

/// The body of `GET /api/v1/dispatch/status`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DispatchStatus {
    pub paused_senders: Vec<SenderPause>,
    pub blocked_regions: Vec<BlockedRegion>,
    pub queue: QueueCounts,
    pub segments_per_second: f64,
    pub max_attempts: i32,
}

/// Returns the pause of `sender`, if it is paused.
pub async fn sender_pause(pool: &PgPool, sender: &str) -> Result<Option<SenderPause>> {
    let pause = sqlx::query_as::<_, SenderPause>(
        "SELECT sender, error_code, reason, fix, paused_at FROM sender_pauses WHERE sender = $1",
    )
    .bind(sender)
    .fetch_optional(pool)
    .await?;
    Ok(pause)
}

/// Pauses `sender`. A sender already paused keeps its first reason.
pub async fn pause_sender(pool: &PgPool, sender: &str, error_code: Option<i32>, reason: &str, fix: &str) -> Result<()> {
    let inserted = sqlx::query(
        "INSERT INTO sender_pauses (sender, error_code, reason, fix) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (sender) DO NOTHING",
    )
    .bind(sender)
    .bind(error_code)
    .bind(reason)
    .bind(fix)
    .execute(pool)
    .await?
    .rows_affected();
    if inserted > 0 {
        tracing::error!(sender, error.code = error_code, reason, "sending paused until the settings are fixed");
    }
    Ok(())
}

/// Records that Twilio blocks `region`, so its messages wait.
pub async fn block_region(pool: &PgPool, region: &str, calling_code: u16, error_message: &str) -> Result<()> {
    let inserted = sqlx::query(
        "INSERT INTO blocked_regions (region, calling_code, error_message) VALUES ($1, $2, $3) \
         ON CONFLICT (region) DO NOTHING",
    )
    .bind(region)
    .bind(i32::from(calling_code))
    .bind(error_message)
    .execute(pool)
    .await?
    .rows_affected();
    if inserted > 0 {
        tracing::error!(region, calling_code, "Twilio's geo permissions block this country, so its messages wait");
    }
    Ok(())
}

/// Returns the regions Twilio blocks.
pub async fn blocked_region_codes(pool: &PgPool) -> Result<Vec<String>> {
    let regions = sqlx::query_scalar("SELECT region FROM blocked_regions")
        .fetch_all(pool)
        .await?;
    Ok(regions)
}

/// Clears every paused sender and blocked region and wakes the dispatchers,
/// so the messages that waited are sent. Returns how many problems were
/// cleared.
pub async fn resume(pool: &PgPool) -> Result<u64> {
    let mut tx = pool.begin().await?;
    let pauses = sqlx::query("DELETE FROM sender_pauses").execute(&mut *tx).await?.rows_affected();
    let regions = sqlx::query("DELETE FROM blocked_regions").execute(&mut *tx).await?.rows_affected();
    let released = sqlx::query(
        "UPDATE messages SET held_region = NULL, next_attempt_at = now(), updated_at = now() \
         WHERE held_region IS NOT NULL",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    db::notify_dispatchers(&mut *tx).await?;
    tx.commit().await?;
    if pauses + regions > 0 {
        tracing::info!(senders = pauses, regions, messages.released = released, "sending resumed");
    }
    Ok(pauses + regions)
}

pub async fn status(pool: &PgPool) -> Result<DispatchStatus> {
    let paused_senders = sqlx::query_as::<_, SenderPause>(
        "SELECT sender, error_code, reason, fix, paused_at FROM sender_pauses ORDER BY paused_at",
    )
    .fetch_all(pool)
    .await?;
    let blocked_regions = sqlx::query_as::<_, BlockedRegion>(
        "SELECT b.region, b.calling_code, b.error_message, b.blocked_at, \
           (SELECT count(*) FROM messages m WHERE m.held_region = b.region) AS held_messages, \
           'Enable ' || b.region || ' (+' || b.calling_code || ') in the Twilio console under \
            Messaging > Settings > Geo permissions, then resume sending.' AS fix \
         FROM blocked_regions b ORDER BY b.blocked_at",
    )
    .fetch_all(pool)
    .await?;
    let queue = sqlx::query_as::<_, QueueCounts>(
        "SELECT count(*) FILTER (WHERE status = 'queued' AND channel IS NULL AND held_region IS NULL) \
             + (SELECT count(*) FROM fanout_recipients) AS queued, \
           count(*) FILTER (WHERE status = 'held' AND channel IS NULL AND held_region IS NULL) AS held, \
           count(*) FILTER (WHERE held_region IS NOT NULL AND status IN ('queued', 'held')) AS region_blocked, \
           count(*) FILTER (WHERE status = 'sending') AS sending \
         FROM messages WHERE status IN ('queued', 'held', 'sending')",
    )
    .fetch_one(pool)
    .await?;
    let limits = limits(pool).await?;
    Ok(DispatchStatus {
        paused_senders,
        blocked_regions,
        queue,
        segments_per_second: limits.segments_per_second,
        max_attempts: limits.max_attempts,
    })
}
