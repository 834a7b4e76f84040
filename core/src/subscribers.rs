//! Subscribers: sign-up with a texted code, admin additions, removal and
//! opting out or back in.

use chrono::{DateTime, Utc};
use kodo_domain::phone::PhoneNumber;
use kodo_domain::preferences::{Preferences, Scope};
use kodo_domain::template::{TemplateKind, Values, Variable};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, Transaction};
use subtle::ConstantTimeEq;

use crate::consent::{self, Action, Method};
use crate::limits::{self, Purpose};
use crate::text_field::{Lines, TextField};
use crate::{db, services, settings, templates, timing, Error, Kodo, Result};

const CONSENT_NOTE: TextField = TextField {
    field: "consent_note",
    label: "Consent note",
    max_chars: 1000,
    lines: Lines::Many,
    missing_fix: "say how this person agreed to receive texts",
};

/// How long a texted code stays valid, in minutes.
pub const CODE_VALID_MINUTES: i32 = 10;
/// Wrong guesses allowed per code before it is void.
pub const MAX_CODE_ATTEMPTS: i32 = 5;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Subscriber {
    pub id: i64,
    /// E.164.
    pub phone: String,
    /// `pending`, `active`, `unsubscribed` or `undeliverable`.
    pub status: String,
    /// Why the number is `undeliverable`: Twilio's error for it.
    pub status_reason: Option<String>,
    pub preferences: Preferences,
    /// IANA time zone name, for quiet hours and maintenance times.
    pub time_zone: String,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct SubscriberRow {
    id: i64,
    phone: String,
    status: String,
    status_reason: Option<String>,
    scope: String,
    service_ids: Vec<i64>,
    critical_only: bool,
    resolutions: bool,
    maintenance: bool,
    time_zone: String,
    created_at: DateTime<Utc>,
}

impl From<SubscriberRow> for Subscriber {
    fn from(row: SubscriberRow) -> Self {
        let scope = if row.scope == "services" {
            Scope::Services
        } else {
            Scope::All
        };
        Subscriber {
            id: row.id,
            phone: row.phone,
            status: row.status,
            status_reason: row.status_reason,
            preferences: Preferences {
                scope,
                services: row.service_ids,
                critical_only: row.critical_only,
                resolutions: row.resolutions,
                maintenance: row.maintenance,
            },
            time_zone: row.time_zone,
            created_at: row.created_at,
        }
    }
}

const SUBSCRIBER_COLUMNS: &str = "id, phone, status, status_reason, scope, service_ids, critical_only, \
     resolutions, maintenance, time_zone, created_at";

/// A visitor's request to subscribe, from the widget or the public API.
#[derive(Debug, Clone)]
pub struct SignUp {
    pub phone: PhoneNumber,
    pub preferences: Preferences,
    /// The consent text the visitor agreed to, stored as evidence.
    pub consent_text: String,
    /// `Method::Web` or `Method::Api`.
    pub method: Method,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// IANA time zone name the visitor sent; without one, the zone is
    /// guessed from the number's country.
    pub time_zone: Option<String>,
}

/// Starts a sign-up: texts a fresh code and returns the sign-up id the code
/// is confirmed under. Signing up again replaces the number's pending code,
/// within the limits of [`limits`](crate::limits).
///
/// The sign-up is stored apart from the subscribers, which change only once
/// the code is confirmed. So the response and the writes (a pending code, a
/// limit attempt and the text) are the same whether or not the number is
/// already subscribed, and the endpoint does not reveal who is.
pub async fn sign_up(kodo: &Kodo, sign_up: SignUp) -> Result<String> {
    let settings = settings::get(&kodo.pool).await?;
    if !settings.enabled {
        return Err(Error::Forbidden {
            message: "SMS subscriptions are turned off for this page.".to_owned(),
        });
    }
    settings::ensure_country_allowed(&kodo.pool, &sign_up.phone).await?;
    validate_preferences(&kodo.pool, &sign_up.preferences).await?;
    let time_zone = match &sign_up.time_zone {
        Some(name) => timing::parse_time_zone("time_zone", name)?,
        None => timing::guess_time_zone(sign_up.phone.region().as_deref()),
    };

    let code = generate_code();
    let signup_id = generate_request_id();
    let preferences = serde_json::to_value(&sign_up.preferences)
        .map_err(|error| Error::Internal(format!("preferences to JSON: {error}")))?;

    let mut tx = kodo.pool.begin().await?;
    limits::check_and_record(
        &mut tx,
        settings.limits(),
        &sign_up.phone,
        sign_up.client_ip.as_deref(),
        Purpose::SignUp,
    )
    .await?;
    sqlx::query(
        "INSERT INTO verification_codes (phone, signup_id, code_hash, preferences, \
           consent_text, method, client_ip, user_agent, expires_at, time_zone) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(mins => $9), $10) \
         ON CONFLICT (phone) DO UPDATE SET signup_id = EXCLUDED.signup_id, \
           code_hash = EXCLUDED.code_hash, preferences = EXCLUDED.preferences, \
           consent_text = EXCLUDED.consent_text, method = EXCLUDED.method, \
           client_ip = EXCLUDED.client_ip, user_agent = EXCLUDED.user_agent, \
           attempts = 0, expires_at = EXCLUDED.expires_at, time_zone = EXCLUDED.time_zone, \
           created_at = now()",
    )
    .bind(sign_up.phone.as_str())
    .bind(&signup_id)
    .bind(kodo.keys.hash_verification_code(&signup_id, &code))
    .bind(preferences)
    .bind(&sign_up.consent_text)
    .bind(sign_up.method.as_str())
    .bind(&sign_up.client_ip)
    .bind(&sign_up.user_agent)
    .bind(CODE_VALID_MINUTES)
    .bind(time_zone.name())
    .execute(&mut *tx)
    .await?;

    let body = render_code_text(kodo, &settings.page_name, &code).await?;
    // The text carries no subscriber id, which would differ for a known number.
    enqueue_direct(&mut tx, None, sign_up.phone.as_str(), "verification", &body).await?;
    tx.commit().await?;

    tracing::info!(phone = %sign_up.phone.masked(), "verification code sent");
    Ok(signup_id)
}

/// Renders the verification template with a fresh code.
pub(crate) async fn render_code_text(kodo: &Kodo, page_name: &str, code: &str) -> Result<String> {
    let template = templates::get(&kodo.pool, TemplateKind::Verification).await?;
    let values = Values::new()
        .with(Variable::Page, page_name.to_owned())
        .with(Variable::Url, kodo.public_url.clone())
        .with(Variable::Code, code.to_owned());
    let replace_typographic = settings::replace_typographic(&kodo.pool).await?;
    Ok(template.render_fitted(&values, replace_typographic))
}

#[derive(sqlx::FromRow)]
struct PendingCode {
    phone: String,
    code_hash: Vec<u8>,
    preferences: serde_json::Value,
    consent_text: String,
    method: String,
    client_ip: Option<String>,
    user_agent: Option<String>,
    attempts: i32,
    expired: bool,
    time_zone: String,
}

/// Checks the format of a texted code, naming the `code` field, and returns
/// its 6 ASCII digits. Spaces and dashes between the digits are dropped and
/// full-width digits, which East Asian input methods type, are read as
/// digits.
pub(crate) fn validate_code_format(code: &str) -> Result<String> {
    let mut digits = String::with_capacity(6);
    for c in code.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '０'..='９' => digits.push(char::from(b'0' + (u32::from(c) - u32::from('０')) as u8)),
            c if c.is_whitespace() || c == '-' => {}
            _ => {
                return Err(Error::invalid(
                    "code",
                    "The code has digits only; enter the 6 digits from the text we sent.",
                ))
            }
        }
    }
    if digits.len() != 6 {
        return Err(Error::invalid(
            "code",
            format!(
                "The code has 6 digits, and this has {}; enter the 6 digits from the text we sent.",
                digits.len()
            ),
        ));
    }
    Ok(digits)
}

/// Returns the error for a code past its expiry or its attempts, if it is.
pub(crate) fn void_code_error(expired: bool, attempts: i32) -> Option<Error> {
    if expired {
        return Some(Error::invalid(
            "code",
            format!("This code has expired (codes last {CODE_VALID_MINUTES} minutes); request a new one."),
        ));
    }
    if attempts >= MAX_CODE_ATTEMPTS {
        return Some(Error::invalid(
            "code",
            "Too many wrong codes; this code no longer works. Request a new code.",
        ));
    }
    None
}

/// Returns the error for a wrong code, given the attempts made before it.
pub(crate) fn wrong_code_error(attempts_before: i32) -> Error {
    let left = MAX_CODE_ATTEMPTS - attempts_before - 1;
    Error::invalid(
        "code",
        if left > 0 {
            format!(
                "That code is wrong; check the text we sent and try again ({left} {} left).",
                if left == 1 { "attempt" } else { "attempts" }
            )
        } else {
            "That code is wrong, and it was the last attempt; request a new code.".to_owned()
        },
    )
}

/// Confirms a sign-up with the texted code. The number's subscriber is
/// created, or updated with the sign-up's preferences when the number
/// already had one, and made active.
pub async fn verify(kodo: &Kodo, signup_id: &str, code: &str) -> Result<Subscriber> {
    let code = validate_code_format(code)?;

    let mut tx = kodo.pool.begin().await?;
    let pending = sqlx::query_as::<_, PendingCode>(
        "SELECT phone, code_hash, preferences, consent_text, method, client_ip, user_agent, \
           attempts, expires_at < now() AS expired, time_zone \
         FROM verification_codes WHERE signup_id = $1 FOR UPDATE",
    )
    .bind(signup_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::not_found("sign-up"))?;

    if let Some(error) = void_code_error(pending.expired, pending.attempts) {
        return Err(error);
    }
    let expected = kodo.keys.hash_verification_code(signup_id, &code);
    if !bool::from(expected.ct_eq(&pending.code_hash)) {
        sqlx::query("UPDATE verification_codes SET attempts = attempts + 1 WHERE phone = $1")
            .bind(&pending.phone)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let left = MAX_CODE_ATTEMPTS - pending.attempts - 1;
        tracing::info!(attempts.left = left, "wrong verification code");
        return Err(wrong_code_error(pending.attempts));
    }

    let preferences: Preferences = serde_json::from_value(pending.preferences)
        .map_err(|error| Error::Internal(format!("stored preferences: {error}")))?;
    sqlx::query("DELETE FROM verification_codes WHERE phone = $1")
        .bind(&pending.phone)
        .execute(&mut *tx)
        .await?;
    let subscriber = upsert_active(&mut tx, &pending.phone, &preferences, &pending.time_zone).await?;
    let method = if pending.method == "api" { Method::Api } else { Method::Web };
    consent::append(
        &mut *tx,
        consent::Record {
            subscriber_id: subscriber.id,
            phone: &pending.phone,
            action: Action::OptIn,
            method,
            consent_text: Some(&pending.consent_text),
            client_ip: pending.client_ip.as_deref(),
            user_agent: pending.user_agent.as_deref(),
            actor: None,
        },
    )
    .await?;
    let body = render_page_template(kodo, TemplateKind::Confirmation).await?;
    enqueue_direct(&mut tx, subscriber.id, &subscriber.phone, "confirmation", &body).await?;
    tx.commit().await?;

    tracing::info!(subscriber.id = subscriber.id, "subscriber verified");
    Ok(subscriber)
}

/// Adds a subscriber who is active at once, on an admin's or API client's
/// word that the person agreed; `consent_note` records how.
pub async fn add_confirmed(
    kodo: &Kodo,
    phone: &PhoneNumber,
    preferences: &Preferences,
    time_zone: Option<&str>,
    consent_note: &str,
    method: Method,
    actor: &str,
) -> Result<Subscriber> {
    let time_zone = match time_zone {
        Some(name) => timing::parse_time_zone("time_zone", name)?,
        None => timing::guess_time_zone(phone.region().as_deref()),
    };
    let consent_note = CONSENT_NOTE.clean(consent_note)?;
    let consent_note = consent_note.as_str();
    settings::ensure_country_allowed(&kodo.pool, phone).await?;
    validate_preferences(&kodo.pool, preferences).await?;

    let mut tx = kodo.pool.begin().await?;
    let existing: Option<(i64, String)> =
        sqlx::query_as("SELECT id, status FROM subscribers WHERE phone = $1 FOR UPDATE")
            .bind(phone.as_str())
            .fetch_optional(&mut *tx)
            .await?;
    let subscriber_id = match existing {
        Some((_, status)) if status == "active" => {
            return Err(Error::conflict("phone", "This number is already subscribed."));
        }
        Some((_, status)) if status == "unsubscribed" => {
            return Err(Error::conflict(
                "phone",
                "This number opted out. Only its owner can opt back in, by texting START \
                 or signing up on the status page.",
            ));
        }
        Some((id, _)) => id,
        None => {
            sqlx::query_scalar("INSERT INTO subscribers (phone, status) VALUES ($1, 'pending') RETURNING id")
                .bind(phone.as_str())
                .fetch_one(&mut *tx)
                .await?
        }
    };
    // A pending sign-up of the number would re-confirm the same subscriber.
    sqlx::query("DELETE FROM verification_codes WHERE phone = $1")
        .bind(phone.as_str())
        .execute(&mut *tx)
        .await?;
    let subscriber = activate(&mut tx, subscriber_id, preferences, time_zone.name()).await?;
    consent::append(
        &mut *tx,
        consent::Record {
            subscriber_id,
            phone: phone.as_str(),
            action: Action::OptIn,
            method,
            consent_text: Some(consent_note),
            client_ip: None,
            user_agent: None,
            actor: Some(actor),
        },
    )
    .await?;
    let welcome = render_page_template(kodo, TemplateKind::Welcome).await?;
    enqueue_direct(&mut tx, subscriber_id, phone.as_str(), "confirmation", &welcome).await?;
    tx.commit().await?;

    tracing::info!(subscriber.id = subscriber_id, actor, "subscriber added");
    Ok(subscriber)
}

/// Removes a subscriber and cancels their unsent messages. Their consent
/// records stay, and the number can be added again.
pub async fn remove(kodo: &Kodo, id: i64, method: Method, actor: &str) -> Result<()> {
    let mut tx = kodo.pool.begin().await?;
    db::lock_subscriber_removals(&mut *tx).await?;
    let found: Option<(String, String)> =
        sqlx::query_as("SELECT phone, status FROM subscribers WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let (phone, status) = found.ok_or_else(|| Error::not_found("subscriber"))?;
    cancel_unsent(&mut tx, id).await?;
    if status == "active" {
        consent::append(
            &mut *tx,
            consent::Record {
                subscriber_id: id,
                phone: &phone,
                action: Action::OptOut,
                method,
                consent_text: None,
                client_ip: None,
                user_agent: None,
                actor: Some(actor),
            },
        )
        .await?;
    }
    sqlx::query("DELETE FROM subscribers WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE messages SET subscriber_id = NULL WHERE subscriber_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(subscriber.id = id, actor, "subscriber removed");
    Ok(())
}

/// Marks the number unsubscribed, cancels its unsent messages and voids
/// its pending sign-up code. Returns whether a subscriber changed.
pub async fn opt_out(kodo: &Kodo, phone: &str, method: Method, note: &str) -> Result<bool> {
    let mut tx = kodo.pool.begin().await?;
    sqlx::query("DELETE FROM verification_codes WHERE phone = $1")
        .bind(phone)
        .execute(&mut *tx)
        .await?;
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE subscribers SET status = 'unsubscribed', updated_at = now() \
         WHERE phone = $1 AND status IN ('active', 'pending') RETURNING id",
    )
    .bind(phone)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        tx.commit().await?;
        return Ok(false);
    };
    cancel_unsent(&mut tx, id).await?;
    sqlx::query("DELETE FROM manage_tokens WHERE subscriber_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    consent::append(
        &mut *tx,
        consent::Record {
            subscriber_id: id,
            phone,
            action: Action::OptOut,
            method,
            consent_text: Some(note),
            client_ip: None,
            user_agent: None,
            actor: None,
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(subscriber.id = id, method = method.as_str(), "subscriber opted out");
    Ok(true)
}

/// Marks the number undeliverable because Twilio rejected it for good
/// (not a mobile number, not reachable by SMS), keeping Twilio's error as
/// the reason, and cancels its unsent messages. Returns whether a
/// subscriber changed.
pub async fn mark_undeliverable(kodo: &Kodo, phone: &str, reason: &str) -> Result<bool> {
    let mut tx = kodo.pool.begin().await?;
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE subscribers SET status = 'undeliverable', status_reason = $2, updated_at = now() \
         WHERE phone = $1 AND status IN ('active', 'pending') RETURNING id",
    )
    .bind(phone)
    .bind(reason)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        return Ok(false);
    };
    cancel_unsent(&mut tx, id).await?;
    tx.commit().await?;
    tracing::warn!(subscriber.id = id, reason, "subscriber marked undeliverable");
    Ok(true)
}

/// Re-activates a number that opted out after it had been confirmed.
/// Returns whether a subscriber changed.
pub async fn opt_in(kodo: &Kodo, phone: &str, note: &str) -> Result<bool> {
    let mut tx = kodo.pool.begin().await?;
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE subscribers SET status = 'active', updated_at = now() \
         WHERE phone = $1 AND status = 'unsubscribed' AND confirmed_at IS NOT NULL RETURNING id",
    )
    .bind(phone)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        return Ok(false);
    };
    consent::append(
        &mut *tx,
        consent::Record {
            subscriber_id: id,
            phone,
            action: Action::OptIn,
            method: Method::SmsKeyword,
            consent_text: Some(note),
            client_ip: None,
            user_agent: None,
            actor: None,
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(subscriber.id = id, "subscriber opted back in");
    Ok(true)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<String>,
    pub phone: Option<String>,
}

pub async fn list(pool: &PgPool, filter: &Filter) -> Result<Vec<Subscriber>> {
    match filter.status.as_deref() {
        None | Some("active" | "unsubscribed" | "undeliverable") => {}
        Some("pending") => {
            return Err(Error::invalid(
                "status",
                "A sign-up becomes a subscriber only when its code is confirmed; \
                 list the sign-ups waiting for their code with GET /api/v1/signups.",
            ));
        }
        Some(_) => {
            return Err(Error::invalid("status", "status must be active, unsubscribed or undeliverable."));
        }
    }
    let rows = sqlx::query_as::<_, SubscriberRow>(&format!(
        "SELECT {SUBSCRIBER_COLUMNS} FROM subscribers \
         WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR phone = $2) \
         ORDER BY id DESC LIMIT 1000"
    ))
    .bind(&filter.status)
    .bind(&filter.phone)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Subscriber::from).collect())
}

/// A sign-up whose code is not confirmed yet. Confirming the code creates
/// the subscriber, or updates the number's existing one; unconfirmed
/// sign-ups are removed 24 hours after they were made.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PendingSignup {
    /// E.164.
    pub phone: String,
    /// The preferences the code confirms.
    pub preferences: Preferences,
    pub time_zone: String,
    /// `web` or `api`.
    pub method: String,
    /// Wrong codes entered so far.
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
}

/// Lists the sign-ups waiting for their code, newest first, optionally
/// only the one of `phone` (E.164).
pub async fn pending_signups(pool: &PgPool, phone: Option<&str>) -> Result<Vec<PendingSignup>> {
    let rows: Vec<(String, sqlx::types::Json<Preferences>, String, String, i32, DateTime<Utc>, DateTime<Utc>)> =
        sqlx::query_as(
            "SELECT phone, preferences, time_zone, method, attempts, created_at, expires_at \
             FROM verification_codes WHERE ($1::text IS NULL OR phone = $1) \
             ORDER BY created_at DESC, phone LIMIT 1000",
        )
        .bind(phone)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(phone, preferences, time_zone, method, attempts, created_at, expires_at)| PendingSignup {
            phone,
            preferences: preferences.0,
            time_zone,
            method,
            attempts,
            created_at,
            expires_at,
        })
        .collect())
}

pub async fn get(pool: &PgPool, id: i64) -> Result<Subscriber> {
    let row = sqlx::query_as::<_, SubscriberRow>(&format!(
        "SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| Error::not_found("subscriber"))?;
    Ok(row.into())
}

async fn activate(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    preferences: &Preferences,
    time_zone: &str,
) -> Result<Subscriber> {
    let scope = match preferences.scope {
        Scope::All => "all",
        Scope::Services => "services",
    };
    let row = sqlx::query_as::<_, SubscriberRow>(&format!(
        "UPDATE subscribers SET status = 'active', scope = $2, service_ids = $3, \
           critical_only = $4, resolutions = $5, maintenance = $6, time_zone = $7, \
           confirmed_at = now(), updated_at = now() \
         WHERE id = $1 RETURNING {SUBSCRIBER_COLUMNS}"
    ))
    .bind(id)
    .bind(scope)
    .bind(&preferences.services)
    .bind(preferences.critical_only)
    .bind(preferences.resolutions)
    .bind(preferences.maintenance)
    .bind(time_zone)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.into())
}

/// Creates the number's subscriber, or updates the existing one, as active
/// with these preferences.
async fn upsert_active(
    tx: &mut Transaction<'_, Postgres>,
    phone: &str,
    preferences: &Preferences,
    time_zone: &str,
) -> Result<Subscriber> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO subscribers (phone, status) VALUES ($1, 'pending') \
         ON CONFLICT (phone) DO UPDATE SET updated_at = now() RETURNING id",
    )
    .bind(phone)
    .fetch_one(&mut **tx)
    .await?;
    activate(tx, id, preferences, time_zone).await
}

async fn cancel_unsent(tx: &mut Transaction<'_, Postgres>, subscriber_id: i64) -> Result<()> {
    sqlx::query(
        "UPDATE messages SET status = 'canceled', updated_at = now() \
         WHERE subscriber_id = $1 AND status IN ('queued', 'held') AND channel IS NULL",
    )
    .bind(subscriber_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues a message to one number and wakes the dispatchers on commit.
pub(crate) async fn enqueue_direct(
    tx: &mut Transaction<'_, Postgres>,
    subscriber_id: impl Into<Option<i64>>,
    phone: &str,
    kind: &str,
    body: &str,
) -> Result<()> {
    db::share_subscriber_removal_lock(&mut **tx).await?;
    sqlx::query(
        "INSERT INTO messages (subscriber_id, to_phone, kind, body, segments) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(subscriber_id.into())
    .bind(phone)
    .bind(kind)
    .bind(body)
    .bind(crate::messages::segment_count(body))
    .execute(&mut **tx)
    .await?;
    db::notify_dispatchers(&mut **tx).await?;
    Ok(())
}

/// Renders a template that takes only page-wide values.
pub(crate) async fn render_page_template(kodo: &Kodo, kind: TemplateKind) -> Result<String> {
    let template = templates::get(&kodo.pool, kind).await?;
    let values = Values::new()
        .with(Variable::Page, settings::page_name(&kodo.pool).await?)
        .with(Variable::Url, kodo.public_url.clone());
    let replace_typographic = settings::replace_typographic(&kodo.pool).await?;
    Ok(template.render_fitted(&values, replace_typographic))
}

pub(crate) async fn validate_preferences(pool: &PgPool, preferences: &Preferences) -> Result<()> {
    preferences
        .validate()
        .map_err(|error| Error::invalid("preferences.services", error.to_string()))?;
    services::ensure_exist(pool, "preferences.services", &preferences.services).await
}

pub(crate) fn generate_code() -> String {
    let code: u32 = rand::rngs::OsRng.gen_range(0..1_000_000);
    format!("{code:06}")
}

/// Generates the random id a sign-up or manage request is confirmed under.
pub(crate) fn generate_request_id() -> String {
    let bytes: [u8; 16] = rand::rngs::OsRng.gen();
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_six_digits() {
        for _ in 0..100 {
            let code = generate_code();
            assert_eq!(code.len(), 6);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn code_format_accepts_spacing_and_full_width_digits() {
        assert_eq!(validate_code_format(" 123 456 ").unwrap(), "123456");
        assert_eq!(validate_code_format("123-456").unwrap(), "123456");
        assert_eq!(validate_code_format("１２３４５６").unwrap(), "123456");
    }

    #[test]
    fn code_format_names_the_problem() {
        let short = validate_code_format("12345").unwrap_err().to_string();
        assert!(short.contains("this has 5"), "{short}");
        let letters = validate_code_format("abcdef").unwrap_err().to_string();
        assert!(letters.contains("digits only"), "{letters}");
        assert!(validate_code_format("1234567").is_err());
    }

    #[test]
    fn signup_id_is_random_hex() {
        let first = generate_request_id();
        assert_eq!(first.len(), 32);
        assert_ne!(first, generate_request_id());
    }
}
