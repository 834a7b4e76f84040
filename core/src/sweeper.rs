//! Removes what sign-ups leave behind: pending sign-ups never confirmed,
//! subscribers still pending a day after they were created, expired manage
//! requests and tokens, and limit attempts older than every window.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

use crate::limits::NUMBER_WINDOW_HOURS;
use crate::Result;

/// How long an unconfirmed sign-up is kept, in hours.
pub const PENDING_SIGNUP_HOURS: i64 = 24;

/// The records one sweep removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Subscribers removed because they were never confirmed.
    pub subscriber_ids: Vec<i64>,
    /// Pending sign-up codes removed, including those of active subscribers
    /// who signed up again and never confirmed.
    pub pending_signups: u64,
    pub manage_requests: u64,
    pub manage_tokens: u64,
    pub signup_attempts: u64,
}

impl Sweep {
    pub fn is_empty(&self) -> bool {
        *self == Sweep::default()
    }
}

/// Removes, as of `now`, pending sign-ups and never-confirmed pending
/// subscribers created at least [`PENDING_SIGNUP_HOURS`] earlier, expired
/// manage requests and tokens, and limit attempts older than the longest
/// limit window. Active subscribers are never removed, only their stale
/// pending codes.
pub async fn sweep(pool: &PgPool, now: DateTime<Utc>) -> Result<Sweep> {
    let signup_cutoff = now - Duration::hours(PENDING_SIGNUP_HOURS);
    let attempts_cutoff = now - Duration::hours(i64::from(NUMBER_WINDOW_HOURS));

    let mut tx = pool.begin().await?;
    let pending_signups = sqlx::query("DELETE FROM verification_codes WHERE created_at <= $1")
        .bind(signup_cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let subscriber_ids: Vec<i64> = sqlx::query_scalar(
        "DELETE FROM subscribers \
         WHERE status = 'pending' AND confirmed_at IS NULL AND created_at <= $1 \
         RETURNING id",
    )
    .bind(signup_cutoff)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("UPDATE messages SET subscriber_id = NULL WHERE subscriber_id = ANY($1)")
        .bind(&subscriber_ids)
        .execute(&mut *tx)
        .await?;
    let manage_requests = sqlx::query("DELETE FROM manage_requests WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let manage_tokens = sqlx::query("DELETE FROM manage_tokens WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let signup_attempts = sqlx::query("DELETE FROM signup_attempts WHERE created_at <= $1")
        .bind(attempts_cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;

    let sweep = Sweep {
        subscriber_ids,
        pending_signups,
        manage_requests,
        manage_tokens,
        signup_attempts,
    };
    if !sweep.is_empty() {
        tracing::info!(
            subscribers = sweep.subscriber_ids.len(),
            subscriber.ids = ?sweep.subscriber_ids,
            pending_signups = sweep.pending_signups,
            manage_requests = sweep.manage_requests,
            manage_tokens = sweep.manage_tokens,
            signup_attempts = sweep.signup_attempts,
            "swept unconfirmed sign-ups and expired records"
        );
    }
    Ok(sweep)
}
