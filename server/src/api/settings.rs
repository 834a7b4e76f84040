use axum::extract::State;
use axum::Json;
use kodo_core::settings::{self, SmsSettings, SmsSettingsUpdate};
use kodo_core::timing::QuietHoursText;
use serde::{Deserialize, Deserializer};

use super::{ApiAuth, ApiError, ApiJson};
use crate::state::AppState;

/// `PUT /api/v1/settings/sms`: omitted fields keep their values; `null` or
/// `""` clears a Twilio field, which switches sending back to the outbox.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    enabled: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    account_sid: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    auth_token: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    from: Option<Option<String>>,
    verification_template: Option<String>,
    page_name: Option<String>,
    consent_text: Option<String>,
    signup_limit_per_ip: Option<i32>,
    signup_limit_per_calling_code: Option<i32>,
    /// `null` accepts every country again.
    #[serde(default, deserialize_with = "present")]
    allowed_countries: Option<Option<Vec<String>>>,
    replace_typographic: Option<bool>,
    hold_seconds: Option<i32>,
    /// `null` turns quiet hours off.
    #[serde(default, deserialize_with = "present")]
    quiet_hours: Option<Option<QuietHoursText>>,
    segments_per_second: Option<f64>,
    max_attempts: Option<i32>,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

pub async fn show(_: ApiAuth, State(state): State<AppState>) -> Result<Json<SmsSettings>, ApiError> {
    Ok(Json(settings::get(&state.kodo.pool).await?))
}

pub async fn update(
    ApiAuth(token): ApiAuth,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SettingsBody>,
) -> Result<Json<SmsSettings>, ApiError> {
    let clear_or = |value: Option<Option<String>>| value.map(Option::unwrap_or_default);
    let update = SmsSettingsUpdate {
        page_name: body.page_name,
        enabled: body.enabled,
        account_sid: clear_or(body.account_sid),
        auth_token: clear_or(body.auth_token),
        from: clear_or(body.from),
        consent_text: body.consent_text,
        verification_template: body.verification_template,
        signup_limit_per_ip: body.signup_limit_per_ip,
        signup_limit_per_calling_code: body.signup_limit_per_calling_code,
        allowed_countries: body.allowed_countries,
        replace_typographic: body.replace_typographic,
        hold_seconds: body.hold_seconds,
        quiet_hours: body.quiet_hours,
        segments_per_second: body.segments_per_second,
        max_attempts: body.max_attempts,
    };
    let saved = settings::update(&state.kodo, update).await?;
    tracing::info!(token.id = token.id, "SMS settings changed through the API");
    Ok(Json(saved))
}
