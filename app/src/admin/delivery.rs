//! Admin: live delivery progress of each incident event, its failed
//! messages with Twilio's error explained, and the problems that stop
//! sending (a paused sender, a blocked country) with a Resume button.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};
use serde::{Deserialize, Serialize};

use super::{action_error, ActionError};
use crate::AppError;

/// Interval between requests for new counts, in milliseconds.
const REFRESH_MS: u64 = 2_000;

/// Incident events the page shows, newest first.
#[cfg(feature = "ssr")]
const EVENTS: i64 = 10;

/// Failed messages the page lists across those events.
#[cfg(feature = "ssr")]
const FAILURES: i64 = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventProgressView {
    pub incident_id: i64,
    pub incident_title: String,
    pub update_id: i64,
    /// `created`, `updated` or `resolved`.
    pub update_kind: String,
    /// Formatted for display, in UTC.
    pub created_at: String,
    pub queued: i64,
    pub sent: i64,
    pub delivered: i64,
    pub failed: i64,
}

impl EventProgressView {
    fn total(&self) -> i64 {
        self.queued + self.sent + self.delivered + self.failed
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureView {
    pub id: i64,
    pub update_id: i64,
    pub to: String,
    pub error_code: Option<i32>,
    pub error_message: Option<String>,
    pub meaning: String,
    pub action: String,
}

/// A problem that stops sending until the admin acts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoppageView {
    /// The stopped sender or country, as a sentence.
    pub subject: String,
    pub reason: String,
    pub fix: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryData {
    pub events: Vec<EventProgressView>,
    pub failures: Vec<FailureView>,
    pub stoppages: Vec<StoppageView>,
}

#[server]
pub async fn delivery_progress() -> Result<DeliveryData, AppError> {
    use kodo_core::{delivery, dispatch_control};

    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let events = delivery::recent_events(&kodo.pool, EVENTS).await?;
    let update_ids: Vec<i64> = events.iter().map(|event| event.update_id).collect();
    let failures = delivery::failures(&kodo.pool, &update_ids, FAILURES).await?;
    let status = dispatch_control::status(&kodo.pool).await?;

    let mut stoppages: Vec<StoppageView> = status
        .paused_senders
        .into_iter()
        .map(|pause| StoppageView {
            subject: format!("Sender {} is paused", pause.sender),
            reason: match pause.error_code {
                Some(code) => format!("Twilio error {code}: {}", pause.reason),
                None => pause.reason,
            },
            fix: pause.fix,
        })
        .collect();
    stoppages.extend(status.blocked_regions.into_iter().map(|region| StoppageView {
        subject: format!(
            "Messages to {} (+{}) wait: {} held",
            region.region, region.calling_code, region.held_messages
        ),
        reason: region.error_message,
        fix: region.fix,
    }));
    Ok(DeliveryData {
        events: events
            .into_iter()
            .map(|event| EventProgressView {
                incident_id: event.incident_id,
                incident_title: event.incident_title,
                update_id: event.update_id,
                update_kind: event.update_kind,
                created_at: crate::model::format_time(&event.created_at),
                queued: event.queued,
                sent: event.sent,
                delivered: event.delivered,
                failed: event.failed,
            })
            .collect(),
        failures: failures
            .into_iter()
            .map(|failure| FailureView {
                id: failure.id,
                update_id: failure.update_id,
                to: failure.to,
                error_code: failure.error_code,
                error_message: failure.error_message,
                meaning: failure.meaning,
                action: failure.action,
            })
            .collect(),
        stoppages,
    })
}

/// Clears every paused sender and blocked country, so what waited is sent.
#[server]
pub async fn resume_sending() -> Result<u64, AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    Ok(kodo_core::dispatch_control::resume(&kodo.pool).await?)
}

#[component]
pub fn DeliveryPage() -> impl IntoView {
    let resume = ServerAction::<ResumeSending>::new();
    let tick = RwSignal::new(0u64);
    // Effects run only in the browser, so the server renders once and the
    // browser polls from then on.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || tick.update(|count| *count += 1),
            std::time::Duration::from_millis(REFRESH_MS),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let data = Resource::new(move || (tick.get(), resume.version().get()), |_| delivery_progress());
    let hydrated = crate::use_hydrated();
    view! {
        <h1>"Delivery"</h1>
        <ActionError error=action_error(resume) test="resume-error" />
        <div data-test="delivery" data-hydrated=hydrated>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(data) => view! { <DeliveryView data resume /> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn DeliveryView(data: DeliveryData, resume: ServerAction<ResumeSending>) -> impl IntoView {
    let has_stoppages = !data.stoppages.is_empty();
    let no_events = data.events.is_empty();
    let failures = data.failures;
    view! {
        <Show when=move || has_stoppages>
            <section class="card stoppages" data-test="stoppages">
                <h2>"Sending is stopped"</h2>
                <ul>
                    {data
                        .stoppages
                        .iter()
                        .cloned()
                        .map(|stoppage| {
                            view! {
                                <li data-test="stoppage">
                                    <strong>{stoppage.subject}</strong>
                                    <p>{stoppage.reason}</p>
                                    <p class="fix">{stoppage.fix}</p>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <button
                    type="button"
                    class="button primary"
                    data-test="resume-sending"
                    disabled=move || resume.pending().get()
                    on:click=move |_| {
                        resume.dispatch(ResumeSending {});
                    }
                >
                    "Resume sending"
                </button>
            </section>
        </Show>
        <Show when=move || no_events>
            <p class="muted">"No incident events yet."</p>
        </Show>
        {data
            .events
            .into_iter()
            .map(|event| {
                let event_failures: Vec<FailureView> = failures
                    .iter()
                    .filter(|failure| failure.update_id == event.update_id)
                    .cloned()
                    .collect();
                view! { <EventProgress event failures=event_failures /> }
            })
            .collect_view()}
    }
}

#[component]
fn EventProgress(event: EventProgressView, failures: Vec<FailureView>) -> impl IntoView {
    let total = event.total();
    let share = move |count: i64| {
        if total == 0 {
            "width: 0%".to_owned()
        } else {
            format!("width: {:.2}%", count as f64 * 100.0 / total as f64)
        }
    };
    let stages = [
        ("queued", "Queued", event.queued),
        ("sent", "Sent", event.sent),
        ("delivered", "Delivered", event.delivered),
        ("failed", "Failed", event.failed),
    ];
    view! {
        <article class="card delivery-event" data-test="delivery-event" data-update-id=event.update_id.to_string()>
            <h2>
                <a href=format!("/incidents/{}", event.incident_id) rel="external">{event.incident_title.clone()}</a>
                " "
                <span class="badge">{event.update_kind.clone()}</span>
            </h2>
            <p class="muted">{event.created_at.clone()} " · " {total} " messages"</p>
            <div
                class="delivery-bar"
                role="img"
                aria-label=format!(
                    "{} queued, {} sent, {} delivered, {} failed",
                    event.queued,
                    event.sent,
                    event.delivered,
                    event.failed,
                )
            >
                {stages
                    .iter()
                    .map(|(stage, _, count)| {
                        view! { <span class=format!("delivery-{stage}") style=share(*count)></span> }
                    })
                    .collect_view()}
            </div>
            <ul class="delivery-legend">
                {stages
                    .iter()
                    .map(|(stage, label, count)| {
                        view! {
                            <li class=format!("delivery-{stage}")>
                                {*label} ": " <span data-test=format!("count-{stage}")>{*count}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <Show when={
                let any = !failures.is_empty();
                move || any
            }>
                <h3>"Failures"</h3>
            </Show>
            <ul class="delivery-failures">
                {failures
                    .iter()
                    .map(|failure| {
                        let code = failure
                            .error_code
                            .map_or_else(|| "no answer".to_owned(), |code| format!("Twilio error {code}"));
                        view! {
                            <li data-test="delivery-failure">
                                <strong>{failure.to.clone()}</strong>
                                " · "
                                {code}
                                <p>{failure.meaning.clone()}</p>
                                <p class="fix">{failure.action.clone()}</p>
                                {failure
                                    .error_message
                                    .clone()
                                    .map(|message| view! { <p class="muted">"Twilio: " {message}</p> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </article>
    }
}

/// The delivery page as a lazy route: its code, the polling included, is a
/// separate WASM chunk that the browser fetches on the first visit.
pub struct DeliveryRoute;

#[lazy_route]
impl LazyRoute for DeliveryRoute {
    fn data() -> Self {
        DeliveryRoute
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <DeliveryPage /> }.into_any()
    }
}
