//! Page-wide SMS settings: whether sign-up is open, the Twilio account
//! and the texts shown to subscribers.

use kodo_domain::template::TemplateKind;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::{dispatch_control, templates, Error, Kodo, Result};

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
    /// Send rate per sender (From number or Messaging Service SID), in SMS
    /// segments per second.
    pub segments_per_second: f64,
    /// Send attempts before a message fails for good.
    pub max_attempts: i32,
}

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
    pub segments_per_second: Option<f64>,
    pub max_attempts: Option<i32>,
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
    segments_per_second: f64,
    max_attempts: i32,
}

async fn fetch_row(pool: &PgPool) -> Result<SettingsRow> {
    let row = sqlx::query_as::<_, SettingsRow>(
        "SELECT page_name, sms_enabled, twilio_account_sid, twilio_auth_token, \
         twilio_from, consent_text, segments_per_second, max_attempts FROM settings",
    )
    .fetch_one(pool)
    .await?;
    Ok(row)
}

pub async fn get(pool: &PgPool) -> Result<SmsSettings> {
    let row = fetch_row(pool).await?;
    let verification = templates::get(pool, TemplateKind::Verification).await?;
    Ok(SmsSettings {
        page_name: row.page_name,
        enabled: row.sms_enabled,
        account_sid: row.twilio_account_sid,
        auth_token_set: row.twilio_auth_token.is_some(),
        from: row.twilio_from,
        consent_text: row.consent_text,
        verification_template: verification.source().to_owned(),
        segments_per_second: row.segments_per_second,
        max_attempts: row.max_attempts,
    })
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

/// Validates and applies an update; every field is checked before any is
/// written.
pub async fn update(kodo: &Kodo, update: SmsSettingsUpdate) -> Result<SmsSettings> {
    let page_name = update
        .page_name
        .map(|name| validate_text("page_name", &name, 80))
        .transpose()?;
    let consent_text = update
        .consent_text
        .map(|text| validate_text("consent_text", &text, 1000))
        .transpose()?;
    let account_sid = update.account_sid.map(|sid| validate_account_sid(&sid)).transpose()?;
    let auth_token = update.auth_token.map(|token| validate_auth_token(&token)).transpose()?;
    let from = update.from.map(|from| validate_sender(&from)).transpose()?;
    let segments_per_second = update.segments_per_second.map(validate_rate).transpose()?;
    let max_attempts = update.max_attempts.map(validate_max_attempts).transpose()?;
    let verification = update
        .verification_template
        .map(|source| templates::parse("verification_template", TemplateKind::Verification, &source))
        .transpose()?;

    let mut tx = kodo.pool.begin().await?;
    sqlx::query(
        "UPDATE settings SET \
           page_name = COALESCE($1, page_name), \
           sms_enabled = COALESCE($2, sms_enabled), \
           twilio_account_sid = CASE WHEN $3 THEN $4 ELSE twilio_account_sid END, \
           twilio_auth_token = CASE WHEN $5 THEN $6 ELSE twilio_auth_token END, \
           twilio_from = CASE WHEN $7 THEN $8 ELSE twilio_from END, \
           consent_text = COALESCE($9, consent_text), \
           segments_per_second = COALESCE($10, segments_per_second), \
           max_attempts = COALESCE($11, max_attempts), \
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
    .bind(segments_per_second)
    .bind(max_attempts)
    .execute(&mut *tx)
    .await?;
    if let Some(template) = verification {
        templates::store(&mut tx, TemplateKind::Verification, template.source()).await?;
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

fn validate_text(field: &str, text: &str, max_chars: usize) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid(field, format!("{field} is empty; enter some text.")));
    }
    if text.chars().count() > max_chars {
        return Err(Error::invalid(
            field,
            format!("{field} is longer than {max_chars} characters; shorten it."),
        ));
    }
    Ok(text.to_owned())
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
