//! The public manage page: a visitor proves they hold the phone with a
//! texted code, then changes their preferences or unsubscribes.
//!
//! A code request returns the same response for every number, and a
//! number with no subscription never confirms (each code is wrong), so the
//! page does not reveal who is subscribed. The manage token stays in the page's
//! memory and lasts 30 minutes.

use kodo_domain::preferences::Preferences;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_meta::Title;
use leptos_router::{lazy_route, LazyRoute};
use serde::{Deserialize, Serialize};

use crate::model::ServiceView;
use crate::phone_check::PhoneCheck;
use crate::phone_field::PhoneField;
use crate::preferences_picker::{PreferenceFields, PreferencesPicker};
use crate::subscribe::{CodeInput, NoCodeHelp};
use crate::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagePageData {
    pub page_name: String,
    /// The number texts come from, shown in the help for a missing code.
    pub sender: Option<String>,
}

/// A confirmed subscription, with the token that changes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedSubscription {
    pub token: String,
    /// The number in international format.
    pub phone: String,
    pub preferences: Preferences,
    pub services: Vec<ServiceView>,
}

#[server]
pub async fn load_manage_page() -> Result<ManagePageData, AppError> {
    let kodo = crate::error::kodo()?;
    let settings = kodo_core::settings::get(&kodo.pool).await?;
    Ok(ManagePageData {
        page_name: settings.page_name,
        sender: settings.from.filter(|from| from.starts_with('+')),
    })
}

/// Texts a code to the number if it has a subscription, and returns the
/// request id either way.
#[server(endpoint = "request_manage_code")]
pub async fn request_manage_code(phone: String) -> Result<String, AppError> {
    use kodo_domain::phone::PhoneNumber;

    let kodo = crate::error::kodo()?;
    let phone = PhoneNumber::parse(&phone).map_err(|error| AppError::for_field("phone", error.to_string()))?;
    let client_ip = crate::request::client_ip().await;
    let result = kodo_core::manage::request(&kodo, &phone, client_ip.as_deref()).await;
    crate::request::report_too_many_requests(&result);
    Ok(result?)
}

/// Exchanges the texted code for a manage token and the subscription.
#[server(endpoint = "confirm_manage_code")]
pub async fn confirm_manage_code(request_id: String, code: String) -> Result<ManagedSubscription, AppError> {
    let kodo = crate::error::kodo()?;
    let token = kodo_core::manage::verify(&kodo, &request_id, &code).await?.token;
    let subscriber = ssr::authenticate(&kodo, &token).await?;
    let services = kodo_core::services::list(&kodo.pool).await?;
    Ok(ManagedSubscription {
        token,
        phone: kodo_domain::phone::PhoneNumber::from_e164_trusted(subscriber.phone).international(),
        preferences: subscriber.preferences,
        services: services.into_iter().map(Into::into).collect(),
    })
}

#[server(input = Json, endpoint = "save_managed_preferences")]
pub async fn save_managed_preferences(token: String, preferences: Preferences) -> Result<(), AppError> {
    let kodo = crate::error::kodo()?;
    let subscriber = ssr::authenticate(&kodo, &token).await?;
    kodo_core::manage::update_preferences(&kodo, subscriber.id, &preferences).await?;
    Ok(())
}

#[server(endpoint = "unsubscribe_managed")]
pub async fn unsubscribe_managed(token: String) -> Result<(), AppError> {
    let kodo = crate::error::kodo()?;
    let subscriber = ssr::authenticate(&kodo, &token).await?;
    kodo_core::manage::unsubscribe(&kodo, &subscriber).await?;
    Ok(())
}

#[cfg(feature = "ssr")]
mod ssr {
    use kodo_core::subscribers::Subscriber;
    use kodo_core::Kodo;

    use crate::AppError;

    /// Returns the subscriber of a manage token, or an error that tells
    /// the visitor to request a new code.
    pub async fn authenticate(kodo: &Kodo, token: &str) -> Result<Subscriber, AppError> {
        kodo_core::manage::authenticate(kodo, token).await?.ok_or_else(|| {
            AppError::for_field(
                "token",
                "Your manage session has expired (it lasts 30 minutes); enter your number again for a new code.",
            )
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Phone,
    Code { request_id: String, phone: String },
    Manage(ManagedSubscription),
    Unsubscribed,
}

/// Shows the manage page: number, code, then the subscription.
#[component]
pub fn ManagePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_manage_page());
    view! {
        <main class="page manage-page">
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(data) => view! { <ManageContent data /> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn ManageContent(data: ManagePageData) -> impl IntoView {
    let step = RwSignal::new(Step::Phone);
    let hydrated = crate::use_hydrated();
    let sender = data.sender;
    view! {
        <Title text=format!("Manage your {} subscription", data.page_name) />
        <header class="page-header">
            <h1>"Manage your subscription"</h1>
            <p class="muted">
                "Change what " {data.page_name} " texts you about, or unsubscribe. "
                "We first text a code to your number to check that it is yours."
            </p>
        </header>
        <section class="card manage" aria-label="Manage subscription" data-test="manage-form" data-hydrated=hydrated>
            <noscript>
                <p class="muted">"This page needs JavaScript. You can also reply STOP to any of our texts to unsubscribe."</p>
            </noscript>
            {move || match step.get() {
                Step::Phone => view! { <ManagePhoneForm step /> }.into_any(),
                Step::Code { request_id, phone } => {
                    view! { <ManageCodeForm request_id phone step sender=sender.clone() /> }.into_any()
                }
                Step::Manage(subscription) => view! { <SubscriptionForm subscription step /> }.into_any(),
                Step::Unsubscribed => {
                    view! {
                        <p class="success" role="status" data-test="manage-unsubscribed">
                            "You're unsubscribed and will get no more texts. Sign up again on the status page at any time."
                        </p>
                    }
                        .into_any()
                }
            }}
        </section>
        <p>
            <a href="/">"Back to the status page"</a>
        </p>
    }
}

#[component]
fn ManagePhoneForm(step: RwSignal<Step>) -> impl IntoView {
    let phone = RwSignal::new(String::new());
    let phone_check = RwSignal::new(None::<PhoneCheck>);
    let action = ServerAction::<RequestManageCode>::new();
    let error = RwSignal::new(None::<String>);

    Effect::new(move |_| match action.value().get() {
        Some(Ok(request_id)) => step.set(Step::Code {
            request_id,
            phone: phone.get_untracked(),
        }),
        Some(Err(failure)) => error.set(Some(failure.message)),
        None => {}
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        if let Some(PhoneCheck::Invalid { message, .. }) = phone_check.get_untracked() {
            error.set(Some(message));
            return;
        }
        action.dispatch(RequestManageCode {
            phone: phone.get_untracked(),
        });
    };

    view! {
        <form class="form" on:submit=submit novalidate>
            <PhoneField id="manage-phone" test="manage-phone" phone check=phone_check allowed=None />
            <FormError id="manage-error" error />
            <button type="submit" class="button primary" data-test="manage-request" disabled=move || action.pending().get()>
                "Text me a code"
            </button>
        </form>
    }
}

#[component]
fn ManageCodeForm(request_id: String, phone: String, step: RwSignal<Step>, sender: Option<String>) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let action = ServerAction::<ConfirmManageCode>::new();
    let error = RwSignal::new(None::<String>);

    Effect::new(move |_| match action.value().get() {
        Some(Ok(subscription)) => step.set(Step::Manage(subscription)),
        Some(Err(failure)) => error.set(Some(failure.message)),
        None => {}
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        action.dispatch(ConfirmManageCode {
            request_id: request_id.clone(),
            code: code.get_untracked(),
        });
    };

    view! {
        <form class="form" on:submit=submit novalidate>
            <p>
                "If " <strong>{phone}</strong> " is subscribed, we texted it a 6-digit code. "
                "It expires in 10 minutes."
            </p>
            <CodeInput id="manage-code" error_id="manage-code-error" code />
            <FormError id="manage-code-error" error />
            <button type="submit" class="button primary" data-test="manage-verify" disabled=move || action.pending().get()>
                "Confirm"
            </button>
            <button type="button" class="button link" on:click=move |_| step.set(Step::Phone)>
                "Use another number or get a new code"
            </button>
            <NoCodeHelp sender />
        </form>
    }
}

#[component]
fn SubscriptionForm(subscription: ManagedSubscription, step: RwSignal<Step>) -> impl IntoView {
    let fields = PreferenceFields::new(&subscription.preferences);
    let token = StoredValue::new(subscription.token);
    let save = ServerAction::<SaveManagedPreferences>::new();
    let unsubscribe = ServerAction::<UnsubscribeManaged>::new();
    let error = RwSignal::new(None::<String>);
    let saved = Signal::derive(move || matches!(save.value().get(), Some(Ok(()))));

    Effect::new(move |_| match save.value().get() {
        Some(Err(failure)) => error.set(Some(failure.message)),
        Some(Ok(())) => error.set(None),
        None => {}
    });
    Effect::new(move |_| match unsubscribe.value().get() {
        Some(Ok(())) => step.set(Step::Unsubscribed),
        Some(Err(failure)) => error.set(Some(failure.message)),
        None => {}
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        save.dispatch(SaveManagedPreferences {
            token: token.get_value(),
            preferences: fields.value(),
        });
    };

    view! {
        <form class="form" on:submit=submit novalidate data-test="manage-subscription">
            <p>"Texts go to " <strong data-test="manage-phone-shown">{subscription.phone}</strong> "."</p>
            <PreferencesPicker services=subscription.services fields />
            <FormError id="manage-save-error" error />
            <p class="success" role="status" data-test="manage-saved" hidden=move || !saved.get()>
                "Saved. We'll text you about what you chose."
            </p>
            <div class="actions">
                <button type="submit" class="button primary" data-test="manage-save" disabled=move || save.pending().get()>
                    "Save preferences"
                </button>
                <button
                    type="button"
                    class="button danger"
                    data-test="manage-unsubscribe"
                    disabled=move || unsubscribe.pending().get()
                    on:click=move |_| {
                        unsubscribe.dispatch(UnsubscribeManaged {
                            token: token.get_value(),
                        });
                    }
                >
                    "Unsubscribe"
                </button>
            </div>
        </form>
    }
}

/// Shows a form's error as an alert, hidden while there is none.
#[component]
fn FormError(id: &'static str, error: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <p id=id class="error" role="alert" data-test=id hidden=move || error.get().is_none()>
            {move || error.get()}
        </p>
    }
}

/// The manage page as a lazy route, so its code loads only when visited.
pub struct ManageRoute;

#[lazy_route]
impl LazyRoute for ManageRoute {
    fn data() -> Self {
        ManageRoute
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <ManagePage /> }.into_any()
    }
}
