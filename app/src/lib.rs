#![recursion_limit = "256"]
//! Kodo's Leptos application: the public status page with its subscribe
//! widget, and the admin dashboard. Server functions sit beside the
//! components that call them; their bodies run only on the server.

pub mod admin;
mod browser;
mod codec;
mod error;
mod incident_page;
mod manage;
pub mod model;
mod phone_check;
mod phone_field;
mod phone_module;
mod preferences_picker;
#[cfg(feature = "ssr")]
mod request;
mod status_page;
mod subscribe;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

pub use error::AppError;

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The router of every page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/kodo.css" />
        <Title text="Status" />
        <Router>
            <Routes fallback=NotFound>
                // Async: the server sends these pages whole, so they read
                // without JavaScript, and an unknown incident gets a 404.
                <Route path=path!("/") view=status_page::StatusPage ssr=SsrMode::Async />
                <Route path=path!("/incidents/:id") view=incident_page::IncidentPage ssr=SsrMode::Async />
                <Route path=path!("/manage") view={Lazy::<manage::ManageRoute>::new()} />
                <Route path=path!("/admin/login") view={Lazy::<admin::login::LoginRoute>::new()} />
                <ParentRoute path=path!("/admin") view={Lazy::<admin::AdminLayoutRoute>::new()}>
                    <Route path=path!("") view={Lazy::<admin::incidents::IncidentsRoute>::new()} />
                    <Route path=path!("incidents") view={Lazy::<admin::incidents::IncidentsRoute>::new()} />
                    <Route path=path!("maintenance") view={Lazy::<admin::maintenance::MaintenanceRoute>::new()} />
                    <Route path=path!("services") view={Lazy::<admin::services::ServicesRoute>::new()} />
                    <Route path=path!("subscribers") view={Lazy::<admin::subscribers::SubscribersRoute>::new()} />
                    <Route
                        path=path!("subscribers/:id")
                        view={Lazy::<admin::subscriber_detail::SubscriberDetailRoute>::new()}
                    />
                    <Route path=path!("outbox") view={Lazy::<admin::outbox::OutboxRoute>::new()} />
                    <Route path=path!("delivery") view={Lazy::<admin::delivery::DeliveryRoute>::new()} />
                    <Route path=path!("settings") view={Lazy::<admin::settings::SettingsRoute>::new()} />
                    <Route path=path!("templates") view={Lazy::<admin::templates::TemplatesRoute>::new()} />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Returns a signal that turns true once the page has hydrated in the
/// browser. Pages expose it as `data-hydrated`, so tests know when clicks
/// reach their handlers.
pub fn use_hydrated() -> Signal<String> {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    Signal::derive(move || hydrated.get().to_string())
}

#[component]
fn NotFound() -> impl IntoView {
    error::set_response_status(404);
    view! {
        <main class="page">
            <h1>"Page not found"</h1>
            <p>
                <a href="/">"Back to the status page"</a>
            </p>
        </main>
    }
}
