//! The state every handler shares.

use axum::extract::FromRef;
use kodo_core::Kodo;
use leptos::config::LeptosOptions;

use crate::twilio::TwilioClient;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub kodo: Kodo,
    pub leptos_options: LeptosOptions,
    pub twilio: TwilioClient,
}
