#![recursion_limit = "256"]
//! Kodo's Leptos application: the public status page with its subscribe
//! widget, and the admin dashboard. Server functions sit beside the
//! components that call them; their bodies run only on the server.

#[cfg(feature = "admin-pages")]
pub mod admin;
#[cfg(feature = "public-pages")]
mod browser;
#[cfg(feature = "ssr")]
pub mod bundle;
#[cfg(feature = "public-pages")]
mod codec;
mod error;
#[cfg(feature = "public-pages")]
mod incident_page;
#[cfg(feature = "public-pages")]
mod manage;
pub mod model;
#[cfg(feature = "public-pages")]
mod phone_check;
#[cfg(feature = "public-pages")]
mod phone_field;
#[cfg(feature = "public-pages")]
mod phone_module;
#[cfg(feature = "public-pages")]
mod preferences_picker;
#[cfg(feature = "ssr")]
mod request;
mod service_checkboxes;
#[cfg(feature = "public-pages")]
mod status_page;
#[cfg(feature = "public-pages")]
mod subscribe;
#[cfg(feature = "public-pages")]
mod subscribe_slot;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Stylesheet, Title};
use leptos_router::any_nested_route::IntoAnyNestedRoute;
use leptos_router::components::{Router, Routes};

pub use error::AppError;

/// The HTML document around every page. An admin page loads the admin
/// dashboard's bundle, any other page the public pages' bundle.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use bundle::BundleChunks;
    use leptos_meta::MetaTags;

    let options = bundle::options_for_page(options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options=options.clone() />
                <BundleChunks options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The router of every page. Each bundle hydrates with its own pages only;
/// links from one bundle's pages to the other's are `rel="external"`, so
/// the browser loads them whole.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/kodo.css" />
        <Title text="Status" />
        <Router>
            <Routes fallback=NotFound>
                <PublicRoutes />
                <AdminRoutes />
            </Routes>
        </Router>
    }
}

/// Returns the routes of the status page, incident pages and the
/// subscription manager.
///
/// The route sets are type-erased, as `always-erase-components` makes
/// every component's routes in release builds, so that both builds agree.
#[cfg(feature = "public-pages")]
#[component(transparent)]
fn PublicRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    use leptos_router::components::Route;
    use leptos_router::{path, Lazy, SsrMode};

    view! {
        // Async: the server sends these pages whole, so they read without
        // JavaScript, and an unknown incident gets a 404.
        <Route path=path!("/") view=status_page::StatusPage ssr=SsrMode::Async />
        <Route path=path!("/incidents/:id") view=incident_page::IncidentPage ssr=SsrMode::Async />
        <Route path=path!("/manage") view={Lazy::<manage::ManageRoute>::new()} />
    }
    .into_inner()
    .into_any_nested_route()
}

#[cfg(not(feature = "public-pages"))]
#[component(transparent)]
fn PublicRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    no_routes()
}

#[cfg(feature = "admin-pages")]
use admin::AdminRoutes;

#[cfg(not(feature = "admin-pages"))]
#[component(transparent)]
fn AdminRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    no_routes()
}

/// Returns a route set that matches no path, in place of the pages a bundle
/// leaves out. An empty tuple would match every path.
#[cfg(not(all(feature = "public-pages", feature = "admin-pages")))]
fn no_routes() -> leptos_router::any_nested_route::AnyNestedRoute {
    leptos::tachys::view::iterators::StaticVec::<leptos_router::any_nested_route::AnyNestedRoute>::from(Vec::new())
        .into_any_nested_route()
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
                <a href="/" rel="external">"Back to the status page"</a>
            </p>
        </main>
    }
}
