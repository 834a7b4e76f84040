//! One incident's page, the link in every notification.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::codec::JsonSliceCodec;
use crate::model::IncidentView;
use crate::AppError;

#[server]
pub async fn load_incident(id: i64) -> Result<IncidentView, AppError> {
    let kodo = crate::error::kodo()?;
    Ok(kodo_core::incidents::get(&kodo.pool, id).await?.into())
}

#[component]
pub fn IncidentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let incident = Resource::<_, JsonSliceCodec>::new_with_options(id, |id| async move {
        match id {
            Some(id) => load_incident(id).await,
            None => Err(AppError::not_found("Incident not found. Check the link.")),
        }
    }, false);
    view! {
        <main class="page incident-page">
            <p>
                <a href="/">"← All systems"</a>
            </p>
            <Suspense fallback=|| view! { <p class="loading">"Loading incident…"</p> }>
                {move || Suspend::new(async move {
                    match incident.await {
                        Ok(incident) => view! { <IncidentDetail incident /> }.into_any(),
                        Err(error) => {
                            crate::error::set_response_status(error.status);
                            view! { <p class="error" role="alert">{error.message}</p> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn IncidentDetail(incident: IncidentView) -> impl IntoView {
    let severity_class = format!("badge severity-{}", incident.severity.as_str());
    view! {
        <Title text=incident.title.clone() />
        <h1>{incident.title.clone()}</h1>
        <p class="incident-meta">
            <span class=severity_class>{incident.severity.label()}</span>
            <span class="badge">{incident.status.label()}</span>
            <span class="muted">{incident.services.join(", ")}</span>
        </p>
        <ol class="timeline">
            {incident
                .updates
                .into_iter()
                .map(|update| {
                    view! {
                        <li>
                            <strong>{update.status.label()}</strong>
                            " — "
                            {update.message}
                            <br />
                            <time class="muted">{update.created_at.clone()}</time>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}
