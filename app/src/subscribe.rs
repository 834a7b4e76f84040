//! The subscribe widget: a phone number and preferences, then the texted
//! code. It needs JavaScript; without it the page says so.

use kodo_domain::preferences::{Preferences, Scope};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::model::ServiceView;
use crate::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignUpInput {
    pub phone: String,
    pub preferences: Preferences,
    /// Whether the visitor ticked the consent box.
    pub consent: bool,
}

/// Starts a sign-up from the widget and returns the sign-up id. The fixed
/// endpoint, `/api/start_sign_up`, lets tests call it over HTTP.
#[server(input = Json, endpoint = "start_sign_up")]
pub async fn start_sign_up(input: SignUpInput) -> Result<String, AppError> {
    use std::net::SocketAddr;

    use axum::extract::ConnectInfo;
    use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
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
    let client_ip = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|ConnectInfo(address)| address.ip().to_string());
    let user_agent = leptos_axum::extract::<HeaderMap>()
        .await
        .ok()
        .and_then(|headers| {
            headers
                .get(header::USER_AGENT)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        });
    let result = subscribers::sign_up(
        &kodo,
        SignUp {
            phone,
            preferences: input.preferences,
            consent_text: settings.consent_text,
            method: Method::Web,
            client_ip,
            user_agent,
            time_zone: None,
        },
    )
    .await;
    // A limited request gets 429 with Retry-After, as in the REST API.
    if let Err(kodo_core::Error::TooManyRequests { retry_after_secs, .. }) = &result {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(StatusCode::TOO_MANY_REQUESTS);
            if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.insert_header(header::RETRY_AFTER, value);
            }
        }
    }
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
pub fn SubscribeWidget(services: Vec<ServiceView>, consent_text: String, sender: Option<String>) -> impl IntoView {
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
                        <DetailsForm services=services.clone() consent_text=consent_text.clone() step />
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
fn DetailsForm(services: Vec<ServiceView>, consent_text: String, step: RwSignal<Step>) -> impl IntoView {
    let phone = RwSignal::new(String::new());
    let all_services = RwSignal::new(true);
    let chosen = RwSignal::new(Vec::<i64>::new());
    let critical_only = RwSignal::new(false);
    let resolutions = RwSignal::new(true);
    let maintenance = RwSignal::new(false);
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
        if !consent.get_untracked() {
            error.set(Some(AppError::for_field(
                "consent",
                "Tick the consent box to agree to receive texts.",
            )));
            return;
        }
        let scope_all = all_services.get_untracked();
        let preferences = Preferences {
            scope: if scope_all { Scope::All } else { Scope::Services },
            services: if scope_all { Vec::new() } else { chosen.get_untracked() },
            critical_only: critical_only.get_untracked(),
            resolutions: resolutions.get_untracked(),
            maintenance: maintenance.get_untracked(),
        };
        action.dispatch(StartSignUp {
            input: SignUpInput {
                phone: phone.get_untracked(),
                preferences,
                consent: true,
            },
        });
    };

    let field_error = move |field: &'static str| {
        error.get().filter(|error| error.field.as_deref() == Some(field)).map(|error| error.message)
    };

    view! {
        <form class="form" on:submit=submit novalidate>
            <label for="subscribe-phone">"Mobile number, with country code"</label>
            <input
                id="subscribe-phone"
                type="tel"
                autocomplete="tel"
                inputmode="tel"
                placeholder="+1 415 555 2671"
                data-test="subscribe-phone"
                aria-describedby="subscribe-error"
                aria-invalid=move || field_error("phone").is_some().to_string()
                prop:value=phone
                on:input=move |event| phone.set(event_target_value(&event))
            />
            <fieldset class="preferences">
                <legend>"What to hear about"</legend>
                <Toggle label="All incidents" signal=all_services test="pref-all" />
                <Show when=move || !all_services.get()>
                    <ServicePicker services=services.clone() chosen />
                </Show>
                <Toggle label="Critical incidents only" signal=critical_only test="pref-critical" />
                <Toggle label="When an incident is resolved" signal=resolutions test="pref-resolutions" />
                <Toggle label="Scheduled maintenance" signal=maintenance test="pref-maintenance" />
            </fieldset>
            <label class="checkbox consent">
                <input
                    type="checkbox"
                    data-test="subscribe-consent"
                    prop:checked=consent
                    on:change=move |event| consent.set(event_target_checked(&event))
                />
                <span>{consent_text}</span>
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

#[component]
fn Toggle(label: &'static str, signal: RwSignal<bool>, test: &'static str) -> impl IntoView {
    view! {
        <label class="checkbox">
            <input
                type="checkbox"
                data-test=test
                prop:checked=signal
                on:change=move |event| signal.set(event_target_checked(&event))
            />
            <span>{label}</span>
        </label>
    }
}

#[component]
fn ServicePicker(services: Vec<ServiceView>, chosen: RwSignal<Vec<i64>>) -> impl IntoView {
    view! {
        <div class="service-picker" role="group" aria-label="Services">
            {services
                .into_iter()
                .map(|service| {
                    let id = service.id;
                    view! {
                        <label class="checkbox">
                            <input
                                type="checkbox"
                                data-test="pref-service"
                                value=id.to_string()
                                prop:checked=move || chosen.read().contains(&id)
                                on:change=move |event| {
                                    let on = event_target_checked(&event);
                                    chosen.update(|ids| {
                                        ids.retain(|other| *other != id);
                                        if on {
                                            ids.push(id);
                                        }
                                    });
                                }
                            />
                            <span>{service.name}</span>
                        </label>
                    }
                })
                .collect_view()}
        </div>
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
        <form class="form" on:submit=submit novalidate>
            <p>"We texted a 6-digit code to " <strong>{phone}</strong> ". It expires in 10 minutes."</p>
            <label for="verify-code">"Code"</label>
            <input
                id="verify-code"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                maxlength="6"
                data-test="verify-code"
                aria-describedby="verify-error"
                prop:value=code
                on:input=move |event| code.set(event_target_value(&event))
            />
            <p id="verify-error" class="error" role="alert" data-test="verify-error" hidden=move || error.get().is_none()>
                {move || error.get()}
            </p>
            <button type="submit" class="button primary" data-test="verify-submit" disabled=move || action.pending().get()>
                "Confirm"
            </button>
            <button type="button" class="button link" on:click=move |_| step.set(Step::Details)>
                "Use another number or get a new code"
            </button>
            <details class="no-code" data-test="no-code-help">
                <summary>"No code?"</summary>
                <p>
                    "Codes usually arrive within a minute. If you ever replied STOP to our texts, "
                    "your carrier blocks them until you text START to "
                    {sender.unwrap_or_else(|| "the number our texts come from".to_owned())}
                    "; then request a new code."
                </p>
            </details>
        </form>
    }
}
