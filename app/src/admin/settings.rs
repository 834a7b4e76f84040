//! Admin: SMS settings and the Twilio account. The auth token is
//! write-only: the page shows only whether one is saved.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use super::{action_error, ActionError};
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
}

#[server]
pub async fn load_settings() -> Result<SettingsView, AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let settings = kodo_core::settings::get(&kodo.pool).await?;
    Ok(SettingsView {
        page_name: settings.page_name,
        enabled: settings.enabled,
        account_sid: settings.account_sid.unwrap_or_default(),
        auth_token_set: settings.auth_token_set,
        from: settings.from.unwrap_or_default(),
        consent_text: settings.consent_text,
        verification_template: settings.verification_template,
    })
}

#[server(input = Json)]
pub async fn save_settings(input: SettingsInput) -> Result<(), AppError> {
    let admin = super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let auth_token = (!input.auth_token.trim().is_empty()).then_some(input.auth_token);
    kodo_core::settings::update(
        &kodo,
        kodo_core::settings::SmsSettingsUpdate {
            page_name: Some(input.page_name),
            enabled: Some(input.enabled),
            account_sid: Some(input.account_sid),
            auth_token,
            from: Some(input.from),
            consent_text: Some(input.consent_text),
            verification_template: Some(input.verification_template),
            ..Default::default()
        },
    )
    .await?;
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
    let settings = Resource::new(
        move || (save.version().get(), disconnect.version().get()),
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
            },
        });
    };

    view! {
        <form class="form card" on:submit=submit data-hydrated=hydrated>
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
            <p class="muted">"Variables: {{page}} and {{code}}; {{code}} is required."</p>

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
            <ActionError error=action_error(save) test="settings-error" />
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
