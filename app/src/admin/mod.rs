//! The admin dashboard. Every server function here starts by checking the
//! session for a signed-in admin.

mod allowed_countries;
pub mod delivery;
pub mod incidents;
pub mod login;
pub mod maintenance;
pub mod outbox;
pub mod services;
pub mod settings;
pub mod subscriber_detail;
pub mod subscribers;
pub mod templates;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, ParentRoute, Redirect, Route, A};
use leptos_router::any_nested_route::IntoAnyNestedRoute;
use leptos_router::{lazy_route, path, Lazy, LazyRoute};

use crate::AppError;

/// The session key that contains the signed-in admin's id. The server's
/// routes outside Leptos read it too.
#[cfg(feature = "ssr")]
pub const ADMIN_SESSION_KEY: &str = "admin_id";

/// Returns the signed-in admin, or an error asking to sign in.
#[cfg(feature = "ssr")]
pub async fn require_admin() -> Result<kodo_core::admins::Admin, AppError> {
    let sign_in = AppError::sign_in_required;
    let session = leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|_| sign_in())?;
    let id: Option<i64> = session.get(ADMIN_SESSION_KEY).await.map_err(|error| {
        tracing::error!(%error, "reading the session failed");
        sign_in()
    })?;
    let kodo = crate::error::kodo()?;
    match id {
        Some(id) => kodo_core::admins::get(&kodo.pool, id).await?.ok_or_else(sign_in),
        None => Err(sign_in()),
    }
}

/// Returns the email of the signed-in admin, or `None`.
#[server]
pub async fn current_admin() -> Result<Option<String>, AppError> {
    match require_admin().await {
        Ok(admin) => Ok(Some(admin.email)),
        Err(error) if error.field.as_deref() == Some("session") => Ok(None),
        Err(error) => Err(error),
    }
}

#[server]
pub async fn logout() -> Result<(), AppError> {
    if let Ok(session) = leptos_axum::extract::<tower_sessions::Session>().await {
        if let Err(error) = session.flush().await {
            tracing::error!(%error, "ending the session failed");
        }
    }
    leptos_axum::redirect("/admin/login");
    Ok(())
}

/// Returns the routes of the sign-in page and the dashboard, each page a
/// lazily loaded route, type-erased as in `crate::App`'s public routes.
#[component(transparent)]
pub fn AdminRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/admin/login") view={Lazy::<login::LoginRoute>::new()} />
        <ParentRoute path=path!("/admin") view={Lazy::<AdminLayoutRoute>::new()}>
            <Route path=path!("") view={Lazy::<incidents::IncidentsRoute>::new()} />
            <Route path=path!("incidents") view={Lazy::<incidents::IncidentsRoute>::new()} />
            <Route path=path!("maintenance") view={Lazy::<maintenance::MaintenanceRoute>::new()} />
            <Route path=path!("services") view={Lazy::<services::ServicesRoute>::new()} />
            <Route path=path!("subscribers") view={Lazy::<subscribers::SubscribersRoute>::new()} />
            <Route path=path!("subscribers/:id") view={Lazy::<subscriber_detail::SubscriberDetailRoute>::new()} />
            <Route path=path!("outbox") view={Lazy::<outbox::OutboxRoute>::new()} />
            <Route path=path!("delivery") view={Lazy::<delivery::DeliveryRoute>::new()} />
            <Route path=path!("settings") view={Lazy::<settings::SettingsRoute>::new()} />
            <Route path=path!("templates") view={Lazy::<templates::TemplatesRoute>::new()} />
        </ParentRoute>
    }
    .into_inner()
    .into_any_nested_route()
}

/// The frame of every admin page as a lazily loaded route, so that its code
/// and the server functions it calls stay out of the status page's WASM.
pub struct AdminLayoutRoute;

#[lazy_route]
impl LazyRoute for AdminLayoutRoute {
    fn data() -> Self {
        AdminLayoutRoute
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <AdminLayout /> }.into_any()
    }
}

/// The frame of every admin page: navigation, and a redirect to the sign-in
/// page for visitors who are not signed in.
#[component]
pub fn AdminLayout() -> impl IntoView {
    let admin = Resource::new(|| (), |_| current_admin());
    let logout = ServerAction::<Logout>::new();
    view! {
        <Title text="Admin" />
        <div class="admin">
            <header class="admin-header">
                <a class="brand" href="/admin">"Kodo admin"</a>
                <nav aria-label="Admin">
                    <A href="/admin/incidents">"Incidents"</A>
                    <A href="/admin/maintenance">"Maintenance"</A>
                    <A href="/admin/services">"Services"</A>
                    <A href="/admin/subscribers">"Subscribers"</A>
                    <A href="/admin/delivery">"Delivery"</A>
                    <A href="/admin/outbox">"Messages"</A>
                    <A href="/admin/templates">"Templates"</A>
                    <A href="/admin/settings">"Settings"</A>
                    <a href="/" rel="external">"Status page"</a>
                </nav>
                <ActionForm action=logout>
                    <button type="submit" class="button link" data-test="logout">"Sign out"</button>
                </ActionForm>
            </header>
            // Pages render beside this check, not inside it, because a page's
            // Suspense nested inside this one failed to hydrate (Leptos 0.8.23).
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match admin.await {
                        Ok(Some(_)) => ().into_any(),
                        Ok(None) => view! { <Redirect path="/admin/login" /> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.message}</p> }.into_any(),
                    }
                })}
            </Transition>
            <main class="admin-main">
                <Outlet />
            </main>
        </div>
    }
}

/// Shows an action's error, if its last result was one.
#[component]
pub fn ActionError(#[prop(into)] error: Signal<Option<String>>, test: &'static str) -> impl IntoView {
    view! {
        <p class="error" role="alert" data-test=test hidden=move || error.get().is_none()>
            {move || error.get()}
        </p>
    }
}

/// Returns the error message of an action's last result, if it failed.
pub fn action_error<I, O>(action: ServerAction<I>) -> Signal<Option<String>>
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    let failure = action_failure(action);
    Signal::derive(move || failure.get().map(|error| error.message))
}

/// Returns the error of an action's last result, if it failed.
pub fn action_failure<I, O>(action: ServerAction<I>) -> Signal<Option<AppError>>
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Signal::derive(move || match action.value().get() {
        Some(Err(error)) => Some(error),
        _ => None,
    })
}

/// Returns the message of `error` for `field`, when the field is at fault.
pub fn message_for(error: Option<AppError>, field: &str) -> Option<String> {
    let error = error?;
    if error.field.as_deref() == Some(field) {
        return Some(error.message);
    }
    error.errors.into_iter().find(|each| each.field == field).map(|each| each.message)
}

/// Shows the error of one input field. The input names `id` in its
/// `aria-describedby`.
#[component]
pub fn FieldError(
    #[prop(into)] error: Signal<Option<AppError>>,
    field: &'static str,
    #[prop(into)] id: String,
) -> impl IntoView {
    let message = Signal::derive(move || message_for(error.get(), field));
    view! {
        <p id=id class="error field-error" data-test=format!("error-{field}") hidden=move || message.get().is_none()>
            {move || message.get()}
        </p>
    }
}
