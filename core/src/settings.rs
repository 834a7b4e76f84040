//! Page-wide SMS settings: whether sign-up is open, the Twilio account
//! and the texts shown to subscribers.

use kodo_domain::phone::PhoneNumber;
use kodo_domain::template::TemplateKind;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::limits::Limits;
use crate::text_field::{Lines, TextField};
use crate::timing::{QuietHours, QuietHoursText};
use crate::error::Checks;
use crate::{dispatch_control, templates, Error, Kodo, Result};

/// Maximum hold window, in seconds.
pub const MAX_HOLD_SECONDS: i32 = 3600;

/// The settings as an admin or API client sees them. The auth token is
/// write-only, so only whether one is set is shown.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SmsSettings {
    pub page_name: String,
    pub enabled: bool,
    pub account_sid: Option<String>,
    pub auth_token_set: bool,
    pub from: Option<String>,
    pub consent_text: String,
    pub verification_template: String,
    /// Public sign-ups (verification texts) allowed per client IP address
    /// in [`SIGNUP_IP_WINDOW_HOURS`].
    pub signup_limit_per_ip: i32,
    /// Public sign-ups allowed per country calling code in
    /// [`SIGNUP_CALLING_CODE_WINDOW_HOURS`].
    pub signup_limit_per_calling_code: i32,
    /// ISO 3166-1 alpha-2 region codes whose numbers may subscribe, or
    /// `None` for every country.
    pub allowed_countries: Option<Vec<String>>,
    /// Whether typographic quotes, dashes and ellipses become GSM-7
    /// characters before sending.
    pub replace_typographic: bool,
    /// Seconds a follow-up update of a non-critical incident waits so that
    /// a burst goes out as one message; 0 sends at once.
    pub hold_seconds: i32,
    /// Quiet hours in each subscriber's local time, or `None` when off.
    pub quiet_hours: Option<QuietHoursText>,
    /// Send rate per sender (From number or Messaging Service SID), in SMS
    /// segments per second.
    pub segments_per_second: f64,
    /// Send attempts before a message fails for good.
    pub max_attempts: i32,
}

impl SmsSettings {
    /// Returns the admin-set limits on the public sign-up.
    pub fn limits(&self) -> Limits {
        Limits {
            per_ip: self.signup_limit_per_ip,
            per_calling_code: self.signup_limit_per_calling_code,
        }
    }
}

/// The window of [`SmsSettings::signup_limit_per_ip`], in hours.
pub const SIGNUP_IP_WINDOW_HOURS: i32 = 4;
/// The window of [`SmsSettings::signup_limit_per_calling_code`], in hours.
pub const SIGNUP_CALLING_CODE_WINDOW_HOURS: i32 = 1;

/// A change to the settings; `None` keeps a field's value, and an empty
/// string clears a Twilio field.
#[derive(Debug, Default, Clone)]
pub struct SmsSettingsUpdate {
    pub page_name: Option<String>,
    pub enabled: Option<bool>,
    pub account_sid: Option<String>,
    pub auth_token: Option<String>,
    pub from: Option<String>,
    pub consent_text: Option<String>,
    pub verification_template: Option<String>,
    pub signup_limit_per_ip: Option<i32>,
    pub signup_limit_per_calling_code: Option<i32>,
    /// `Some(None)` allows every country again.
    pub allowed_countries: Option<Option<Vec<String>>>,
    pub replace_typographic: Option<bool>,
    pub hold_seconds: Option<i32>,
    /// `Some(None)` turns quiet hours off.
    pub quiet_hours: Option<Option<QuietHoursText>>,
    pub segments_per_second: Option<f64>,
    pub max_attempts: Option<i32>,
}

/// The settings that decide when and how a notification goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageTiming {
    pub replace_typographic: bool,
    pub hold_seconds: i32,
    pub quiet_hours: Option<QuietHours>,
}

/// What the dispatcher needs to send through Twilio.
#[derive(Clone, PartialEq, Eq)]
pub struct TwilioCredentials {
    pub account_sid: String,
    pub auth_token: String,
    pub from: String,
}

impl std::fmt::Debug for TwilioCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioCredentials")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"[redacted]")
            .field("from", &self.from)
            .finish()
    }
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    page_name: String,
    sms_enabled: bool,
    twilio_account_sid: Option<String>,
    twilio_auth_token: Option<String>,
    twilio_from: Option<String>,
    consent_text: String,
    signup_limit_per_ip: i32,
    signup_limit_per_calling_code: i32,
    allowed_countries: Option<Vec<String>>,
    replace_typographic: bool,
    hold_seconds: i32,
    quiet_hours_start: Option<chrono::NaiveTime>,
    quiet_hours_end: Option<chrono::NaiveTime>,
    segments_per_second: f64,
    max_attempts: i32,
}

impl SettingsRow {
    fn quiet_hours(&self) -> Option<QuietHours> {
        match (self.quiet_hours_start, self.quiet_hours_end) {
            (Some(start), Some(end)) => Some(QuietHours { start, end }),
            _ => None,
        }
    }
}

async fn fetch_row(pool: &PgPool) -> Result<SettingsRow> {
    let row = sqlx::query_as::<_, SettingsRow>(
        "SELECT page_name, sms_enabled, twilio_account_sid, twilio_auth_token, \
         twilio_from, consent_text, signup_limit_per_ip, signup_limit_per_calling_code, \
         allowed_countries, replace_typographic, hold_seconds, quiet_hours_start, \
         quiet_hours_end, segments_per_second, max_attempts FROM settings",
    )
    .fetch_one(pool)
    .await?;
    Ok(row)
}

pub async fn get(pool: &PgPool) -> Result<SmsSettings> {
    let row = fetch_row(pool).await?;
    let verification = templates::get(pool, TemplateKind::Verification).await?;
    Ok(SmsSettings {
        replace_typographic: row.replace_typographic,
        hold_seconds: row.hold_seconds,
        quiet_hours: row.quiet_hours().map(QuietHours::to_text),
        page_name: row.page_name,
        enabled: row.sms_enabled,
        account_sid: row.twilio_account_sid,
        auth_token_set: row.twilio_auth_token.is_some(),
        from: row.twilio_from,
        consent_text: row.consent_text,
        verification_template: verification.source().to_owned(),
        signup_limit_per_ip: row.signup_limit_per_ip,
        signup_limit_per_calling_code: row.signup_limit_per_calling_code,
        allowed_countries: row.allowed_countries,
        segments_per_second: row.segments_per_second,
        max_attempts: row.max_attempts,
    })
}

/// Rejects a number whose country is not in the page's allowed countries.
/// Numbers of no single country, such as +800 freephone numbers, are
/// rejected whenever a list is set.
pub async fn ensure_country_allowed(pool: &PgPool, phone: &PhoneNumber) -> Result<()> {
    let Some(allowed) = fetch_row(pool).await?.allowed_countries else {
        return Ok(());
    };
    phone
        .ensure_country_allowed(&allowed)
        .map_err(|error| Error::invalid("phone", error.to_string()))
}

/// Returns the Twilio account when all three of its fields are set; `None`
/// means messages go to the development outbox.
pub async fn twilio_credentials(pool: &PgPool) -> Result<Option<TwilioCredentials>> {
    let row = fetch_row(pool).await?;
    Ok(
        match (row.twilio_account_sid, row.twilio_auth_token, row.twilio_from) {
            (Some(account_sid), Some(auth_token), Some(from)) => Some(TwilioCredentials {
                account_sid,
                auth_token,
                from,
            }),
            _ => None,
        },
    )
}

/// Returns the Twilio auth token, used to check webhook signatures.
pub async fn twilio_auth_token(pool: &PgPool) -> Result<Option<String>> {
    Ok(fetch_row(pool).await?.twilio_auth_token)
}

pub async fn page_name(pool: &PgPool) -> Result<String> {
    Ok(fetch_row(pool).await?.page_name)
}

/// Returns whether typographic characters are replaced before sending.
pub async fn replace_typographic(pool: &PgPool) -> Result<bool> {
    Ok(fetch_row(pool).await?.replace_typographic)
}

pub async fn message_timing(executor: impl sqlx::PgExecutor<'_>) -> Result<MessageTiming> {
    let (replace_typographic, hold_seconds, start, end): (
        bool,
        i32,
        Option<chrono::NaiveTime>,
        Option<chrono::NaiveTime>,
    ) = sqlx::query_as(
        "SELECT replace_typographic, hold_seconds, quiet_hours_start, quiet_hours_end FROM settings",
    )
    .fetch_one(executor)
    .await?;
    let quiet_hours = match (start, end) {
        (Some(start), Some(end)) => Some(QuietHours { start, end }),
        _ => None,
    };
    Ok(MessageTiming {
        replace_typographic,
        hold_seconds,
        quiet_hours,
    })
}

/// Validates and applies an update; every field is checked before any is
/// written.
pub async fn update(kodo: &Kodo, update: SmsSettingsUpdate) -> Result<SmsSettings> {
    let mut checks = Checks::new();
    let page_name = checks.take(update.page_name.map(|name| PAGE_NAME.clean(&name)).transpose()).flatten();
    let consent_text = checks
        .take(update.consent_text.map(|text| CONSENT_TEXT.clean(&text)).transpose())
        .flatten();
    let account_sid = checks
        .take(update.account_sid.map(|sid| validate_account_sid(&sid)).transpose())
        .flatten();
    let auth_token = checks
        .take(update.auth_token.map(|token| validate_auth_token(&token)).transpose())
        .flatten();
    let from = checks.take(update.from.map(|from| validate_sender(&from)).transpose()).flatten();
    let segments_per_second = checks.take(update.segments_per_second.map(validate_rate).transpose()).flatten();
    let max_attempts = checks.take(update.max_attempts.map(validate_max_attempts).transpose()).flatten();
    let verification = checks
        .take(
            update
                .verification_template
                .map(|source| templates::parse("verification_template", TemplateKind::Verification, &source))
                .transpose(),
        )
        .flatten();
    let limit_per_ip = checks
        .take(
            update
                .signup_limit_per_ip
                .map(|limit| validate_limit("signup_limit_per_ip", limit))
                .transpose(),
        )
        .flatten();
    let limit_per_calling_code = checks
        .take(
            update
                .signup_limit_per_calling_code
                .map(|limit| validate_limit("signup_limit_per_calling_code", limit))
                .transpose(),
        )
        .flatten();
    let allowed_countries = checks
        .take(
            update
                .allowed_countries
                .map(|countries| countries.map(validate_countries).transpose())
                .transpose(),
        )
        .flatten();
    if let Some(seconds) = update.hold_seconds {
        if !(0..=MAX_HOLD_SECONDS).contains(&seconds) {
            checks.take::<()>(Err(Error::invalid(
                "hold_seconds",
                format!(
                    "Hold window of {seconds} seconds is out of range; give 0 to {MAX_HOLD_SECONDS} seconds (0 sends follow-ups at once)."
                ),
            )));
        }
    }
    let quiet_hours = checks
        .take(
            update
                .quiet_hours
                .map(|hours| hours.as_ref().map(QuietHours::parse).transpose())
                .transpose(),
        )
        .flatten();
    checks.finish()?;

    let mut tx = kodo.pool.begin().await?;
    sqlx::query(
        "UPDATE settings SET \
           page_name = COALESCE($1, page_name), \
           sms_enabled = COALESCE($2, sms_enabled), \
           twilio_account_sid = CASE WHEN $3 THEN $4 ELSE twilio_account_sid END, \
           twilio_auth_token = CASE WHEN $5 THEN $6 ELSE twilio_auth_token END, \
           twilio_from = CASE WHEN $7 THEN $8 ELSE twilio_from END, \
           consent_text = COALESCE($9, consent_text), \
           signup_limit_per_ip = COALESCE($10, signup_limit_per_ip), \
           signup_limit_per_calling_code = COALESCE($11, signup_limit_per_calling_code), \
           allowed_countries = CASE WHEN $12 THEN $13 ELSE allowed_countries END, \
           replace_typographic = COALESCE($14, replace_typographic), \
           hold_seconds = COALESCE($15, hold_seconds), \
           quiet_hours_start = CASE WHEN $16 THEN $17 ELSE quiet_hours_start END, \
           quiet_hours_end = CASE WHEN $16 THEN $18 ELSE quiet_hours_end END, \
           segments_per_second = COALESCE($19, segments_per_second), \
           max_attempts = COALESCE($20, max_attempts), \
           updated_at = now()",
    )
    .bind(page_name)
    .bind(update.enabled)
    .bind(account_sid.is_some())
    .bind(account_sid.flatten())
    .bind(auth_token.is_some())
    .bind(auth_token.flatten())
    .bind(from.is_some())
    .bind(from.flatten())
    .bind(consent_text)
    .bind(limit_per_ip)
    .bind(limit_per_calling_code)
    .bind(allowed_countries.is_some())
    .bind(allowed_countries.flatten())
    .bind(update.replace_typographic)
    .bind(update.hold_seconds)
    .bind(quiet_hours.is_some())
    .bind(quiet_hours.flatten().map(|hours| hours.start))
    .bind(quiet_hours.flatten().map(|hours| hours.end))
    .bind(segments_per_second)
    .bind(max_attempts)
    .execute(&mut *tx)
    .await?;
    if let Some(template) = verification {
        templates::store(&mut tx, TemplateKind::Verification, template.source()).await?;
    }
    if let Some(Some(hours)) = quiet_hours {
        retime_quiet_hours(&mut tx, hours, kodo.clock.now()).await?;
    }
    if matches!(quiet_hours, Some(None)) {
        release_quiet_hours(&mut tx, kodo.clock.now()).await?;
    }
    tx.commit().await?;
    tracing::info!("SMS settings updated");
    // Saving is how an admin reports a Twilio problem fixed, so paused
    // senders and blocked countries get another try.
    dispatch_control::resume(&kodo.pool).await?;
    get(&kodo.pool).await
}

/// Most attempts an admin may allow; beyond it backoff delays exceed a day.
const MAX_ATTEMPTS_LIMIT: i32 = 20;

const PAGE_NAME: TextField = TextField {
    field: "page_name",
    label: "Page name",
    max_chars: 80,
    lines: Lines::One,
    missing_fix: "enter the name subscribers know the page by",
};
const CONSENT_TEXT: TextField = TextField {
    field: "consent_text",
    label: "Consent text",
    max_chars: 1000,
    lines: Lines::Many,
    missing_fix: "enter the words visitors agree to when they subscribe",
};

fn validate_rate(rate: f64) -> Result<f64> {
    if rate.is_finite() && rate > 0.0 {
        Ok(rate)
    } else {
        Err(Error::invalid(
            "segments_per_second",
            "segments_per_second must be a number greater than 0, such as 1 for a long code \
             or 3 for a toll-free number; use your Twilio sender's rate.",
        ))
    }
}

fn validate_max_attempts(attempts: i32) -> Result<i32> {
    if (1..=MAX_ATTEMPTS_LIMIT).contains(&attempts) {
        Ok(attempts)
    } else {
        Err(Error::invalid(
            "max_attempts",
            format!("max_attempts must be between 1 and {MAX_ATTEMPTS_LIMIT}; the default is 5."),
        ))
    }
}

/// The largest sign-up limit accepted; a higher one would not limit.
const MAX_SIGNUP_LIMIT: i32 = 100_000;

fn validate_limit(field: &str, limit: i32) -> Result<i32> {
    if (1..=MAX_SIGNUP_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(Error::invalid(
            field,
            format!("{field} must be a whole number from 1 to {MAX_SIGNUP_LIMIT}; {limit} is not."),
        ))
    }
}

/// Makes the messages that wait for quiet hours due at once, after quiet hours
/// are turned off. A message held beyond the hold window can only be waiting
/// for quiet hours, so one within its hold window keeps waiting.
async fn release_quiet_hours(tx: &mut sqlx::PgConnection, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
    let released = sqlx::query(
        "UPDATE messages SET next_attempt_at = $1 \
         WHERE status = 'held' \
           AND next_attempt_at > $1 + make_interval(secs => (SELECT hold_seconds FROM settings))",
    )
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tracing::info!(messages.released = released, "quiet hours turned off");
    Ok(())
}

/// Moves the messages that wait for quiet hours to the end of the new quiet
/// hours in each subscriber's zone, or to `now` when their zone is outside
/// them, after the quiet hours change. As in [`release_quiet_hours`], only
/// messages held beyond the hold window are waiting for quiet hours.
async fn retime_quiet_hours(
    tx: &mut sqlx::PgConnection,
    hours: QuietHours,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    const WAITING: &str = "m.status = 'held' \
         AND m.next_attempt_at > $1 + make_interval(secs => (SELECT hold_seconds FROM settings))";
    let zones: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT DISTINCT s.time_zone FROM messages m JOIN subscribers s ON s.id = m.subscriber_id WHERE {WAITING}"
    ))
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    let due: Vec<chrono::DateTime<chrono::Utc>> = zones
        .iter()
        .map(|zone| hours.release_at(now, crate::timing::stored_time_zone(zone)))
        .collect();
    let retimed = sqlx::query(&format!(
        "UPDATE messages m SET next_attempt_at = z.due, updated_at = now() \
         FROM subscribers s, unnest($2::text[], $3::timestamptz[]) AS z(time_zone, due) \
         WHERE s.id = m.subscriber_id AND z.time_zone = s.time_zone AND {WAITING}"
    ))
    .bind(now)
    .bind(&zones)
    .bind(&due)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tracing::info!(messages.retimed = retimed, "quiet hours changed");
    Ok(())
}

/// Normalizes region codes to upper case, sorted and without repeats, and
/// rejects any code that names no region in the phone number metadata.
fn validate_countries(countries: Vec<String>) -> Result<Vec<String>> {
    if countries.is_empty() {
        return Err(Error::invalid(
            "allowed_countries",
            "allowed_countries is empty, which would reject every number; \
             send null to accept every country.",
        ));
    }
    let known_regions = kodo_domain::phone::country_calling_codes();
    let mut codes = Vec::with_capacity(countries.len());
    for country in countries {
        let code = country.trim().to_ascii_uppercase();
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(Error::invalid(
                "allowed_countries",
                format!(
                    "{country:?} is not an ISO 3166-1 alpha-2 region code; \
                     use two letters such as \"US\" or \"GB\"."
                ),
            ));
        }
        if !known_regions.iter().any(|(region, _)| *region == code) {
            return Err(Error::invalid(
                "allowed_countries",
                format!(
                    "{country:?} is not a region that has phone numbers; \
                     use an ISO 3166-1 alpha-2 code such as \"US\" or \"GB\"."
                ),
            ));
        }
        codes.push(code);
    }
    codes.sort();
    codes.dedup();
    Ok(codes)
}

/// An empty value clears the field, so `Some(None)` means "clear".
fn validate_account_sid(sid: &str) -> Result<Option<String>> {
    let sid = sid.trim();
    if sid.is_empty() {
        return Ok(None);
    }
    if is_sid(sid, "AC") {
        Ok(Some(sid.to_owned()))
    } else {
        Err(Error::invalid(
            "account_sid",
            "Account SID is invalid: it starts with AC followed by 32 hexadecimal characters. \
             Copy it from the Twilio console.",
        ))
    }
}

fn validate_auth_token(token: &str) -> Result<Option<String>> {
    let token = token.trim();
    if token.is_empty() {
        return Ok(None);
    }
    if token.len() == 32 && token.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(Some(token.to_owned()))
    } else {
        Err(Error::invalid(
            "auth_token",
            "Auth Token is invalid: it is 32 hexadecimal characters. Copy it from the Twilio console.",
        ))
    }
}

/// A sender is a phone number in E.164 form or a Messaging Service SID.
fn validate_sender(from: &str) -> Result<Option<String>> {
    let from: String = from.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    if from.is_empty() {
        return Ok(None);
    }
    let digits = from.strip_prefix('+').unwrap_or("");
    let is_e164 = (8..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0');
    if is_e164 || is_sid(&from, "MG") {
        Ok(Some(from))
    } else {
        Err(Error::invalid(
            "from",
            "From number is invalid: enter your Twilio number with its country code, \
             such as +15005550006, or a Messaging Service SID starting with MG.",
        ))
    }
}

fn is_sid(value: &str, prefix: &str) -> bool {
    value.len() == 34
        && value.starts_with(prefix)
        && value[2..].chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_sid_needs_ac_prefix() {
        assert!(validate_account_sid("AC0123456789abcdef0123456789abcdef").is_ok());
        assert!(validate_account_sid("XX0123456789abcdef0123456789abcdef").is_err());
        assert!(validate_account_sid("AC123").is_err());
    }

    #[test]
    fn empty_value_clears_field() {
        assert_eq!(validate_account_sid("  ").unwrap(), None);
        assert_eq!(validate_auth_token("").unwrap(), None);
        assert_eq!(validate_sender("").unwrap(), None);
    }

    #[test]
    fn countries_are_normalized() {
        let codes = validate_countries(vec!["us".into(), " GB".into(), "US".into()]).unwrap();
        assert_eq!(codes, vec!["GB".to_owned(), "US".to_owned()]);
    }

    #[test]
    fn countries_reject_bad_codes() {
        assert!(validate_countries(vec!["USA".into()]).is_err());
        assert!(validate_countries(vec!["1A".into()]).is_err());
        assert!(validate_countries(vec!["XX".into()]).is_err());
        assert!(validate_countries(vec!["US".into(), "ZZ".into()]).is_err());
        assert!(validate_countries(Vec::new()).is_err());
    }

    #[test]
    fn limits_must_be_positive() {
        assert!(validate_limit("signup_limit_per_ip", 0).is_err());
        assert!(validate_limit("signup_limit_per_ip", 1).is_ok());
        assert!(validate_limit("signup_limit_per_ip", MAX_SIGNUP_LIMIT + 1).is_err());
    }

    #[test]
    fn rate_must_be_positive_and_finite() {
        assert_eq!(validate_rate(0.5).unwrap(), 0.5);
        assert_eq!(validate_rate(1_000_000.0).unwrap(), 1_000_000.0);
        assert!(validate_rate(0.0).is_err());
        assert!(validate_rate(-1.0).is_err());
        assert!(validate_rate(f64::NAN).is_err());
        assert!(validate_rate(f64::INFINITY).is_err());
    }

    #[test]
    fn max_attempts_has_bounds() {
        assert_eq!(validate_max_attempts(1).unwrap(), 1);
        assert!(validate_max_attempts(0).is_err());
        assert!(validate_max_attempts(21).is_err());
    }

    #[test]
    fn sender_accepts_number_or_service() {
        assert_eq!(
            validate_sender("+1 500 555 0006").unwrap(),
            Some("+15005550006".to_owned())
        );
        assert!(validate_sender("MG0123456789abcdef0123456789abcdef").is_ok());
        assert!(validate_sender("15005550006").is_err());
    }
}
