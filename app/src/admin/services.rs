//! Admin: the services the status page reports on.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::{action_error, ActionError};
use crate::model::ServiceView;
use crate::AppError;

#[server]
pub async fn list_services() -> Result<Vec<ServiceView>, AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let services = kodo_core::services::list(&kodo.pool).await?;
    Ok(services.into_iter().map(Into::into).collect())
}

#[server]
pub async fn create_service(name: String) -> Result<(), AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    kodo_core::services::create(&kodo.pool, &name).await?;
    Ok(())
}

#[server]
pub async fn rename_service(id: i64, name: String) -> Result<(), AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    kodo_core::services::rename(&kodo.pool, id, &name).await?;
    Ok(())
}

#[server]
pub async fn remove_service(id: i64) -> Result<(), AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    kodo_core::services::delete(&kodo.pool, id).await?;
    Ok(())
}

#[component]
pub fn ServicesPage() -> impl IntoView {
    let create = ServerAction::<CreateService>::new();
    let rename = ServerAction::<RenameService>::new();
    let remove = ServerAction::<RemoveService>::new();
    let services = Resource::new(
        move || (create.version().get(), rename.version().get(), remove.version().get()),
        |_| list_services(),
    );
    let create_error = action_error(create);
    let rename_error = action_error(rename);
    let remove_error = action_error(remove);
    let hydrated = crate::use_hydrated();

    view! {
        <h1>"Services"</h1>
        <ActionForm action=create attr:class="form inline card" attr:data-hydrated=hydrated>
            <label for="service-name">"New service"</label>
            <input id="service-name" name="name" required maxlength="100" data-test="service-name" />
            <button type="submit" class="button primary" data-test="service-create">"Add service"</button>
        </ActionForm>
        <ActionError error=create_error test="service-error" />
        <ActionError error=rename_error test="service-rename-error" />
        <ActionError error=remove_error test="service-remove-error" />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match services.await {
                    Ok(list) if list.is_empty() => {
                        view! { <p class="muted">"No services yet. Add the parts of your product people depend on."</p> }
                            .into_any()
                    }
                    Ok(list) => {
                        view! {
                            <ul class="rows">
                                {list
                                    .into_iter()
                                    .map(|service| view! { <ServiceRow service rename remove /> })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <p class="error" role="alert">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ServiceRow(
    service: ServiceView,
    rename: ServerAction<RenameService>,
    remove: ServerAction<RemoveService>,
) -> impl IntoView {
    let id = service.id;
    let name = RwSignal::new(service.name.clone());
    let label = format!("Name of service {}", service.name);
    view! {
        <li class="row" data-test="service-row" data-id=id.to_string()>
            <span class="service-name">{service.name.clone()}</span>
            <span class="muted">{service.status_label()}</span>
            <form
                class="inline"
                on:submit=move |event| {
                    event.prevent_default();
                    rename.dispatch(RenameService { id, name: name.get_untracked() });
                }
            >
                <input aria-label=label prop:value=name on:input=move |event| name.set(event_target_value(&event)) />
                <button type="submit" class="button">"Rename"</button>
            </form>
            <button
                type="button"
                class="button danger"
                data-test="service-remove"
                on:click=move |_| {
                    remove.dispatch(RemoveService { id });
                }
            >
                "Remove"
            </button>
        </li>
    }
}

/// The services page as a lazy route: its code is a separate WASM chunk that the
/// browser fetches on the first visit, so the public page loads less.
pub struct ServicesRoute;

#[lazy_route]
impl LazyRoute for ServicesRoute {
    fn data() -> Self {
        ServicesRoute
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <ServicesPage /> }.into_any()
    }
}
