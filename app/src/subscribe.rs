//! The subscribe widget: a phone number, preferences and time zone, then
//! the texted code. It needs JavaScript, and without it the page shows a
//! note instead.

use kodo_domain::preferences::Preferences;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::model::ServiceView;
use crate::phone_check::PhoneCheck;
use crate::phone_field::PhoneField;
use crate::preferences_picker::{PreferenceFields, PreferencesPicker};
use crate::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignUpInput {
    pub phone: String,
    pub preferences: Preferences,
    /// Whether the visitor ticked the consent box.
    pub consent: bool,
    /// IANA time zone name; when missing or empty the server guesses it
    /// from the number's country.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// Starts a sign-up from the widget and returns the sign-up id. The fixed
/// endpoint, `/api/start_sign_up`, lets tests call it over HTTP.
#[server(input = Json, endpoint = "start_sign_up")]
pub async fn start_sign_up(input: SignUpInput) -> Result<String, AppError> {
    use kodo_core::consent::Method;
    use kodo_core::subscribers::{self, SignUp};
    use kodo_domain::phone::PhoneNumber;

    let kodo = crate::error::kodo()?;
    let phone = PhoneNumber::parse(&input.phone)
        .map_err(|error| AppError::for_field("phone", error.to_string()))?;
    if !input.consent {
        return Err(AppError::for_field(
            "consent",
            "Tick the consent box to agree to receive texts.",
        ));
    }
    let settings = kodo_core::settings::get(&kodo.pool).await?;
    let client_ip = crate::request::client_ip().await;
    let user_agent = crate::request::user_agent().await;
    let result = subscribers::sign_up(
        &kodo,
        SignUp {
            phone,
            preferences: input.preferences,
            consent_text: settings.consent_text,
            method: Method::Web,
            client_ip,
            user_agent,
            time_zone: input.time_zone.filter(|zone| !zone.trim().is_empty()),
        },
    )
    .await;
    crate::request::report_too_many_requests(&result);
    Ok(result?)
}

/// Confirms a sign-up with the texted code.
#[server]
pub async fn confirm_sign_up(signup_id: String, code: String) -> Result<(), AppError> {
    let kodo = crate::error::kodo()?;
    kodo_core::subscribers::verify(&kodo, &signup_id, &code).await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Details,
    Code { signup_id: String, phone: String },
    Done,
}

/// The subscribe widget: details, then the code, then a confirmation.
#[component]
pub fn SubscribeWidget(
    services: Vec<ServiceView>,
    consent_text: String,
    sender: Option<String>,
    /// ISO 3166-1 alpha-2 codes, or `None` when every country may subscribe.
    allowed_countries: Option<Vec<String>>,
) -> impl IntoView {
    let step = RwSignal::new(Step::Details);
    let hydrated = crate::use_hydrated();

    view! {
        <section
            class="card subscribe"
            aria-labelledby="subscribe-heading"
            data-test="subscribe-form"
            data-hydrated=hydrated
        >
            <h2 id="subscribe-heading">"Get updates by text message"</h2>
            <noscript>
                <p class="muted">"Subscribing needs JavaScript. Turn it on to sign up here."</p>
            </noscript>
            {move || match step.get() {
                Step::Details => {
                    view! {
                        <DetailsForm
                            services=services.clone()
                            consent_text=consent_text.clone()
                            allowed_countries=allowed_countries.clone()
                            step
                        />
                    }
                        .into_any()
                }
                Step::Code { signup_id, phone } => {
                    view! { <CodeForm signup_id phone step sender=sender.clone() /> }.into_any()
                }
                Step::Done => {
                    view! {
                        <p class="success" role="status" data-test="subscribe-done">
                            "You're subscribed. We'll text you when something happens. "
                            "Reply STOP at any time to unsubscribe."
                        </p>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

#[component]
fn DetailsForm(
    services: Vec<ServiceView>,
    consent_text: String,
    allowed_countries: Option<Vec<String>>,
    step: RwSignal<Step>,
) -> impl IntoView {
    let phone = RwSignal::new(String::new());
    let phone_check = RwSignal::new(None::<PhoneCheck>);
    let preferences = PreferenceFields::new(&Preferences::default());
    let time_zone = RwSignal::new(String::new());
    let consent = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let action = ServerAction::<StartSignUp>::new();

    Effect::new(move |_| {
        if let Some(result) = action.value().get() {
            match result {
                Ok(signup_id) => step.set(Step::Code {
                    signup_id,
                    phone: phone.get_untracked(),
                }),
                Err(failure) => error.set(Some(failure)),
            }
        }
    });

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        if phone.get_untracked().trim().is_empty() {
            error.set(Some(AppError::for_field(
                "phone",
                "Enter your mobile number with its country code, such as +1 415 555 2671.",
            )));
            return;
        }
        // The server checks again; this only spares a round trip.
        if let Some(PhoneCheck::Invalid { message, .. }) = phone_check.get_untracked() {
            error.set(Some(AppError::for_field("phone", message)));
            return;
        }
        if !consent.get_untracked() {
            error.set(Some(AppError::for_field(
                "consent",
                "Tick the consent box to agree to receive texts.",
            )));
            return;
        }
        action.dispatch(StartSignUp {
            input: SignUpInput {
                phone: phone.get_untracked(),
                preferences: preferences.value(),
                consent: true,
                time_zone: Some(time_zone.get_untracked()),
            },
        });
    };

    view! {
        // The inline handler keeps a submit before the page's code is there
        // from reloading the page and losing what was typed.
        <form class="form" on:submit=submit onsubmit="return false" novalidate>
            <PhoneField id="subscribe-phone" test="subscribe-phone" phone check=phone_check allowed=allowed_countries />
            <PreferencesPicker services fields=preferences />
            <TimeZoneField time_zone />
            <label class="checkbox consent">
                <input
                    type="checkbox"
                    data-test="subscribe-consent"
                    checked=consent
                    prop:checked=consent
                    on:change=move |event| consent.set(event_target_checked(&event))
                />
                <span data-test="subscribe-consent-text">{consent_text}</span>
            </label>
            <p id="subscribe-error" class="error" role="alert" data-test="subscribe-error" hidden=move || error.get().is_none()>
                {move || error.get().map(|error| error.message)}
            </p>
            <button type="submit" class="button primary" data-test="subscribe-submit" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Sending code…" } else { "Text me a code" }}
            </button>
        </form>
    }
}

/// The subscriber's time zone, filled in from the browser and editable.
#[component]
fn TimeZoneField(time_zone: RwSignal<String>) -> impl IntoView {
    Effect::new(move |_| {
        // A zone typed before the widget's code loaded (see
        // crate::subscribe_slot) is already in the field and stays.
        if !time_zone.get_untracked().is_empty() {
            return;
        }
        if let Some(detected) = crate::browser::time_zone() {
            time_zone.set(detected);
        }
    });
    view! {
        <label for="subscribe-time-zone">"Time zone"</label>
        <input
            id="subscribe-time-zone"
            type="text"
            autocomplete="off"
            spellcheck="false"
            placeholder="Europe/London"
            data-test="subscribe-time-zone"
            aria-describedby="subscribe-time-zone-hint"
            prop:value=time_zone
            on:input=move |event| time_zone.set(event_target_value(&event))
        />
        <p id="subscribe-time-zone-hint" class="muted hint">
            "Taken from your browser. Quiet hours and maintenance times use it; "
            "leave it empty to use your number's country."
        </p>
    }
}

#[component]
fn CodeForm(signup_id: String, phone: String, step: RwSignal<Step>, sender: Option<String>) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let action = ServerAction::<ConfirmSignUp>::new();

    Effect::new(move |_| {
        if let Some(result) = action.value().get() {
            match result {
                Ok(()) => step.set(Step::Done),
                Err(failure) => error.set(Some(failure.message)),
            }
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        action.dispatch(ConfirmSignUp {
            signup_id: signup_id.clone(),
            code: code.get_untracked(),
        });
    };

    view! {
        // The inline handler keeps a submit before the page's code is there
        // from reloading the page and losing what was typed.
        <form class="form" on:submit=submit onsubmit="return false" novalidate>
            <p>"We texted a 6-digit code to " <strong>{phone}</strong> ". It expires in 10 minutes."</p>
            <CodeInput id="verify-code" error_id="verify-error" code />
            <p id="verify-error" class="error" role="alert" data-test="verify-error" hidden=move || error.get().is_none()>
                {move || error.get()}
            </p>
            <button type="submit" class="button primary" data-test="verify-submit" disabled=move || action.pending().get()>
                "Confirm"
            </button>
            <button type="button" class="button link" on:click=move |_| step.set(Step::Details)>
                "Use another number or get a new code"
            </button>
            <NoCodeHelp sender />
        </form>
    }
}

/// Shows the labelled input for a texted 6-digit code. The `id` is also
/// its `data-test` name.
#[component]
pub fn CodeInput(id: &'static str, error_id: &'static str, code: RwSignal<String>) -> impl IntoView {
    view! {
        <label for=id>"Code"</label>
        <input
            id=id
            type="text"
            inputmode="numeric"
            autocomplete="one-time-code"
            maxlength="6"
            data-test=id
            aria-describedby=error_id
            prop:value=code
            on:input=move |event| code.set(event_target_value(&event))
        />
    }
}

/// Shows help for a code that does not arrive. It is shown to every
/// visitor, so it reveals nothing about the number.
#[component]
pub fn NoCodeHelp(sender: Option<String>) -> impl IntoView {
    view! {
        <details class="no-code" data-test="no-code-help">
            <summary>"No code?"</summary>
            <p>
                "Codes usually arrive within a minute. If you ever replied STOP to our texts, "
                "your carrier blocks them until you text START to "
                <strong data-test="no-code-sender">
                    {sender.unwrap_or_else(|| "the number our texts come from".to_owned())}
                </strong>
                "; then request a new code."
            </p>
        </details>
    }
}
