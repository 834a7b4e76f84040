#![recursion_limit = "256"]
//! The `kodo` server: the router that joins the Leptos pages, the REST API
//! and Twilio's webhooks, and the dispatcher that sends queued messages.

mod admin_pages;
pub mod api;
pub mod config;
pub mod dispatch;
pub mod schedule;
mod server_fn_status;
pub mod state;
pub mod sweeper;
pub mod twilio;
pub mod webhooks;

use std::net::SocketAddr;

use anyhow::{Context, Result};
use axum::Router;
use kodo_app::{shell, App};
use kodo_core::Kodo;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::config::Config;
use crate::dispatch::Dispatcher;
use crate::state::AppState;

/// Loads the Leptos site options from the environment (`LEPTOS_SITE_ROOT`,
/// `LEPTOS_SITE_ADDR`, ...), as cargo-leptos sets them.
pub fn leptos_options() -> Result<LeptosOptions> {
    let mut options = leptos::config::get_configuration(None)
        .context("reading the LEPTOS_* environment variables")?
        .leptos_options;
    if options.output_name.is_empty() {
        options.output_name = "kodo".into();
    }
    Ok(options)
}

/// Connects to the database and applies pending migrations.
pub async fn connect(config: &Config) -> Result<Kodo> {
    let pool = kodo_core::db::connect(&config.database_url)
        .await
        .context("connecting to DATABASE_URL")?;
    kodo_core::db::migrate(&pool).await.context("applying migrations")?;
    Ok(Kodo::new(pool, config.keys.clone(), &config.public_url))
}

/// Builds the whole application router.
pub async fn router(state: AppState) -> Result<Router> {
    let sessions = PostgresStore::new(state.kodo.pool.clone());
    sessions.migrate().await.context("creating the session table")?;
    let session_layer = SessionManagerLayer::new(sessions)
        .with_secure(state.kodo.public_url.starts_with("https://"))
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(tower_sessions::cookie::time::Duration::days(7)));

    let routes = generate_route_list(App);
    let kodo = state.kodo.clone();
    let options = state.leptos_options.clone();
    // The sign-in guard applies to the pages only, not to the API's /admin/
    // routes, which answer 401 themselves.
    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(kodo.clone()),
            move || shell(options.clone()),
        )
        .route_layer(axum::middleware::from_fn(admin_pages::require_sign_in));
    let router = Router::new()
        .merge(api::router())
        .merge(webhooks::router())
        .merge(pages)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::map_response(server_fn_status::apply))
        .layer(session_layer)
        .layer(TraceLayer::new_for_http())
        .with_state(state);
    Ok(router)
}

/// A running server, for the binary and for tests.
pub struct Server {
    pub address: SocketAddr,
    pub kodo: Kodo,
    pub dispatcher: Dispatcher,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// Whether the server runs its background jobs: the dispatcher, the
/// sweeper and the scheduled maintenance checks. Tests turn them off, drain
/// the queue on demand and call `kodo_core::sweeper::sweep` and
/// `kodo_core::maintenance::run_due` themselves.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    Background,
    OnDemand,
}

impl Server {
    pub async fn start(
        config: &Config,
        options: LeptosOptions,
        listener: TcpListener,
        dispatch: Dispatch,
    ) -> Result<Server> {
        let kodo = connect(config).await?;
        let twilio = config.twilio_client();
        let dispatcher = Dispatcher::with_options(kodo.clone(), twilio.clone(), config.dispatch_options());
        let state = AppState {
            kodo: kodo.clone(),
            leptos_options: options,
            twilio,
        };
        let app = router(state).await?;
        let address = listener.local_addr()?;
        let (shutdown, mut stopped) = watch::channel(false);
        if dispatch == Dispatch::Background {
            tokio::spawn(dispatcher.clone().run(shutdown.subscribe()));
            tokio::spawn(sweeper::run(kodo.clone(), shutdown.subscribe()));
            tokio::spawn(schedule::run(kodo.clone(), shutdown.subscribe()));
        }
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                });
            if let Err(error) = serve.await {
                tracing::error!(%error, "server stopped with an error");
            }
        });
        tracing::info!(%address, "kodo listening");
        Ok(Server {
            address,
            kodo,
            dispatcher,
            shutdown,
            task,
        })
    }

    /// Stops accepting requests, finishes those under way, and stops the
    /// dispatcher.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }

    /// Waits until the server stops on its own or `signal` completes.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()>) {
        signal.await;
        tracing::info!("shutting down");
        self.stop().await;
    }
}
