//! The background job that removes unconfirmed sign-ups and expired
//! records; the rules are in `kodo_core::sweeper`.

use std::time::Duration;

use kodo_core::{sweeper, Kodo};
use tokio::sync::watch;

/// How often the sweeper runs.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// Sweeps every [`SWEEP_INTERVAL`] until `shutdown` turns true. Several
/// processes may sweep the same database, because each removal is a plain
/// `DELETE` that a second run finds already done.
pub async fn run(kodo: Kodo, mut shutdown: watch::Receiver<bool>) {
    tracing::info!(interval_secs = SWEEP_INTERVAL.as_secs(), "sweeper started");
    loop {
        if *shutdown.borrow() {
            break;
        }
        if let Err(error) = sweeper::sweep(&kodo.pool, chrono::Utc::now()).await {
            tracing::error!(%error, "sweeping failed; retrying after the interval");
        }
        tokio::select! {
            _ = shutdown.changed() => {}
            _ = tokio::time::sleep(SWEEP_INTERVAL) => {}
        }
    }
    tracing::info!("sweeper stopped");
}
