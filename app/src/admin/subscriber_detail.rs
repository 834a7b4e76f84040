//! Admin: one subscriber with their preferences, time zone and consent
//! history, the evidence that carriers and regulators request.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use leptos_router::{lazy_route, LazyRoute};
use serde::{Deserialize, Serialize};

use super::subscribers::describe;
use crate::model::{ConsentView, SubscriberView};
use crate::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriberDetail {
    pub subscriber: SubscriberView,
    /// IANA time zone name.
    pub time_zone: String,
    /// Twilio's error that made the number undeliverable, if it is.
    pub status_reason: Option<String>,
    /// Every consent record of the number, oldest first.
    pub consent: Vec<ConsentView>,
}

#[server]
pub async fn load_subscriber_detail(id: i64) -> Result<SubscriberDetail, AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let subscriber = kodo_core::subscribers::get(&kodo.pool, id).await?;
    let consent = kodo_core::consent::list(&kodo.pool, Some(&subscriber.phone)).await?;
    Ok(SubscriberDetail {
        time_zone: subscriber.time_zone.clone(),
        status_reason: subscriber.status_reason.clone(),
        subscriber: subscriber.into(),
        consent: consent.into_iter().map(Into::into).collect(),
    })
}

#[component]
pub fn SubscriberDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let detail = Resource::new(id, |id| async move {
        match id {
            Some(id) => load_subscriber_detail(id).await,
            None => Err(AppError::new("Subscriber not found: the address has no valid id.")),
        }
    });
    let hydrated = crate::use_hydrated();
    view! {
        <div data-hydrated=hydrated data-test="subscriber-detail">
            <p>
                <a href="/admin/subscribers">"All subscribers"</a>
            </p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(detail) => view! { <DetailContent detail /> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn DetailContent(detail: SubscriberDetail) -> impl IntoView {
    let subscriber = detail.subscriber;
    let csv_for_number = format!("/admin/consent.csv?phone={}", subscriber.phone.replace('+', "%2B"));
    view! {
        <h1>{subscriber.phone.clone()}</h1>
        <dl class="details card">
            <dt>"Status"</dt>
            <dd>
                <span class=format!("badge status-{}", subscriber.status) data-test="detail-status">
                    {subscriber.status.clone()}
                </span>
                {detail.status_reason.map(|reason| view! { <span class="muted">" " {reason}</span> })}
            </dd>
            <dt>"Preferences"</dt>
            <dd data-test="detail-preferences">{describe(&subscriber.preferences)}</dd>
            <dt>"Time zone"</dt>
            <dd data-test="detail-time-zone">{detail.time_zone}</dd>
            <dt>"Since"</dt>
            <dd>{subscriber.created_at}</dd>
        </dl>
        <h2>"Consent history"</h2>
        <p class="actions">
            <a href=csv_for_number rel="external" download="consent.csv" data-test="consent-csv-number">
                "Download this number's history (CSV)"
            </a>
            <a href="/admin/consent.csv" rel="external" download="consent.csv" data-test="consent-csv">
                "Download the whole consent log (CSV)"
            </a>
        </p>
        <ConsentTable events=detail.consent />
    }
}

#[component]
fn ConsentTable(events: Vec<ConsentView>) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="muted">"No consent records for this number."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="consent-log">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Change"</th>
                        <th scope="col">"How"</th>
                        <th scope="col">"Consent text or note"</th>
                        <th scope="col">"Client IP"</th>
                        <th scope="col">"User agent"</th>
                        <th scope="col">"Admin or token"</th>
                    </tr>
                </thead>
                <tbody>
                    {events
                        .into_iter()
                        .map(|event| {
                            view! {
                                <tr data-test="consent-row" data-action=event.action.clone() data-method=event.method.clone()>
                                    <td>{event.created_at}</td>
                                    <td>{action_label(&event.action)}</td>
                                    <td>{method_label(&event.method)}</td>
                                    <td data-test="consent-text">{event.consent_text.unwrap_or_default()}</td>
                                    <td>{event.client_ip.unwrap_or_default()}</td>
                                    <td class="user-agent">{event.user_agent.unwrap_or_default()}</td>
                                    <td>{event.actor.unwrap_or_default()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
        .into_any()
}

fn action_label(action: &str) -> &'static str {
    match action {
        "opt_in" => "Opted in",
        "opt_out" => "Opted out",
        _ => "Other",
    }
}

fn method_label(method: &str) -> &'static str {
    match method {
        "web" => "Status page",
        "admin" => "Admin",
        "api" => "API",
        "sms_keyword" => "SMS keyword",
        "carrier" => "Carrier",
        _ => "Other",
    }
}

/// The subscriber page as a lazy route: its code is a separate WASM chunk
/// that the browser fetches on the first visit.
pub struct SubscriberDetailRoute;

#[lazy_route]
impl LazyRoute for SubscriberDetailRoute {
    fn data() -> Self {
        SubscriberDetailRoute
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <SubscriberDetailPage /> }.into_any()
    }
}
