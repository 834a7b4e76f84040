//! Limits on the texts the public can make Kodo send: verification codes
//! for sign-up and for managing a subscription. They stop a visitor from
//! flooding a number with codes, and stop SMS pumping, where a script signs
//! up premium-rate numbers to earn from the texts.
//!
//! Every text is counted in `signup_attempts`, so all server processes
//! share the counts. Admins and API tokens adding subscribers are not
//! limited.
//!
//! NOTE: the client IP is the TCP peer address. Behind a reverse proxy
//! every visitor shares the proxy's address, and so one per-IP limit.

use kodo_domain::phone::PhoneNumber;
use sqlx::{Postgres, Transaction};

use crate::settings::{SIGNUP_CALLING_CODE_WINDOW_HOURS, SIGNUP_IP_WINDOW_HOURS};
use crate::{Error, Result};

/// The minimum time between two codes texted to one number, in seconds.
pub const RESEND_AFTER_SECS: i64 = 60;
/// The maximum codes texted to one number in [`NUMBER_WINDOW_HOURS`].
pub const MAX_TEXTS_PER_NUMBER: i64 = 5;
/// The window of [`MAX_TEXTS_PER_NUMBER`], in hours. It is also the
/// longest window, so older attempts can be deleted.
pub const NUMBER_WINDOW_HOURS: i32 = 24;

/// An arbitrary constant key for `pg_advisory_xact_lock`, which serializes
/// the check-then-record step across server processes.
const LIMITS_LOCK_KEY: i64 = 0x6b6f_646f_6c69_6d74;

/// The reason a text was requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SignUp,
    Manage,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::SignUp => "sign_up",
            Purpose::Manage => "manage",
        }
    }
}

/// The admin-set limits, from the settings table.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_ip: i32,
    pub per_calling_code: i32,
}

/// Checks every limit for a text to `phone` and records the attempt, in
/// the caller's transaction. The attempt counts only if that transaction
/// commits. Returns `Error::TooManyRequests` with the seconds to wait when
/// a limit is reached.
pub(crate) async fn check_and_record(
    tx: &mut Transaction<'_, Postgres>,
    limits: Limits,
    phone: &PhoneNumber,
    client_ip: Option<&str>,
    purpose: Purpose,
) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(LIMITS_LOCK_KEY)
        .execute(&mut **tx)
        .await?;

    let calling_code = i32::from(phone.country_calling_code());
    let reached = check(tx, limits, phone, client_ip, calling_code).await?;
    if let Some((limit, retry_after_secs)) = reached {
        tracing::warn!(
            phone = %phone.masked(),
            limit,
            retry_after_secs,
            purpose = purpose.as_str(),
            "verification text rejected by a limit"
        );
        return Err(too_many_requests(limit, retry_after_secs));
    }

    sqlx::query(
        "INSERT INTO signup_attempts (phone, client_ip, calling_code, purpose) VALUES ($1, $2, $3, $4)",
    )
    .bind(phone.as_str())
    .bind(client_ip)
    .bind(calling_code)
    .bind(purpose.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Returns the first limit reached, with the seconds until it frees up.
async fn check(
    tx: &mut Transaction<'_, Postgres>,
    limits: Limits,
    phone: &PhoneNumber,
    client_ip: Option<&str>,
    calling_code: i32,
) -> Result<Option<(&'static str, u64)>> {
    let resend: Option<i64> = sqlx::query_scalar(
        "SELECT ceil(EXTRACT(EPOCH FROM max(created_at) + make_interval(secs => $2) - now()))::int8 \
         FROM signup_attempts WHERE phone = $1 AND created_at > now() - make_interval(secs => $2)",
    )
    .bind(phone.as_str())
    .bind(RESEND_AFTER_SECS as f64)
    .fetch_one(&mut **tx)
    .await?;
    if let Some(seconds) = resend {
        return Ok(Some(("resend", seconds.max(1) as u64)));
    }

    // Each window: the limit's name, the condition on signup_attempts, its
    // value, the maximum attempts and the window in hours.
    let mut windows = vec![(
        "number",
        "phone = $1",
        phone.as_str().to_owned(),
        MAX_TEXTS_PER_NUMBER,
        NUMBER_WINDOW_HOURS,
    )];
    if let Some(ip) = client_ip {
        windows.push((
            "ip",
            "client_ip = $1",
            ip.to_owned(),
            i64::from(limits.per_ip),
            SIGNUP_IP_WINDOW_HOURS,
        ));
    }
    windows.push((
        "calling_code",
        "calling_code = $1::int",
        calling_code.to_string(),
        i64::from(limits.per_calling_code),
        SIGNUP_CALLING_CODE_WINDOW_HOURS,
    ));
    for (limit, condition, value, max, hours) in windows {
        if let Some(seconds) = seconds_until_below(tx, condition, &value, max, hours).await? {
            return Ok(Some((limit, seconds)));
        }
    }
    Ok(None)
}

/// Returns `None` while fewer than `max` attempts meet `condition` in the
/// last `hours`, with `$1` bound to `value`. Otherwise returns the seconds
/// until one of those attempts leaves the window.
async fn seconds_until_below(
    tx: &mut Transaction<'_, Postgres>,
    condition: &str,
    value: &str,
    max: i64,
    hours: i32,
) -> Result<Option<u64>> {
    // The max-th newest attempt is the one whose leaving the window brings
    // the count below max.
    let seconds: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT ceil(EXTRACT(EPOCH FROM created_at + make_interval(hours => $2) - now()))::int8 \
         FROM signup_attempts \
         WHERE {condition} AND created_at > now() - make_interval(hours => $2) \
         ORDER BY created_at DESC OFFSET $3 LIMIT 1"
    ))
    .bind(value)
    .bind(hours)
    .bind(max - 1)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(seconds.map(|seconds| seconds.max(1) as u64))
}

fn too_many_requests(limit: &str, retry_after_secs: u64) -> Error {
    let wait = describe_wait(retry_after_secs);
    let message = match limit {
        "resend" => format!(
            "A code was texted to this number less than a minute ago. \
             Check your messages, or request a new code in {wait}."
        ),
        "number" => format!(
            "This number has been sent {MAX_TEXTS_PER_NUMBER} codes in the last \
             {NUMBER_WINDOW_HOURS} hours, the maximum. Request a new code in {wait}."
        ),
        "ip" => format!(
            "Too many sign-ups from your network. Try again in {wait}."
        ),
        _ => format!(
            "Too many sign-ups for numbers of this country right now. Try again in {wait}."
        ),
    };
    Error::TooManyRequests {
        retry_after_secs,
        message,
    }
}

/// Describes a wait in whole seconds, minutes or hours, rounding up.
fn describe_wait(seconds: u64) -> String {
    let plural = |count: u64, unit: &str| {
        if count == 1 {
            format!("1 {unit}")
        } else {
            format!("{count} {unit}s")
        }
    };
    if seconds < 120 {
        plural(seconds, "second")
    } else if seconds < 2 * 3600 {
        plural(seconds.div_ceil(60), "minute")
    } else {
        plural(seconds.div_ceil(3600), "hour")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_is_described_in_rounded_up_units() {
        assert_eq!(describe_wait(1), "1 second");
        assert_eq!(describe_wait(59), "59 seconds");
        assert_eq!(describe_wait(121), "3 minutes");
        assert_eq!(describe_wait(3 * 3600 + 1), "4 hours");
    }
}
