//! Admin: SMS settings, message timing and the Twilio account. The auth
//! token is write-only: the page shows only whether one is saved.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use super::{action_failure, ActionError, FieldError};
use crate::error::FieldMessage;
use crate::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsView {
    pub page_name: String,
    pub enabled: bool,
    pub account_sid: String,
    pub auth_token_set: bool,
    pub from: String,
    pub consent_text: String,
    pub verification_template: String,
    pub timing: TimingFields,
}

/// The message-timing settings as the form edits them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimingFields {
    /// Seconds a follow-up update waits to go out with the next one, as
    /// typed; the server parses it.
    pub hold_seconds: String,
    pub quiet_hours: bool,
    /// Start and end of the quiet hours as `HH:MM`, used when `quiet_hours`
    /// is on.
    pub quiet_start: String,
    pub quiet_end: String,
    pub replace_typographic: bool,
}

/// A settings change; an empty auth token keeps the saved one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsInput {
    pub page_name: String,
    pub enabled: bool,
    pub account_sid: String,
    pub auth_token: String,
    pub from: String,
    pub consent_text: String,
    pub verification_template: String,
    pub timing: TimingFields,
}

/// The fields whose errors show beside their inputs, not above the buttons.
const INLINE_FIELDS: [&str; 3] = ["hold_seconds", "quiet_hours.start", "quiet_hours.end"];

#[cfg(feature = "ssr")]
mod ssr {
    use kodo_core::settings::{SmsSettings, SmsSettingsUpdate, MAX_HOLD_SECONDS};
    use kodo_core::timing::QuietHoursText;

    use super::TimingFields;
    use crate::AppError;

    /// Quiet hours shown when they are off, as a suggestion.
    const SUGGESTED_QUIET_HOURS: (&str, &str) = ("22:00", "08:00");

    pub fn timing_fields(settings: &SmsSettings) -> TimingFields {
        let (start, end) = match &settings.quiet_hours {
            Some(hours) => (hours.start.clone(), hours.end.clone()),
            None => (SUGGESTED_QUIET_HOURS.0.to_owned(), SUGGESTED_QUIET_HOURS.1.to_owned()),
        };
        TimingFields {
            hold_seconds: settings.hold_seconds.to_string(),
            quiet_hours: settings.quiet_hours.is_some(),
            quiet_start: start,
            quiet_end: end,
            replace_typographic: settings.replace_typographic,
        }
    }

    /// Adds the timing fields to `update`; the core checks their ranges.
    pub fn apply_timing(fields: TimingFields, update: &mut SmsSettingsUpdate) -> Result<(), AppError> {
        let hold_seconds = fields.hold_seconds.trim().parse::<i32>().map_err(|_| {
            AppError::for_field(
                "hold_seconds",
                format!(
                    "Hold window {:?} is not a whole number; give 0 to {MAX_HOLD_SECONDS} seconds (0 sends follow-ups at once).",
                    fields.hold_seconds
                ),
            )
        })?;
        update.hold_seconds = Some(hold_seconds);
        let hours = QuietHoursText {
            start: fields.quiet_start,
            end: fields.quiet_end,
        };
        update.quiet_hours = Some(fields.quiet_hours.then_some(hours));
        update.replace_typographic = Some(fields.replace_typographic);
        Ok(())
    }
}

#[server]
pub async fn load_settings() -> Result<SettingsView, AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let settings = kodo_core::settings::get(&kodo.pool).await?;
    let timing = ssr::timing_fields(&settings);
    Ok(SettingsView {
        page_name: settings.page_name,
        enabled: settings.enabled,
        account_sid: settings.account_sid.unwrap_or_default(),
        auth_token_set: settings.auth_token_set,
        from: settings.from.unwrap_or_default(),
        timing,
        consent_text: settings.consent_text,
        verification_template: settings.verification_template,
    })
}

#[server(input = Json)]
pub async fn save_settings(input: SettingsInput) -> Result<(), AppError> {
    let admin = super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let auth_token = (!input.auth_token.trim().is_empty()).then_some(input.auth_token);
    let mut update = kodo_core::settings::SmsSettingsUpdate {
        page_name: Some(input.page_name),
        enabled: Some(input.enabled),
        account_sid: Some(input.account_sid),
        auth_token,
        from: Some(input.from),
        consent_text: Some(input.consent_text),
        verification_template: Some(input.verification_template),
        ..Default::default()
    };
    ssr::apply_timing(input.timing, &mut update)?;
    kodo_core::settings::update(&kodo, update).await?;
    tracing::info!(admin.id = admin.id, "settings saved");
    Ok(())
}

/// Removes the Twilio account, which sends messages to the outbox again.
#[server]
pub async fn disconnect_twilio() -> Result<(), AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let clear = Some(String::new());
    kodo_core::settings::update(
        &kodo,
        kodo_core::settings::SmsSettingsUpdate {
            account_sid: clear.clone(),
            auth_token: clear.clone(),
            from: clear,
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let save = ServerAction::<SaveSettings>::new();
    let disconnect = ServerAction::<DisconnectTwilio>::new();
    // The form reloads what was stored after a successful save, and keeps
    // what the admin typed after a rejected one so they can correct it.
    let last_success = StoredValue::new(0);
    let settings = Resource::new(
        move || {
            if matches!(save.value().get(), Some(Ok(()))) {
                last_success.set_value(save.version().get_untracked());
            }
            (last_success.get_value(), disconnect.version().get())
        },
        |_| load_settings(),
    );
    view! {
        <h1>"Settings"</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(current) => view! { <SettingsForm current save disconnect /> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
        <super::allowed_countries::AllowedCountriesForm />
    }
}

#[component]
fn SettingsForm(
    current: SettingsView,
    save: ServerAction<SaveSettings>,
    disconnect: ServerAction<DisconnectTwilio>,
) -> impl IntoView {
    let page_name = RwSignal::new(current.page_name.clone());
    let enabled = RwSignal::new(current.enabled);
    let account_sid = RwSignal::new(current.account_sid.clone());
    let auth_token = RwSignal::new(String::new());
    let from = RwSignal::new(current.from.clone());
    let consent_text = RwSignal::new(current.consent_text.clone());
    let template = RwSignal::new(current.verification_template.clone());
    let timing = TimingSignals::new(&current.timing);
    let connected = current.auth_token_set && !current.account_sid.is_empty() && !current.from.is_empty();
    let token_placeholder = if current.auth_token_set { "Saved; leave empty to keep it" } else { "Not set" };
    let saved = Signal::derive(move || matches!(save.value().get(), Some(Ok(()))));
    let hydrated = crate::use_hydrated();

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        save.dispatch(SaveSettings {
            input: SettingsInput {
                page_name: page_name.get_untracked(),
                enabled: enabled.get_untracked(),
                account_sid: account_sid.get_untracked(),
                auth_token: auth_token.get_untracked(),
                from: from.get_untracked(),
                consent_text: consent_text.get_untracked(),
                verification_template: template.get_untracked(),
                timing: timing.fields(),
            },
        });
    };
    let error = action_failure(save);
    let other_error = Signal::derive(move || {
        let error = error.get()?;
        let mut listed = error.errors;
        if listed.is_empty() {
            listed.push(FieldMessage { field: error.field.unwrap_or_default(), message: error.message });
        }
        let messages: Vec<String> = listed
            .into_iter()
            .filter(|each| !INLINE_FIELDS.contains(&each.field.as_str()))
            .map(|each| each.message)
            .collect();
        (!messages.is_empty()).then(|| messages.join(" "))
    });

    view! {
        <form class="form card" on:submit=submit novalidate data-hydrated=hydrated>
            <h2>"Subscribers"</h2>
            <label class="checkbox">
                <input
                    type="checkbox"
                    data-test="settings-enabled"
                    prop:checked=enabled
                    on:change=move |event| enabled.set(event_target_checked(&event))
                />
                <span>"Let visitors subscribe to SMS updates (shows the widget on the status page)"</span>
            </label>
            <TextField label="Page name" id="settings-page-name" value=page_name />
            <label for="settings-consent">"Consent text shown beside the checkbox"</label>
            <textarea id="settings-consent" rows="3" prop:value=consent_text on:input=move |event| consent_text.set(event_target_value(&event))></textarea>
            <label for="settings-template">"Verification message"</label>
            <textarea id="settings-template" rows="2" data-test="settings-template" prop:value=template on:input=move |event| template.set(event_target_value(&event))></textarea>
            <p class="muted">
                "Variables: {{page}}, {{url}} and {{code}}; {{code}} is required. "
                <a href="/admin/templates#template-verification">"Edit it with a preview"</a>
            </p>

            <TimingSection timing error />

            <h2>"Twilio"</h2>
            <p class="muted">
                {if connected {
                    "Connected: messages are sent through Twilio."
                } else {
                    "Not connected: messages go to the development outbox."
                }}
            </p>
            <TextField label="Account SID" id="settings-account-sid" value=account_sid />
            <label for="settings-auth-token">"Auth Token"</label>
            <input
                id="settings-auth-token"
                type="password"
                autocomplete="off"
                placeholder=token_placeholder
                data-test="settings-auth-token"
                prop:value=auth_token
                on:input=move |event| auth_token.set(event_target_value(&event))
            />
            <TextField label="From number or Messaging Service SID" id="settings-from" value=from />
            <ActionError error=other_error test="settings-error" />
            <p class="success" role="status" hidden=move || !saved.get()>"Saved."</p>
            <div class="actions">
                <button type="submit" class="button primary" data-test="settings-save">"Save settings"</button>
                <Show when=move || connected>
                    <button type="button" class="button danger" on:click=move |_| {
                        disconnect.dispatch(DisconnectTwilio {});
                    }>"Disconnect Twilio"</button>
                </Show>
            </div>
        </form>
    }
}

/// The message-timing fields, one signal each.
#[derive(Clone, Copy)]
struct TimingSignals {
    hold_seconds: RwSignal<String>,
    quiet_hours: RwSignal<bool>,
    quiet_start: RwSignal<String>,
    quiet_end: RwSignal<String>,
    replace_typographic: RwSignal<bool>,
}

impl TimingSignals {
    fn new(fields: &TimingFields) -> Self {
        TimingSignals {
            hold_seconds: RwSignal::new(fields.hold_seconds.clone()),
            quiet_hours: RwSignal::new(fields.quiet_hours),
            quiet_start: RwSignal::new(fields.quiet_start.clone()),
            quiet_end: RwSignal::new(fields.quiet_end.clone()),
            replace_typographic: RwSignal::new(fields.replace_typographic),
        }
    }

    fn fields(self) -> TimingFields {
        TimingFields {
            hold_seconds: self.hold_seconds.get_untracked(),
            quiet_hours: self.quiet_hours.get_untracked(),
            quiet_start: self.quiet_start.get_untracked(),
            quiet_end: self.quiet_end.get_untracked(),
            replace_typographic: self.replace_typographic.get_untracked(),
        }
    }
}

/// When messages go out: the hold window, quiet hours and typographic
/// replacement.
#[component]
fn TimingSection(timing: TimingSignals, error: Signal<Option<crate::AppError>>) -> impl IntoView {
    let invalid = move |field: &'static str| move || super::message_for(error.get(), field).is_some().to_string();
    view! {
        <h2>"Message timing"</h2>
        <label for="settings-hold-seconds">"Hold window for incident updates, in seconds"</label>
        <input
            id="settings-hold-seconds"
            type="number"
            inputmode="numeric"
            min="0"
            max="3600"
            step="1"
            data-test="settings-hold-seconds"
            aria-describedby="settings-hold-seconds-help settings-hold-seconds-error"
            aria-invalid=invalid("hold_seconds")
            prop:value=timing.hold_seconds
            on:input=move |event| timing.hold_seconds.set(event_target_value(&event))
        />
        <p id="settings-hold-seconds-help" class="muted">
            "A follow-up update of a non-critical incident waits this long, so a burst of updates goes out as one message. 0 sends each at once; at most 3600."
        </p>
        <FieldError error field="hold_seconds" id="settings-hold-seconds-error" />
        <fieldset class="quiet-hours">
            <legend>"Quiet hours"</legend>
            <label class="checkbox">
                <input
                    type="checkbox"
                    data-test="settings-quiet-hours"
                    aria-describedby="settings-quiet-help"
                    prop:checked=timing.quiet_hours
                    on:change=move |event| timing.quiet_hours.set(event_target_checked(&event))
                />
                <span>"Hold non-critical messages during quiet hours"</span>
            </label>
            <p id="settings-quiet-help" class="muted">
                "In each subscriber's local time. Critical incidents are sent at any hour."
            </p>
            <div class="columns">
                <TimeField label="From" id="settings-quiet-start" field="quiet_hours.start" value=timing.quiet_start enabled=timing.quiet_hours error />
                <TimeField label="Until" id="settings-quiet-end" field="quiet_hours.end" value=timing.quiet_end enabled=timing.quiet_hours error />
            </div>
        </fieldset>
        <label class="checkbox">
            <input
                type="checkbox"
                data-test="settings-replace-typographic"
                aria-describedby="settings-replace-help"
                prop:checked=timing.replace_typographic
                on:change=move |event| timing.replace_typographic.set(event_target_checked(&event))
            />
            <span>"Replace typographic characters"</span>
        </label>
        <p id="settings-replace-help" class="muted">
            "Curly quotes, dashes and “…” become ' \" - and ..., so one of them does not switch a message to UCS-2, which fits 70 characters per segment instead of 160."
        </p>
    }
}

/// A time input of the quiet hours, with its label and its error.
#[component]
fn TimeField(
    label: &'static str,
    id: &'static str,
    field: &'static str,
    value: RwSignal<String>,
    enabled: RwSignal<bool>,
    error: Signal<Option<crate::AppError>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div>
            <label for=id>{label}</label>
            <input
                id=id
                type="time"
                data-test=id
                disabled=move || !enabled.get()
                aria-describedby=error_id.clone()
                aria-invalid=move || super::message_for(error.get(), field).is_some().to_string()
                prop:value=value
                on:input=move |event| value.set(event_target_value(&event))
            />
            <FieldError error field id=error_id />
        </div>
    }
}

#[component]
fn TextField(label: &'static str, id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input id=id data-test=id prop:value=value on:input=move |event| value.set(event_target_value(&event)) />
    }
}

/// The settings page as a lazy route: its code is a separate WASM chunk that the
/// browser fetches on the first visit, so the public page loads less.
pub struct SettingsRoute;

#[lazy_route]
impl LazyRoute for SettingsRoute {
    fn data() -> Self {
        SettingsRoute
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <SettingsPage /> }.into_any()
    }
}
