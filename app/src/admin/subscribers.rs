//! Admin: every subscriber with their status; add one by hand, or remove.

use kodo_domain::preferences::Preferences;
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::{action_error, ActionError};
use crate::model::{PendingSignupView, SubscriberView};
use crate::AppError;

#[server]
pub async fn list_subscribers() -> Result<Vec<SubscriberView>, AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let filter = kodo_core::subscribers::Filter::default();
    let subscribers = kodo_core::subscribers::list(&kodo.pool, &filter).await?;
    Ok(subscribers.into_iter().map(Into::into).collect())
}

/// Lists the sign-ups whose code is not confirmed yet.
#[server]
pub async fn list_pending_signups() -> Result<Vec<PendingSignupView>, AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let signups = kodo_core::subscribers::pending_signups(&kodo.pool, None).await?;
    Ok(signups.into_iter().map(Into::into).collect())
}

/// Adds an active subscriber on the admin's word that they hold consent.
#[server]
pub async fn add_subscriber(
    phone: String,
    consent_note: String,
    consent_confirmed: Option<String>,
) -> Result<(), AppError> {
    use kodo_domain::phone::PhoneNumber;

    let admin = super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let phone = PhoneNumber::parse(&phone).map_err(|error| AppError::for_field("phone", error.to_string()))?;
    if consent_confirmed.is_none() {
        return Err(AppError::for_field(
            "consent_confirmed",
            "Confirm that this person agreed to receive texts from you.",
        ));
    }
    kodo_core::subscribers::add_confirmed(
        &kodo,
        &phone,
        &Preferences::default(),
        None,
        &consent_note,
        kodo_core::consent::Method::Admin,
        &admin.email,
    )
    .await?;
    Ok(())
}

#[server]
pub async fn remove_subscriber(id: i64) -> Result<(), AppError> {
    let admin = super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    kodo_core::subscribers::remove(&kodo, id, kodo_core::consent::Method::Admin, &admin.email).await?;
    Ok(())
}

#[component]
pub fn SubscribersPage() -> impl IntoView {
    let add = ServerAction::<AddSubscriber>::new();
    let remove = ServerAction::<RemoveSubscriber>::new();
    let subscribers = Resource::new(move || (add.version().get(), remove.version().get()), |_| list_subscribers());
    let signups = Resource::new(move || add.version().get(), |_| list_pending_signups());
    let hydrated = crate::use_hydrated();

    view! {
        <h1>"Subscribers"</h1>
        <ActionForm action=add attr:class="form card" attr:data-hydrated=hydrated>
            <h2>"Add a subscriber"</h2>
            <p class="muted">"For internal teams and VIP customers who agreed to receive texts from you."</p>
            <label for="add-phone">"Mobile number, with country code"</label>
            <input id="add-phone" name="phone" type="tel" required data-test="add-phone" />
            <label for="add-note">"How they agreed"</label>
            <input
                id="add-note"
                name="consent_note"
                required
                placeholder="Asked in person at the on-call handover"
                data-test="add-consent-note"
            />
            <label class="checkbox">
                <input type="checkbox" name="consent_confirmed" value="yes" data-test="add-consent" />
                <span>"I confirm this person agreed to receive status texts."</span>
            </label>
            <ActionError error=action_error(add) test="add-error" />
            <button type="submit" class="button primary" data-test="add-submit">"Add subscriber"</button>
        </ActionForm>
        <ActionError error=action_error(remove) test="remove-error" />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match subscribers.await {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No subscribers yet."</p> }.into_any(),
                    Ok(list) => view! { <SubscriberTable list remove /> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
        <h2>"Waiting for a code"</h2>
        <p class="muted">
            "Sign-ups whose texted code is not confirmed yet. Each becomes a subscriber when its code is \
             entered, and is removed 24 hours after it was made."
        </p>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match signups.await {
                    Ok(list) if list.is_empty() => {
                        view! { <p class="muted" data-test="signups-empty">"No sign-ups are waiting."</p> }.into_any()
                    }
                    Ok(list) => view! { <PendingSignupTable list /> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PendingSignupTable(list: Vec<PendingSignupView>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Phone"</th>
                        <th scope="col">"Preferences"</th>
                        <th scope="col">"Signed up"</th>
                        <th scope="col">"Code expires"</th>
                        <th scope="col">"Wrong codes"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|signup| {
                            view! {
                                <tr data-test="signup-row" data-phone=signup.phone.clone()>
                                    <td>{signup.phone.clone()}</td>
                                    <td class="muted">{describe(&signup.preferences)}</td>
                                    <td class="muted">{format!("{} ({})", signup.created_at, signup.method)}</td>
                                    <td class="muted">{signup.expires_at.clone()}</td>
                                    <td>{signup.attempts}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn SubscriberTable(list: Vec<SubscriberView>, remove: ServerAction<RemoveSubscriber>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Phone"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Preferences"</th>
                        <th scope="col">"Since"</th>
                        <th scope="col">
                            <span class="visually-hidden">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|subscriber| {
                            let id = subscriber.id;
                            view! {
                                <tr data-test="subscriber-row" data-phone=subscriber.phone.clone()>
                                    <td>
                                        <a href=format!("/admin/subscribers/{id}") data-test="subscriber-link">
                                            {subscriber.phone.clone()}
                                        </a>
                                    </td>
                                    <td>
                                        <span class=format!("badge status-{}", subscriber.status) data-test="subscriber-status">
                                            {subscriber.status.clone()}
                                        </span>
                                    </td>
                                    <td class="muted">{describe(&subscriber.preferences)}</td>
                                    <td class="muted">{subscriber.created_at.clone()}</td>
                                    <td>
                                        <button
                                            type="button"
                                            class="button danger"
                                            data-test="subscriber-remove"
                                            on:click=move |_| {
                                                remove.dispatch(RemoveSubscriber { id });
                                            }
                                        >
                                            "Remove"
                                        </button>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Describes preferences in a few words, such as "all services, resolutions".
pub(super) fn describe(preferences: &Preferences) -> String {
    let mut parts = vec![match preferences.scope {
        kodo_domain::preferences::Scope::All => "all services".to_owned(),
        kodo_domain::preferences::Scope::Services => format!("{} services", preferences.services.len()),
    }];
    if preferences.critical_only {
        parts.push("critical only".to_owned());
    }
    if preferences.resolutions {
        parts.push("resolutions".to_owned());
    }
    if preferences.maintenance {
        parts.push("maintenance".to_owned());
    }
    parts.join(", ")
}

/// The subscribers page as a lazy route: its code is a separate WASM chunk that the
/// browser fetches on the first visit, so the public page loads less.
pub struct SubscribersRoute;

#[lazy_route]
impl LazyRoute for SubscribersRoute {
    fn data() -> Self {
        SubscribersRoute
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <SubscribersPage /> }.into_any()
    }
}
