//! Self-service management of a subscription: the visitor proves they hold
//! the phone with a texted code, gets a short-lived manage token, and with
//! it reads or changes their preferences or unsubscribes.

use chrono::{DateTime, Utc};
use kodo_domain::phone::PhoneNumber;
use kodo_domain::preferences::{Preferences, Scope};
use rand::Rng;
use subtle::ConstantTimeEq;

use crate::consent::Method;
use crate::limits::{self, Purpose};
use crate::subscribers::{
    self, enqueue_direct, generate_code, generate_request_id, render_code_text,
    validate_code_format, void_code_error, wrong_code_error, Subscriber, CODE_VALID_MINUTES,
};
use crate::{settings, Error, Kodo, Result};

/// How long a manage token stays valid, in minutes.
pub const MANAGE_TOKEN_MINUTES: i32 = 30;

/// A manage token as issued: the secret is shown once, only its hash is
/// stored.
#[derive(Debug, Clone)]
pub struct ManageToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Starts a manage request for `phone` and returns its id.
///
/// A code is texted only when the number has an active or pending
/// subscriber. The limits, the response and the stored request are the
/// same for any number, so the request does not reveal who is subscribed.
/// The one difference is the queued text itself.
pub async fn request(kodo: &Kodo, phone: &PhoneNumber, client_ip: Option<&str>) -> Result<String> {
    let settings = settings::get(&kodo.pool).await?;
    if !settings.enabled {
        return Err(Error::Forbidden {
            message: "SMS subscriptions are turned off for this page.".to_owned(),
        });
    }
    let code = generate_code();
    let request_id = generate_request_id();

    let mut tx = kodo.pool.begin().await?;
    limits::check_and_record(&mut tx, settings.limits(), phone, client_ip, Purpose::Manage).await?;
    let subscriber_id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM subscribers WHERE phone = $1 AND status IN ('active', 'pending')",
    )
    .bind(phone.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO manage_requests (id, phone, subscriber_id, code_hash, expires_at) \
         VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5))",
    )
    .bind(&request_id)
    .bind(phone.as_str())
    .bind(subscriber_id)
    .bind(kodo.keys.hash_verification_code(&request_id, &code))
    .bind(CODE_VALID_MINUTES)
    .execute(&mut *tx)
    .await?;
    if let Some(id) = subscriber_id {
        let body = render_code_text(kodo, &settings.page_name, &code).await?;
        enqueue_direct(&mut tx, id, phone.as_str(), "verification", &body).await?;
    }
    tx.commit().await?;

    tracing::info!(phone = %phone.masked(), "manage request started");
    Ok(request_id)
}

#[derive(sqlx::FromRow)]
struct PendingRequest {
    subscriber_id: Option<i64>,
    code_hash: Vec<u8>,
    attempts: i32,
    expired: bool,
}

/// Confirms a manage request with the texted code and issues a manage
/// token valid for [`MANAGE_TOKEN_MINUTES`]. A request for a number with no
/// subscription never confirms: every code is wrong, as it would be for a
/// guess.
pub async fn verify(kodo: &Kodo, request_id: &str, code: &str) -> Result<ManageToken> {
    let code = validate_code_format(code)?;

    let mut tx = kodo.pool.begin().await?;
    let pending = sqlx::query_as::<_, PendingRequest>(
        "SELECT subscriber_id, code_hash, attempts, expires_at < now() AS expired \
         FROM manage_requests WHERE id = $1 FOR UPDATE",
    )
    .bind(request_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::not_found("manage request"))?;

    if let Some(error) = void_code_error(pending.expired, pending.attempts) {
        return Err(error);
    }
    let expected = kodo.keys.hash_verification_code(request_id, &code);
    let matches = bool::from(expected.ct_eq(&pending.code_hash));
    let subscriber_id = match pending.subscriber_id {
        Some(id) if matches => id,
        _ => {
            sqlx::query("UPDATE manage_requests SET attempts = attempts + 1 WHERE id = $1")
                .bind(request_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Err(wrong_code_error(pending.attempts));
        }
    };

    sqlx::query("DELETE FROM manage_requests WHERE id = $1")
        .bind(request_id)
        .execute(&mut *tx)
        .await?;
    let token = generate_token();
    let expires_at: DateTime<Utc> = sqlx::query_scalar(
        "INSERT INTO manage_tokens (token_hash, subscriber_id, expires_at) \
         VALUES ($1, $2, now() + make_interval(mins => $3)) RETURNING expires_at",
    )
    .bind(kodo.keys.hash_manage_token(&token))
    .bind(subscriber_id)
    .bind(MANAGE_TOKEN_MINUTES)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;

    tracing::info!(subscriber.id = subscriber_id, "manage token issued");
    Ok(ManageToken { token, expires_at })
}

/// Returns the subscriber a manage token belongs to, or `None` when the
/// token is unknown or expired.
pub async fn authenticate(kodo: &Kodo, token: &str) -> Result<Option<Subscriber>> {
    let subscriber_id: Option<i64> = sqlx::query_scalar(
        "SELECT subscriber_id FROM manage_tokens WHERE token_hash = $1 AND expires_at > now()",
    )
    .bind(kodo.keys.hash_manage_token(token))
    .fetch_optional(&kodo.pool)
    .await?;
    match subscriber_id {
        Some(id) => Ok(Some(subscribers::get(&kodo.pool, id).await?)),
        None => Ok(None),
    }
}

/// Replaces a subscriber's preferences.
pub async fn update_preferences(kodo: &Kodo, subscriber_id: i64, preferences: &Preferences) -> Result<Subscriber> {
    subscribers::validate_preferences(&kodo.pool, preferences).await?;
    let scope = match preferences.scope {
        Scope::All => "all",
        Scope::Services => "services",
    };
    sqlx::query(
        "UPDATE subscribers SET scope = $2, service_ids = $3, critical_only = $4, \
           resolutions = $5, maintenance = $6, updated_at = now() WHERE id = $1",
    )
    .bind(subscriber_id)
    .bind(scope)
    .bind(&preferences.services)
    .bind(preferences.critical_only)
    .bind(preferences.resolutions)
    .bind(preferences.maintenance)
    .execute(&kodo.pool)
    .await?;
    tracing::info!(subscriber.id = subscriber_id, "preferences changed by the subscriber");
    subscribers::get(&kodo.pool, subscriber_id).await
}

/// Unsubscribes the token's subscriber, recording a web opt-out, and ends
/// every manage token of theirs.
pub async fn unsubscribe(kodo: &Kodo, subscriber: &Subscriber) -> Result<()> {
    subscribers::opt_out(
        kodo,
        &subscriber.phone,
        Method::Web,
        "Unsubscribed through the subscription manage API",
    )
    .await?;
    sqlx::query("DELETE FROM manage_tokens WHERE subscriber_id = $1")
        .bind(subscriber.id)
        .execute(&kodo.pool)
        .await?;
    Ok(())
}

/// Generates a manage token: 32 random bytes as hex.
fn generate_token() -> String {
    let bytes: [u8; 32] = rand::rngs::OsRng.gen();
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
