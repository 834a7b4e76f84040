//! Periodic checks that act when a time comes, such as a maintenance
//! window starting.

use std::time::Duration;

use kodo_core::{maintenance, Kodo};
use tokio::sync::watch;

/// How often to look for maintenance windows that have started or ended.
const CHECK_INTERVAL: Duration = Duration::from_secs(30);

/// Runs the checks until `shutdown` turns true.
pub async fn run(kodo: Kodo, mut shutdown: watch::Receiver<bool>) {
    tracing::info!("scheduled checks started");
    loop {
        if *shutdown.borrow() {
            break;
        }
        match maintenance::run_due(&kodo, kodo.clock.now()).await {
            Ok(0) => {}
            Ok(started) => tracing::info!(maintenance.started = started, "maintenance windows started"),
            Err(error) => tracing::error!(%error, "maintenance check failed; retrying after the interval"),
        }
        tokio::select! {
            _ = shutdown.changed() => {}
            _ = tokio::time::sleep(CHECK_INTERVAL) => {}
        }
    }
    tracing::info!("scheduled checks stopped");
}
