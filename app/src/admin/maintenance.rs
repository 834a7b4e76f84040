//! Admin: schedule maintenance windows, change, cancel or complete them.
//! Scheduling texts the subscribers who asked for maintenance news.
//!
//! The form's `datetime-local` inputs carry no time zone, so the page shows
//! the zone it reads them in: the browser's, which the admin may change.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_router::{lazy_route, LazyRoute};
use serde::{Deserialize, Serialize};

use crate::service_checkboxes::ServiceCheckboxes;
use super::services::list_services;
use super::{action_error, action_failure, ActionError, FieldError};
use crate::model::ServiceView;
use crate::AppError;

/// A maintenance window, with its times in the admin's time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaintenanceView {
    pub id: i64,
    pub title: String,
    pub message: String,
    /// `scheduled`, `in_progress`, `completed` or `canceled`.
    pub status: String,
    pub service_ids: Vec<i64>,
    pub service_names: Vec<String>,
    /// Start and end formatted for reading, such as `2026-06-03 22:00 EDT`.
    pub starts_at: String,
    pub ends_at: String,
    /// Start and end as `datetime-local` input values.
    pub starts_local: String,
    pub ends_local: String,
}

/// A window as the form sends it: local times and the zone they are in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaintenanceInput {
    pub title: String,
    pub message: String,
    pub services: Vec<i64>,
    pub starts_at: String,
    pub ends_at: String,
    /// IANA time zone name, such as `Europe/Berlin`.
    pub time_zone: String,
}

#[cfg(feature = "ssr")]
mod ssr {
    use chrono_tz::Tz;
    use kodo_core::maintenance::{Maintenance, NewMaintenance};
    use kodo_core::timing;

    use super::{MaintenanceInput, MaintenanceView};
    use crate::AppError;

    pub fn zone(name: &str) -> Result<Tz, AppError> {
        Ok(timing::parse_time_zone("time_zone", name)?)
    }

    pub fn new_maintenance(input: MaintenanceInput) -> Result<NewMaintenance, AppError> {
        let zone = zone(&input.time_zone)?;
        Ok(NewMaintenance {
            starts_at: timing::parse_local_time("starts_at", "Start", &input.starts_at, zone)?,
            ends_at: timing::parse_local_time("ends_at", "End", &input.ends_at, zone)?,
            title: input.title,
            message: input.message,
            services: input.services,
        })
    }

    pub fn view(window: Maintenance, zone: Tz) -> MaintenanceView {
        let display = |time: chrono::DateTime<chrono::Utc>| {
            time.with_timezone(&zone).format("%Y-%m-%d %H:%M %Z").to_string()
        };
        MaintenanceView {
            id: window.id,
            starts_at: display(window.starts_at),
            ends_at: display(window.ends_at),
            starts_local: timing::format_local_input(window.starts_at, zone),
            ends_local: timing::format_local_input(window.ends_at, zone),
            service_ids: window.services.iter().map(|service| service.id).collect(),
            service_names: window.services.into_iter().map(|service| service.name).collect(),
            title: window.title,
            message: window.message,
            status: window.status,
        }
    }
}

#[server]
pub async fn list_maintenance(time_zone: String) -> Result<Vec<MaintenanceView>, AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let zone = ssr::zone(&time_zone)?;
    let windows = kodo_core::maintenance::list(&kodo.pool).await?;
    Ok(windows.into_iter().map(|window| ssr::view(window, zone)).collect())
}

#[server(input = Json)]
pub async fn schedule_maintenance(input: MaintenanceInput) -> Result<i64, AppError> {
    let admin = super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let window = kodo_core::maintenance::schedule(&kodo, ssr::new_maintenance(input)?).await?;
    tracing::info!(admin.id = admin.id, maintenance.id = window.id, "maintenance scheduled by an admin");
    Ok(window.id)
}

#[server(input = Json)]
pub async fn update_maintenance(id: i64, input: MaintenanceInput) -> Result<(), AppError> {
    let admin = super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    kodo_core::maintenance::update(&kodo, id, ssr::new_maintenance(input)?).await?;
    tracing::info!(admin.id = admin.id, maintenance.id = id, "maintenance updated by an admin");
    Ok(())
}

#[server]
pub async fn cancel_maintenance(id: i64) -> Result<(), AppError> {
    let admin = super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    kodo_core::maintenance::cancel(&kodo, id).await?;
    tracing::info!(admin.id = admin.id, maintenance.id = id, "maintenance canceled by an admin");
    Ok(())
}

#[server]
pub async fn complete_maintenance(id: i64) -> Result<(), AppError> {
    let admin = super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    kodo_core::maintenance::complete(&kodo, id).await?;
    tracing::info!(admin.id = admin.id, maintenance.id = id, "maintenance completed by an admin");
    Ok(())
}

/// Returns the browser's IANA time zone, such as `Europe/Berlin`.
#[cfg(feature = "hydrate")]
fn browser_time_zone() -> Option<String> {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    let options = format.resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into()).ok()?.as_string()
}

/// The actions of the page, shared by the list and the forms.
#[derive(Clone, Copy)]
struct Actions {
    schedule: ServerAction<ScheduleMaintenance>,
    update: ServerAction<UpdateMaintenance>,
    cancel: ServerAction<CancelMaintenance>,
    complete: ServerAction<CompleteMaintenance>,
}

#[component]
pub fn MaintenancePage() -> impl IntoView {
    let actions = Actions {
        schedule: ServerAction::new(),
        update: ServerAction::new(),
        cancel: ServerAction::new(),
        complete: ServerAction::new(),
    };
    // Server rendering has no browser zone, so the page starts in UTC and
    // switches to the browser's zone once it runs there.
    let time_zone = RwSignal::new("UTC".to_owned());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(zone) = browser_time_zone() {
            time_zone.set(zone);
        }
    });
    let windows = Resource::new(
        move || {
            (
                time_zone.get(),
                actions.schedule.version().get(),
                actions.update.version().get(),
                actions.cancel.version().get(),
                actions.complete.version().get(),
            )
        },
        |(zone, ..)| list_maintenance(zone),
    );
    let services = Resource::new(|| (), |_| list_services());
    let hydrated = crate::use_hydrated();

    view! {
        <h1>"Maintenance"</h1>
        <div class="maintenance-page" data-hydrated=hydrated>
            <TimeZoneField time_zone />
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match services.await {
                        Ok(services) => view! { <ScheduleForm services time_zone actions /> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <ActionError error=action_error(actions.cancel) test="maintenance-cancel-error" />
            <ActionError error=action_error(actions.complete) test="maintenance-complete-error" />
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let services = services.await.unwrap_or_default();
                    match windows.await {
                        Ok(list) => view! { <MaintenanceLists list services time_zone actions /> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// Shows the time zone that the form reads and the list shows times in.
#[component]
fn TimeZoneField(time_zone: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="time-zone">
            <label for="maintenance-zone">"Time zone of the times below"</label>
            <input
                id="maintenance-zone"
                data-test="maintenance-zone"
                autocomplete="off"
                spellcheck="false"
                aria-describedby="maintenance-zone-help"
                prop:value=time_zone
                on:change=move |event| time_zone.set(event_target_value(&event).trim().to_owned())
            />
            <p id="maintenance-zone-help" class="muted">
                "An IANA name such as Europe/Berlin or America/New_York. Subscribers get the times in their own zone."
            </p>
        </div>
    }
}

/// The fields of a window being written, shared by the schedule and edit
/// forms.
#[derive(Clone, Copy)]
struct Draft {
    title: RwSignal<String>,
    message: RwSignal<String>,
    services: RwSignal<Vec<i64>>,
    starts_at: RwSignal<String>,
    ends_at: RwSignal<String>,
}

impl Draft {
    fn empty() -> Self {
        Draft::of(None)
    }

    fn of(window: Option<&MaintenanceView>) -> Self {
        let text = |pick: fn(&MaintenanceView) -> &String| RwSignal::new(window.map(pick).cloned().unwrap_or_default());
        Draft {
            title: text(|window| &window.title),
            message: text(|window| &window.message),
            services: RwSignal::new(window.map(|window| window.service_ids.clone()).unwrap_or_default()),
            starts_at: text(|window| &window.starts_local),
            ends_at: text(|window| &window.ends_local),
        }
    }

    fn input(self, time_zone: String) -> MaintenanceInput {
        MaintenanceInput {
            title: self.title.get_untracked(),
            message: self.message.get_untracked(),
            services: self.services.get_untracked(),
            starts_at: self.starts_at.get_untracked(),
            ends_at: self.ends_at.get_untracked(),
            time_zone,
        }
    }
}

#[component]
fn ScheduleForm(services: Vec<ServiceView>, time_zone: RwSignal<String>, actions: Actions) -> impl IntoView {
    let draft = RwSignal::new(Draft::empty());
    let schedule = actions.schedule;
    Effect::new(move |_| {
        if let Some(Ok(_)) = schedule.value().get() {
            draft.set(Draft::empty());
        }
    });
    let submit = Callback::new(move |input: MaintenanceInput| {
        schedule.dispatch(ScheduleMaintenance { input });
    });
    view! {
        <section class="card" aria-labelledby="maintenance-schedule-heading">
            <h2 id="maintenance-schedule-heading">"Schedule maintenance"</h2>
            {move || {
                view! {
                    <MaintenanceForm
                        draft=draft.get()
                        services=services.clone()
                        time_zone
                        error=action_failure(schedule)
                        pending=schedule.pending()
                        submit
                        prefix="maintenance"
                        label="Schedule and notify"
                    />
                }
            }}
        </section>
    }
}

#[component]
fn MaintenanceForm(
    draft: Draft,
    services: Vec<ServiceView>,
    time_zone: RwSignal<String>,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(into)] pending: Signal<bool>,
    submit: Callback<MaintenanceInput>,
    /// Prefix of the element ids, unique on the page.
    #[prop(into)]
    prefix: String,
    label: &'static str,
) -> impl IntoView {
    let id = move |field: &str| format!("{prefix}-{field}");
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        submit.run(draft.input(time_zone.get_untracked()));
    };
    let other_error = Signal::derive(move || {
        error.get().filter(|error| {
            !matches!(
                error.field.as_deref(),
                Some("title" | "message" | "starts_at" | "ends_at")
            )
        })
    });
    let invalid = move |field: &'static str| {
        move || super::message_for(error.get(), field).is_some().to_string()
    };

    view! {
        <form class="form maintenance-form" on:submit=on_submit novalidate>
            <label for=id("title")>"Title"</label>
            <input
                id=id("title")
                data-test="maintenance-title"
                maxlength="200"
                aria-describedby=id("title-error")
                aria-invalid=invalid("title")
                prop:value=draft.title
                on:input=move |event| draft.title.set(event_target_value(&event))
            />
            <FieldError error field="title" id=id("title-error") />
            <label for=id("message")>"Message"</label>
            <textarea
                id=id("message")
                rows="3"
                data-test="maintenance-message"
                aria-describedby=id("message-error")
                aria-invalid=invalid("message")
                prop:value=draft.message
                on:input=move |event| draft.message.set(event_target_value(&event))
            ></textarea>
            <FieldError error field="message" id=id("message-error") />
            <div class="columns">
                <DateTimeField
                    label="Starts"
                    id=id("starts")
                    test="maintenance-starts"
                    field="starts_at"
                    value=draft.starts_at
                    error
                    note_id=id("zone-note")
                />
                <DateTimeField
                    label="Ends"
                    id=id("ends")
                    test="maintenance-ends"
                    field="ends_at"
                    value=draft.ends_at
                    error
                    note_id=id("zone-note")
                />
            </div>
            <p id=id("zone-note") class="muted" data-test="maintenance-zone-note">
                "Times in " {move || time_zone.get()}
            </p>
            <fieldset>
                <legend>"Affected services"</legend>
                <ServiceCheckboxes services chosen=draft.services test="maintenance-service" />
            </fieldset>
            <ActionError error=Signal::derive(move || other_error.get().map(|error| error.message)) test="maintenance-error" />
            <button type="submit" class="button primary" data-test="maintenance-submit" disabled=pending>
                {label}
            </button>
        </form>
    }
}

/// A `datetime-local` input with its label and its error.
#[component]
fn DateTimeField(
    label: &'static str,
    id: String,
    test: &'static str,
    field: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<AppError>>,
    /// The id of the note that names the time zone.
    note_id: String,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type="datetime-local"
                data-test=test
                aria-describedby=format!("{error_id} {note_id}")
                aria-invalid=move || super::message_for(error.get(), field).is_some().to_string()
                prop:value=value
                on:input=move |event| value.set(event_target_value(&event))
            />
            <FieldError error field id=error_id />
        </div>
    }
}

/// Lists the windows in three groups: upcoming, in progress and finished.
#[component]
fn MaintenanceLists(
    list: Vec<MaintenanceView>,
    services: Vec<ServiceView>,
    time_zone: RwSignal<String>,
    actions: Actions,
) -> impl IntoView {
    let groups = [
        ("Upcoming", "upcoming", &["scheduled"][..]),
        ("In progress", "in-progress", &["in_progress"][..]),
        ("Finished", "finished", &["completed", "canceled"][..]),
    ];
    groups
        .into_iter()
        .map(|(heading, key, statuses)| {
            let windows: Vec<MaintenanceView> = list
                .iter()
                .filter(|window| statuses.contains(&window.status.as_str()))
                .cloned()
                .collect();
            let heading_id = format!("maintenance-{key}-heading");
            let labelled_by = heading_id.clone();
            let empty = windows.is_empty();
            view! {
                <section class="maintenance-group" aria-labelledby=labelled_by data-test=format!("maintenance-{key}")>
                    <h2 id=heading_id>{heading}</h2>
                    <Show when=move || empty>
                        <p class="muted">"None."</p>
                    </Show>
                    {windows
                        .into_iter()
                        .map(|window| view! { <MaintenanceItem window services=services.clone() time_zone actions /> })
                        .collect_view()}
                </section>
            }
        })
        .collect_view()
}

fn status_label(status: &str) -> &'static str {
    match status {
        "scheduled" => "Scheduled",
        "in_progress" => "In progress",
        "completed" => "Completed",
        _ => "Canceled",
    }
}

#[component]
fn MaintenanceItem(
    window: MaintenanceView,
    services: Vec<ServiceView>,
    time_zone: RwSignal<String>,
    actions: Actions,
) -> impl IntoView {
    let id = window.id;
    let open = matches!(window.status.as_str(), "scheduled" | "in_progress");
    let editing = RwSignal::new(false);
    let draft = Draft::of(Some(&window));
    let update = actions.update;
    let submit = Callback::new(move |input: MaintenanceInput| {
        update.dispatch(UpdateMaintenance { id, input });
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = update.value().get() {
            editing.set(false);
        }
    });
    let affected = if window.service_names.is_empty() {
        "No services named: subscribers to all services are told.".to_owned()
    } else {
        window.service_names.join(", ")
    };

    view! {
        <article class="card maintenance" data-test="maintenance-item" data-id=id.to_string() data-status=window.status.clone()>
            <h3>{window.title.clone()}</h3>
            <p class="incident-meta">
                <span class=format!("badge status-{}", window.status) data-test="maintenance-status">
                    {status_label(&window.status)}
                </span>
                <span data-test="maintenance-window">{format!("{} to {}", window.starts_at, window.ends_at)}</span>
            </p>
            <p class="muted">{affected}</p>
            <p class="message-body">{window.message.clone()}</p>
            <Show when=move || open>
                <div class="actions">
                    <button
                        type="button"
                        class="button"
                        data-test="maintenance-edit"
                        aria-expanded=move || editing.get().to_string()
                        on:click=move |_| editing.update(|on| *on = !*on)
                    >
                        "Edit"
                    </button>
                    <button
                        type="button"
                        class="button"
                        data-test="maintenance-complete"
                        on:click=move |_| {
                            actions.complete.dispatch(CompleteMaintenance { id });
                        }
                    >
                        "Mark completed"
                    </button>
                    <button
                        type="button"
                        class="button danger"
                        data-test="maintenance-cancel"
                        on:click=move |_| {
                            actions.cancel.dispatch(CancelMaintenance { id });
                        }
                    >
                        "Cancel and notify"
                    </button>
                </div>
            </Show>
            <Show when=move || editing.get()>
                <MaintenanceForm
                    draft
                    services=services.clone()
                    time_zone
                    error=action_failure(update)
                    pending=update.pending()
                    submit
                    prefix=format!("maintenance-{id}")
                    label="Save changes"
                />
            </Show>
        </article>
    }
}

/// The maintenance page as a lazy route: its code is a separate WASM chunk
/// that the browser fetches on the first visit.
pub struct MaintenanceRoute;

#[lazy_route]
impl LazyRoute for MaintenanceRoute {
    fn data() -> Self {
        MaintenanceRoute
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <MaintenancePage /> }.into_any()
    }
}
