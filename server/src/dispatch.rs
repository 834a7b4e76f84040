//! The dispatcher: claims queued messages from PostgreSQL and sends them
//! through Twilio, or stores them in the development outbox while no Twilio
//! account is configured.
//!
//! It wakes on `NOTIFY` when a message is queued and polls as a fallback,
//! which also picks up retries whose delay has passed.

use std::time::Duration;

use futures::StreamExt;
use kodo_core::consent::Method;
use kodo_core::db::DISPATCH_CHANNEL;
use kodo_core::messages::{self, Claimed};
use kodo_core::settings::{self, TwilioCredentials};
use kodo_core::{subscribers, Kodo};
use rand::Rng;
use sqlx::postgres::PgListener;
use tokio::sync::watch;

use crate::twilio::{SendError, TwilioClient};

/// Messages claimed per batch.
const BATCH_SIZE: i64 = 100;
/// Requests to Twilio in flight at once.
const CONCURRENT_SENDS: usize = 16;
/// Sends tried before a message fails for good.
const MAX_ATTEMPTS: i32 = 5;
/// How often to look for due messages when no notification arrives.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Twilio's error for a number that opted out at the carrier (replied STOP).
const ERROR_OPTED_OUT: i32 = 21610;

#[derive(Clone)]
pub struct Dispatcher {
    kodo: Kodo,
    twilio: TwilioClient,
}

impl Dispatcher {
    pub fn new(kodo: Kodo, twilio: TwilioClient) -> Self {
        Dispatcher { kodo, twilio }
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!("dispatcher started");
        let mut listener = self.listen().await;
        loop {
            if *shutdown.borrow() {
                break;
            }
            if let Err(error) = self.drain().await {
                tracing::error!(%error, "dispatching failed; retrying after the poll interval");
            }
            let notified = async {
                match listener.as_mut() {
                    Some(listener) => listener.recv().await.map(|_| ()),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = shutdown.changed() => {}
                result = notified => {
                    if let Err(error) = result {
                        tracing::warn!(%error, "lost the notification connection; reconnecting");
                        listener = self.listen().await;
                    }
                }
                _ = tokio::time::sleep(POLL_INTERVAL) => {}
            }
        }
        tracing::info!("dispatcher stopped");
    }

    async fn listen(&self) -> Option<PgListener> {
        let result = async {
            let mut listener = PgListener::connect_with(&self.kodo.pool).await?;
            listener.listen(DISPATCH_CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        }
        .await;
        match result {
            Ok(listener) => Some(listener),
            Err(error) => {
                tracing::warn!(%error, "cannot listen for new messages; polling only");
                None
            }
        }
    }

    /// Sends batches until no message is due. Returns how many were handled.
    pub async fn drain(&self) -> kodo_core::Result<usize> {
        let mut total = 0;
        loop {
            let handled = self.run_once().await?;
            if handled == 0 {
                return Ok(total);
            }
            total += handled;
        }
    }

    /// Claims one batch of due messages and sends it.
    pub async fn run_once(&self) -> kodo_core::Result<usize> {
        let batch = messages::claim_due(&self.kodo.pool, BATCH_SIZE).await?;
        if batch.is_empty() {
            return Ok(0);
        }
        // Credentials are read for every batch, so saving or removing them
        // switches between Twilio and the outbox without a restart.
        let credentials = settings::twilio_credentials(&self.kodo.pool).await?;
        let count = batch.len();
        futures::stream::iter(batch)
            .for_each_concurrent(CONCURRENT_SENDS, |message| {
                let credentials = credentials.as_ref();
                async move {
                    if let Err(error) = self.deliver(credentials, &message).await {
                        tracing::error!(message.id = message.id, %error, "recording a send outcome failed");
                    }
                }
            })
            .await;
        Ok(count)
    }

    async fn deliver(
        &self,
        credentials: Option<&TwilioCredentials>,
        message: &Claimed,
    ) -> kodo_core::Result<()> {
        let pool = &self.kodo.pool;
        let Some(credentials) = credentials else {
            return messages::mark_sent(pool, message.id, "outbox", None, "sent").await;
        };
        let callback = format!("{}/webhooks/twilio/status", self.kodo.public_url);
        match self
            .twilio
            .send(credentials, &message.to_phone, &message.body, &callback)
            .await
        {
            Ok(sent) => {
                tracing::info!(message.id = message.id, message.sid = %sent.sid, "message sent");
                messages::mark_sent(pool, message.id, "twilio", Some(&sent.sid), &sent.status).await
            }
            Err(error) => self.record_failure(message, error).await,
        }
    }

    async fn record_failure(&self, message: &Claimed, error: SendError) -> kodo_core::Result<()> {
        let pool = &self.kodo.pool;
        if error.is_retryable() && message.attempts < MAX_ATTEMPTS {
            let delay_ms = backoff_ms(message.attempts);
            tracing::warn!(
                message.id = message.id,
                attempts = message.attempts,
                retry_in_ms = delay_ms,
                error.code = error.code,
                %error,
                "send failed; will retry"
            );
            return messages::retry_later(pool, message.id, delay_ms, error.code, &error.message).await;
        }
        tracing::error!(message.id = message.id, error.code = error.code, %error, "send failed");
        messages::mark_failed(pool, message.id, error.code, &error.message).await?;
        if error.code == Some(ERROR_OPTED_OUT) {
            subscribers::opt_out(
                &self.kodo,
                &message.to_phone,
                Method::Carrier,
                "Twilio error 21610: the number opted out at the carrier",
            )
            .await?;
        }
        Ok(())
    }
}

/// Exponential backoff from 2 s, doubled per attempt, with up to 50 %
/// random jitter so that retries of one outage spread out.
fn backoff_ms(attempts: i32) -> i64 {
    let base = 2_000i64 << attempts.clamp(0, 10);
    let jitter = rand::thread_rng().gen_range(0..=base / 2);
    base + jitter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_attempts() {
        for attempts in 0..6 {
            let delay = backoff_ms(attempts);
            let base = 2_000i64 << attempts;
            assert!(delay >= base);
            assert!(delay <= base + base / 2);
        }
    }
}
