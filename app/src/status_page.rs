//! The public status page: services, open incidents, recent resolutions
//! and the subscribe widget.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::codec::JsonSliceCodec;
use crate::model::{IncidentView, ServiceView};
use crate::subscribe_slot::{SubscribeSlot, WidgetProps};
use crate::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusPageData {
    pub page_name: String,
    pub sms_enabled: bool,
    pub consent_text: String,
    /// The number texts come from, shown in the widget's help.
    pub sender: Option<String>,
    /// ISO 3166-1 alpha-2 codes whose numbers may subscribe, or `None` for
    /// every country.
    pub allowed_countries: Option<Vec<String>>,
    pub services: Vec<ServiceView>,
    pub open: Vec<IncidentView>,
    pub resolved: Vec<IncidentView>,
}

/// How far back the page lists resolved incidents, in days.
#[cfg(feature = "ssr")]
const RESOLVED_DAYS: i32 = 14;

#[server]
pub async fn load_status_page() -> Result<StatusPageData, AppError> {
    use kodo_core::{incidents, services, settings};

    let kodo = crate::error::kodo()?;
    let settings = settings::get(&kodo.pool).await?;
    Ok(StatusPageData {
        page_name: settings.page_name,
        sms_enabled: settings.enabled,
        consent_text: settings.consent_text,
        sender: settings.from.filter(|from| from.starts_with('+')),
        allowed_countries: settings.allowed_countries,
        services: services::list(&kodo.pool).await?.into_iter().map(Into::into).collect(),
        open: incidents::list_open(&kodo.pool).await?.into_iter().map(Into::into).collect(),
        resolved: incidents::list_recent_resolved(&kodo.pool, RESOLVED_DAYS)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    })
}

/// The public status page.
#[component]
pub fn StatusPage() -> impl IntoView {
    let data = Resource::<_, JsonSliceCodec>::new_with_options(|| (), |_| load_status_page(), false);
    view! {
        <main class="page status-page">
            <Suspense fallback=|| view! { <p class="loading">"Loading status…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(data) => view! { <StatusContent data /> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn StatusContent(data: StatusPageData) -> impl IntoView {
    let all_operational = data.open.is_empty();
    let title = format!("{} status", data.page_name);
    let services = data.services.clone();
    view! {
        <Title text=title />
        <header class="page-header">
            <h1>{data.page_name.clone()}</h1>
            <p class="summary" class:ok=all_operational>
                {if all_operational { "All systems operational" } else { "Some systems are affected" }}
            </p>
        </header>
        <section aria-labelledby="services-heading">
            <h2 id="services-heading">"Services"</h2>
            <ul class="services">
                {data
                    .services
                    .into_iter()
                    .map(|service| {
                        let class = format!("service-status {}", service.status);
                        view! {
                            <li class="service" data-test="service-status-row">
                                <span class="service-name">{service.name.clone()}</span>
                                <span class=class>{service.status_label()}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
        <IncidentList heading="Open incidents" empty="No open incidents." incidents=data.open />
        <IncidentList
            heading="Recently resolved"
            empty="Nothing resolved in the last two weeks."
            incidents=data.resolved
        />
        <Show when=move || data.sms_enabled>
            <SubscribeSlot props=WidgetProps {
                services: services.clone(),
                consent_text: data.consent_text.clone(),
                sender: data.sender.clone(),
                allowed_countries: data.allowed_countries.clone(),
            } />
        </Show>
        <footer class="page-footer">
            <a href="/manage" data-test="manage-link">"Manage subscription"</a>
            <a href="/admin" rel="external">"Admin"</a>
        </footer>
    }
}

#[component]
fn IncidentList(heading: &'static str, empty: &'static str, incidents: Vec<IncidentView>) -> impl IntoView {
    let is_empty = incidents.is_empty();
    view! {
        <section class="incidents">
            <h2>{heading}</h2>
            <Show when=move || is_empty>
                <p class="muted">{empty}</p>
            </Show>
            {incidents.into_iter().map(|incident| view! { <IncidentCard incident /> }).collect_view()}
        </section>
    }
}

/// One incident with its latest update.
#[component]
pub fn IncidentCard(incident: IncidentView) -> impl IntoView {
    let href = format!("/incidents/{}", incident.id);
    let severity_class = format!("badge severity-{}", incident.severity.as_str());
    let latest = incident.updates.first().cloned();
    view! {
        <article class="incident" data-test="incident-card">
            <h3>
                <a href=href>{incident.title.clone()}</a>
            </h3>
            <p class="incident-meta">
                <span class=severity_class>{incident.severity.label()}</span>
                <span class="badge">{incident.status.label()}</span>
                <span class="muted">{incident.services.join(", ")}</span>
            </p>
            {latest
                .map(|update| {
                    view! {
                        <p class="update">
                            {update.message}
                            " "
                            <time class="muted">{update.created_at.clone()}</time>
                        </p>
                    }
                })}
        </article>
    }
}
