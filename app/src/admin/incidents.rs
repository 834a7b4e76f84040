//! Admin: open incidents, post updates and resolve them. Each change
//! texts the subscribers it matches.

use kodo_domain::incident::{IncidentStatus, Severity};
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use super::services::list_services;
use super::{action_error, ActionError};
use crate::model::{IncidentView, ServiceView};
use crate::service_checkboxes::ServiceCheckboxes;
use crate::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentInput {
    pub title: String,
    pub severity: Severity,
    pub status: IncidentStatus,
    pub message: String,
    pub services: Vec<i64>,
}

#[server]
pub async fn list_incidents() -> Result<Vec<IncidentView>, AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let incidents = kodo_core::incidents::list_all(&kodo.pool, 50).await?;
    Ok(incidents.into_iter().map(Into::into).collect())
}

#[server(input = Json)]
pub async fn open_incident(input: IncidentInput) -> Result<i64, AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let incident = kodo_core::incidents::open(
        &kodo,
        kodo_core::incidents::NewIncident {
            title: input.title,
            severity: input.severity,
            status: input.status,
            message: input.message,
            services: input.services,
        },
    )
    .await?;
    Ok(incident.id)
}

#[server(input = Json)]
pub async fn post_incident_update(id: i64, status: IncidentStatus, message: String) -> Result<(), AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    kodo_core::incidents::post_update(&kodo, id, kodo_core::incidents::NewUpdate { status, message }).await?;
    Ok(())
}

#[component]
pub fn IncidentsPage() -> impl IntoView {
    let open = ServerAction::<OpenIncident>::new();
    let update = ServerAction::<PostIncidentUpdate>::new();
    let incidents = Resource::new(
        move || (open.version().get(), update.version().get()),
        |_| list_incidents(),
    );
    let services = Resource::new(|| (), |_| list_services());

    view! {
        <h1>"Incidents"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match services.await {
                    Ok(services) => view! { <OpenIncidentForm services open /> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.message}</p> }.into_any(),
                }
            })}
        </Suspense>
        <h2>"History"</h2>
        <ActionError error=action_error(update) test="update-error" />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match incidents.await {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No incidents yet."</p> }.into_any(),
                    Ok(list) => {
                        list.into_iter()
                            .map(|incident| view! { <AdminIncident incident update /> })
                            .collect_view()
                            .into_any()
                    }
                    Err(error) => view! { <p class="error" role="alert">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn OpenIncidentForm(services: Vec<ServiceView>, open: ServerAction<OpenIncident>) -> impl IntoView {
    let title = RwSignal::new(String::new());
    let severity = RwSignal::new(Severity::Major);
    let status = RwSignal::new(IncidentStatus::Investigating);
    let message = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<i64>::new());
    let error = action_error(open);
    let hydrated = crate::use_hydrated();

    Effect::new(move |_| {
        if let Some(Ok(_)) = open.value().get() {
            title.set(String::new());
            message.set(String::new());
            chosen.set(Vec::new());
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        open.dispatch(OpenIncident {
            input: IncidentInput {
                title: title.get_untracked(),
                severity: severity.get_untracked(),
                status: status.get_untracked(),
                message: message.get_untracked(),
                services: chosen.get_untracked(),
            },
        });
    };

    view! {
        <form class="form card" on:submit=submit data-hydrated=hydrated>
            <h2>"Open an incident"</h2>
            <label for="incident-title">"Title"</label>
            <input
                id="incident-title"
                required
                maxlength="200"
                data-test="incident-title"
                prop:value=title
                on:input=move |event| title.set(event_target_value(&event))
            />
            <div class="columns">
                <div>
                    <label for="incident-severity">"Severity"</label>
                    <select
                        id="incident-severity"
                        data-test="incident-severity"
                        on:change=move |event| {
                            if let Ok(value) = event_target_value(&event).parse() {
                                severity.set(value);
                            }
                        }
                    >
                        {Severity::ALL
                            .into_iter()
                            .map(|option| {
                                view! {
                                    <option value=option.as_str() selected=option == Severity::Major>
                                        {option.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div>
                    <label for="incident-status">"Status"</label>
                    <StatusSelect id="incident-status" test="incident-status" status include_resolved=false />
                </div>
            </div>
            <fieldset>
                <legend>"Affected services"</legend>
                <ServiceCheckboxes services chosen test="incident-service" />
            </fieldset>
            <label for="incident-message">"Message"</label>
            <textarea
                id="incident-message"
                rows="3"
                required
                data-test="incident-message"
                prop:value=message
                on:input=move |event| message.set(event_target_value(&event))
            ></textarea>
            <ActionError error test="incident-error" />
            <button type="submit" class="button primary" data-test="incident-open" disabled=move || open.pending().get()>
                "Open incident and notify"
            </button>
        </form>
    }
}

#[component]
fn StatusSelect(
    #[prop(into)] id: String,
    test: &'static str,
    status: RwSignal<IncidentStatus>,
    include_resolved: bool,
) -> impl IntoView {
    view! {
        <select
            id=id
            data-test=test
            on:change=move |event| {
                if let Ok(value) = event_target_value(&event).parse() {
                    status.set(value);
                }
            }
        >
            {IncidentStatus::ALL
                .into_iter()
                .filter(|option| include_resolved || *option != IncidentStatus::Resolved)
                .map(|option| {
                    view! {
                        <option value=option.as_str() selected=move || status.get() == option>
                            {option.label()}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}

#[component]
fn AdminIncident(incident: IncidentView, update: ServerAction<PostIncidentUpdate>) -> impl IntoView {
    let id = incident.id;
    let resolved = incident.status == IncidentStatus::Resolved;
    let status = RwSignal::new(incident.status);
    let message = RwSignal::new(String::new());
    let select_id = format!("update-status-{id}");
    let message_id = format!("update-message-{id}");
    view! {
        <article class="incident card" data-test="admin-incident" data-id=id.to_string()>
            <h3>
                <a href=format!("/incidents/{id}") rel="external">{incident.title.clone()}</a>
            </h3>
            <p class="incident-meta">
                <span class=format!("badge severity-{}", incident.severity.as_str())>{incident.severity.label()}</span>
                <span class="badge" data-test="admin-incident-status">{incident.status.label()}</span>
                <span class="muted">{incident.created_at.clone()}</span>
            </p>
            <Show when=move || !resolved>
                <form
                    class="form"
                    on:submit=move |event| {
                        event.prevent_default();
                        update.dispatch(PostIncidentUpdate {
                            id,
                            status: status.get_untracked(),
                            message: message.get_untracked(),
                        });
                        message.set(String::new());
                    }
                >
                    <div class="columns">
                        <div>
                            <label for=select_id.clone()>"New status"</label>
                            <StatusSelect id=select_id.clone() test="update-status" status include_resolved=true />
                        </div>
                        <div class="grow">
                            <label for=message_id.clone()>"Update"</label>
                            <input
                                id=message_id.clone()
                                required
                                data-test="update-message"
                                prop:value=message
                                on:input=move |event| message.set(event_target_value(&event))
                            />
                        </div>
                    </div>
                    <button type="submit" class="button" data-test="update-post">"Post update"</button>
                </form>
            </Show>
        </article>
    }
}

/// The incidents page as a lazy route: its code is a separate WASM chunk that the
/// browser fetches on the first visit, so the public page loads less.
pub struct IncidentsRoute;

#[lazy_route]
impl LazyRoute for IncidentsRoute {
    fn data() -> Self {
        IncidentsRoute
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <IncidentsPage /> }.into_any()
    }
}
