//! The dispatcher: claims queued messages from PostgreSQL and sends them
//! through Twilio, or stores them in the development outbox while no Twilio
//! account is configured.
//!
//! It wakes on `NOTIFY` when a message is queued and polls as a fallback,
//! which also picks up retries whose delay has passed. Each sender keeps to
//! its rate through a token bucket in PostgreSQL shared by every
//! dispatcher (see `kodo_core::rate_limit`). A message whose send may have
//! reached Twilio without a response (a timeout, or a dispatcher that
//! stopped mid-request) is looked up in Twilio's message list before it is
//! sent again.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use kodo_core::consent::Method;
use kodo_core::db::DISPATCH_CHANNEL;
use kodo_core::dispatch_control::{self, Limits};
use kodo_core::messages::{self, Accepted, Claimed, SendFailure, Unconfirmed};
use kodo_core::settings::{self, TwilioCredentials};
use kodo_core::{fanout, subscribers, Kodo};
use kodo_domain::phone::PhoneNumber;
use rand::Rng;
use sqlx::postgres::PgListener;
use tokio::sync::watch;

use crate::twilio::{SendError, TwilioClient};

/// How often to look for due messages when no notification arrives.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Messages claimed by the first pass after a dispatcher wakes. Each
/// following pass doubles it up to the batch size, so the first message of
/// a large fan-out leaves after a small claim.
const FIRST_BATCH: i64 = 16;

/// Batch size, concurrency and sending lease of a dispatcher.
#[derive(Debug, Clone, Copy)]
pub struct DispatchOptions {
    /// Maximum messages claimed per batch.
    pub batch_size: i64,
    /// Requests to Twilio in flight at once, per lane.
    pub concurrent_sends: usize,
    /// Batches a running dispatcher works on at once, so that one batch is
    /// claimed and recorded while another is being sent.
    pub lanes: usize,
    /// How long a claimed message may stay `sending` before another
    /// dispatcher takes it for lost. It must exceed the Twilio client's
    /// request timeout; a message of a batch that could not be sent and
    /// recorded within it goes back to the queue unsent.
    pub sending_lease: Duration,
}

impl Default for DispatchOptions {
    fn default() -> Self {
        DispatchOptions {
            batch_size: 500,
            concurrent_sends: 64,
            lanes: 2,
            sending_lease: Duration::from_secs(60),
        }
    }
}

/// The time the rate limiter refills by: the database's clock, which every
/// dispatcher shares, or a clock a test sets.
#[derive(Clone, Default)]
pub enum Clock {
    #[default]
    Database,
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    fn now(&self) -> Option<DateTime<Utc>> {
        match self {
            Clock::Database => None,
            Clock::Manual(time) => Some(*time.lock().unwrap_or_else(|poisoned| poisoned.into_inner())),
        }
    }
}

/// The outcome of one dispatcher pass.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Messages sent, failed, held or checked against Twilio, and
    /// recipients of incident events made into messages.
    pub handled: usize,
    /// How long until the rate limit lets the next due message go, when it
    /// held one back.
    pub rate_wait: Option<Duration>,
}

/// The handling of a failed send, chosen from Twilio's response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureAction {
    /// A temporary failure (rate limit, server error, connection refused):
    /// send again after a backoff.
    Retry,
    /// No response arrived after the request went out, so look the message
    /// up at Twilio before sending it again.
    LookUp,
    /// The number opted out at the carrier (21610): unsubscribe it.
    OptOut,
    /// The number can never receive SMS (21211, 21614, 21635): mark the
    /// subscriber undeliverable.
    Undeliverable,
    /// Twilio's geo permissions block the destination country (21408):
    /// hold the message until an admin enables the country.
    HoldRegion,
    /// The account or sender is wrong: pause the sender, keep the message.
    PauseSender(&'static str),
    /// Any other rejection of this one message: fail it.
    Fail,
}

/// Chooses what to do about `error`.
pub fn failure_action(error: &SendError) -> FailureAction {
    match error.code {
        Some(21610) => return FailureAction::OptOut,
        Some(21211 | 21614 | 21635) => return FailureAction::Undeliverable,
        Some(21408) => return FailureAction::HoldRegion,
        Some(20003) => {
            return FailureAction::PauseSender(
                "Twilio rejected the Account SID and Auth Token. Copy both again from the \
                 Twilio console and save the settings.",
            )
        }
        Some(20404) => {
            return FailureAction::PauseSender(
                "Twilio does not know this account. Check the Account SID in the Twilio \
                 console and save the settings.",
            )
        }
        Some(21606 | 21212) => {
            return FailureAction::PauseSender(
                "Twilio does not let this account send from the configured From number. \
                 Enter an SMS-capable number or Messaging Service SID of this account and \
                 save the settings.",
            )
        }
        _ => {}
    }
    if error.is_ambiguous() {
        FailureAction::LookUp
    } else if error.is_retryable() {
        FailureAction::Retry
    } else {
        FailureAction::Fail
    }
}

#[derive(Clone)]
pub struct Dispatcher {
    kodo: Kodo,
    twilio: TwilioClient,
    options: DispatchOptions,
    clock: Clock,
}

impl Dispatcher {
    pub fn new(kodo: Kodo, twilio: TwilioClient) -> Self {
        Dispatcher::with_options(kodo, twilio, DispatchOptions::default())
    }

    pub fn with_options(kodo: Kodo, twilio: TwilioClient, options: DispatchOptions) -> Self {
        Dispatcher {
            kodo,
            twilio,
            options,
            clock: Clock::Database,
        }
    }

    /// Returns this dispatcher with the rate limiter on `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(
            batch_size = self.options.batch_size,
            concurrent_sends = self.options.concurrent_sends,
            lanes = self.options.lanes,
            "dispatcher started"
        );
        let mut listener = self.listen().await;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let pause = match self.drain_lanes().await {
                Ok(Some(wait)) => wait.min(POLL_INTERVAL),
                Ok(None) => POLL_INTERVAL,
                Err(error) => {
                    tracing::error!(%error, "dispatching failed; retrying after the poll interval");
                    POLL_INTERVAL
                }
            };
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
                _ = tokio::time::sleep(pause) => {}
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

    /// Sends until no message is due or the rate limit keeps the rest
    /// waiting; returns the rate limit's wait. The first pass claims a small
    /// batch. When it was full and no rate limit held messages back, every
    /// lane goes on draining at once.
    async fn drain_lanes(&self) -> kodo_core::Result<Option<Duration>> {
        let first_batch = FIRST_BATCH.min(self.options.batch_size);
        let first = self.run_pass(first_batch).await?;
        // Under the rate limit the bucket is empty now, so another pass
        // would only spend queries before the wait.
        if first.handled == 0 || first.rate_wait.is_some() {
            return Ok(first.rate_wait);
        }
        let lanes = if first.handled >= first_batch as usize {
            self.options.lanes.max(1)
        } else {
            1
        };
        let results = futures::future::join_all((0..lanes).map(|_| self.drain_passes(first_batch * 2))).await;
        let mut wait: Option<Duration> = None;
        for result in results {
            if let Some(lane_wait) = result? {
                wait = Some(wait.map_or(lane_wait, |wait| wait.min(lane_wait)));
            }
        }
        Ok(wait)
    }

    /// Runs passes from a batch of `batch_size`, each claiming up to twice
    /// as many messages as the one before, until one handles nothing or the
    /// rate limit keeps messages waiting; returns the rate limit's wait.
    async fn drain_passes(&self, batch_size: i64) -> kodo_core::Result<Option<Duration>> {
        let mut batch_size = batch_size.min(self.options.batch_size);
        loop {
            let pass = self.run_pass(batch_size).await?;
            if pass.handled == 0 || pass.rate_wait.is_some() {
                return Ok(pass.rate_wait);
            }
            batch_size = (batch_size * 2).min(self.options.batch_size);
        }
    }

    /// Sends batches until no message is due or the rate limit keeps the
    /// rest waiting. Returns how many were handled.
    pub async fn drain(&self) -> kodo_core::Result<usize> {
        let mut total = 0;
        loop {
            let pass = self.run_once().await?;
            if pass.handled == 0 {
                return Ok(total);
            }
            total += pass.handled;
        }
    }

    /// Checks lost sends against Twilio, then claims one full batch of due
    /// messages and sends it.
    pub async fn run_once(&self) -> kodo_core::Result<Pass> {
        self.run_pass(self.options.batch_size).await
    }

    /// Sends a batch of up to `batch_size` due messages (`send_pass`), then
    /// makes messages for the next recipients of large incident events.
    /// Sending comes first, so an event's first messages leave while the
    /// rest are being made.
    ///
    /// A pass that the rate limit cut short makes none: due messages are
    /// waiting anyway, and the dispatcher must claim again the moment the
    /// next token is there, or the sender falls below its rate.
    async fn run_pass(&self, batch_size: i64) -> kodo_core::Result<Pass> {
        let mut pass = self.send_pass(batch_size).await?;
        if pass.rate_wait.is_none() {
            let expanded = fanout::expand_waiting(&self.kodo, fanout::DISPATCH_BATCH).await?;
            pass.handled += expanded as usize;
        }
        Ok(pass)
    }

    /// Checks lost sends against Twilio, then claims up to `batch_size` due
    /// messages, sends them and records the accepted ones in one statement.
    async fn send_pass(&self, batch_size: i64) -> kodo_core::Result<Pass> {
        let pool = &self.kodo.pool;
        // Credentials and limits are read for every batch, so saving the
        // settings takes effect without a restart.
        let credentials = settings::twilio_credentials(pool).await?;
        let limits = dispatch_control::limits(pool).await?;
        let checked = self.reconcile(credentials.as_ref(), limits).await?;

        let Some(credentials) = credentials else {
            let batch = messages::claim_due(pool, batch_size).await?;
            let accepted: Vec<Accepted> = batch
                .iter()
                .map(|message| Accepted {
                    id: message.id,
                    twilio_sid: None,
                    status: "sent".to_owned(),
                })
                .collect();
            messages::mark_sent_batch(pool, "outbox", &accepted).await?;
            return Ok(Pass {
                handled: checked + batch.len(),
                rate_wait: None,
            });
        };
        if dispatch_control::sender_pause(pool, &credentials.from).await?.is_some() {
            return Ok(Pass {
                handled: checked,
                rate_wait: None,
            });
        }
        let claimed_at = Instant::now();
        let claim = messages::claim_within_rate(
            pool,
            &credentials.from,
            limits.segments_per_second,
            batch_size,
            self.clock.now(),
        )
        .await?;
        let batch = claim.messages;
        if batch.is_empty() {
            return Ok(Pass {
                handled: checked,
                rate_wait: claim.wait,
            });
        }
        let blocked: HashSet<String> = dispatch_control::blocked_region_codes(pool).await?.into_iter().collect();
        let paused = AtomicBool::new(false);
        let count = batch.len();
        let outcomes: Vec<Outcome> = futures::stream::iter(batch)
            .map(|message| {
                let credentials = &credentials;
                let blocked = &blocked;
                let paused = &paused;
                async move {
                    match self.deliver(credentials, limits, blocked, paused, claimed_at, &message).await {
                        Ok(outcome) => outcome,
                        Err(error) => {
                            tracing::error!(message.id = message.id, %error, "recording a send outcome failed");
                            Outcome::Recorded
                        }
                    }
                }
            })
            .buffer_unordered(self.options.concurrent_sends)
            .collect()
            .await;
        let mut accepted = Vec::new();
        let mut failures = Vec::new();
        for outcome in outcomes {
            match outcome {
                Outcome::Accepted(sent) => accepted.push(sent),
                Outcome::Failed(failure) => failures.push(failure),
                Outcome::Recorded => {}
            }
        }
        // A message Twilio accepted but not recorded here (the process
        // stopped, or this write failed) stays `sending` until its lease
        // runs out, and is then looked up at Twilio before any resend. A
        // failure not recorded is looked up the same way, and found missing.
        messages::mark_sent_batch(pool, "twilio", &accepted).await?;
        messages::record_failures(pool, &failures).await?;
        Ok(Pass {
            handled: checked + count,
            rate_wait: claim.wait,
        })
    }

    async fn deliver(
        &self,
        credentials: &TwilioCredentials,
        limits: Limits,
        blocked: &HashSet<String>,
        paused: &AtomicBool,
        claimed_at: Instant,
        message: &Claimed,
    ) -> kodo_core::Result<Outcome> {
        let pool = &self.kodo.pool;
        if paused.load(Ordering::Relaxed) {
            messages::release(pool, message.id).await?;
            return Ok(Outcome::Recorded);
        }
        if claimed_at.elapsed() >= self.latest_send_start() {
            // Sent now, the request might still be under way when the lease
            // runs out and another dispatcher looks the message up, finds
            // nothing and sends it again.
            tracing::debug!(message.id = message.id, "batch ran long; message goes back to the queue");
            messages::release(pool, message.id).await?;
            return Ok(Outcome::Recorded);
        }
        if !blocked.is_empty() {
            if let Some(region) = region_of(&message.to_phone).filter(|region| blocked.contains(region)) {
                messages::hold(pool, message.id, &region, Some(21408), "waiting for the country to be enabled")
                    .await?;
                return Ok(Outcome::Recorded);
            }
        }
        let callback = format!("{}/webhooks/twilio/status", self.kodo.public_url);
        match self
            .twilio
            .send(credentials, &message.to_phone, &message.body, &callback)
            .await
        {
            Ok(sent) => {
                tracing::debug!(message.id = message.id, message.sid = %sent.sid, "message sent");
                Ok(Outcome::Accepted(Accepted {
                    id: message.id,
                    twilio_sid: Some(sent.sid),
                    status: sent.status,
                }))
            }
            Err(error) => Ok(self
                .handle_failure(credentials, limits, paused, message, error)
                .await?
                .map_or(Outcome::Recorded, Outcome::Failed)),
        }
    }

    /// Acts on a failed send. Returns the failure to record with the batch
    /// when the message is to be retried or has failed for good. Other
    /// outcomes (a paused sender, a blocked country, a send to look up) are
    /// recorded here.
    async fn handle_failure(
        &self,
        credentials: &TwilioCredentials,
        limits: Limits,
        paused: &AtomicBool,
        message: &Claimed,
        error: SendError,
    ) -> kodo_core::Result<Option<SendFailure>> {
        let pool = &self.kodo.pool;
        let action = failure_action(&error);
        let may_retry = message.attempts < limits.max_attempts;
        match action {
            FailureAction::Retry if may_retry => {
                let delay_ms = backoff_ms(message.attempts);
                tracing::warn!(
                    message.id = message.id,
                    attempts = message.attempts,
                    retry_in_ms = delay_ms,
                    error.code = error.code,
                    %error,
                    "send failed; will retry"
                );
                return Ok(Some(SendFailure {
                    id: message.id,
                    error_code: error.code,
                    error_message: error.message,
                    retry_in_ms: Some(delay_ms),
                }));
            }
            FailureAction::LookUp if may_retry => {
                let delay_ms = backoff_ms(message.attempts);
                tracing::warn!(
                    message.id = message.id,
                    attempts = message.attempts,
                    check_in_ms = delay_ms,
                    %error,
                    "no response from Twilio, so the message is looked up before it is sent again"
                );
                messages::mark_unconfirmed(pool, message.id, self.options.sending_lease, delay_ms, &error.message)
                    .await?;
                return Ok(None);
            }
            FailureAction::PauseSender(fix) => {
                paused.store(true, Ordering::Relaxed);
                dispatch_control::pause_sender(pool, &credentials.from, error.code, &error.message, fix).await?;
                messages::release(pool, message.id).await?;
                return Ok(None);
            }
            FailureAction::HoldRegion => {
                let phone = PhoneNumber::from_e164_trusted(message.to_phone.clone());
                if let Some(region) = phone.region() {
                    dispatch_control::block_region(pool, &region, phone.country_calling_code(), &error.message).await?;
                    messages::hold(pool, message.id, &region, error.code, &error.message).await?;
                    return Ok(None);
                }
            }
            _ => {}
        }

        tracing::error!(message.id = message.id, error.code = error.code, %error, "send failed");
        match action {
            FailureAction::OptOut => {
                subscribers::opt_out(
                    &self.kodo,
                    &message.to_phone,
                    Method::Carrier,
                    "Twilio error 21610: the number opted out at the carrier",
                )
                .await?;
            }
            FailureAction::Undeliverable => {
                let reason = format!("Twilio error {}: {}", error.code.unwrap_or_default(), error.message);
                subscribers::mark_undeliverable(&self.kodo, &message.to_phone, &reason).await?;
            }
            _ => {}
        }
        Ok(Some(SendFailure {
            id: message.id,
            error_code: error.code,
            error_message: error.message,
            retry_in_ms: None,
        }))
    }

    /// Looks up at Twilio the messages whose `sending` lease ran out, so a
    /// message Twilio has is recorded as sent and one it lacks is queued
    /// again. Returns how many were checked.
    async fn reconcile(&self, credentials: Option<&TwilioCredentials>, limits: Limits) -> kodo_core::Result<usize> {
        let pool = &self.kodo.pool;
        if credentials.is_some() {
            // Status callbacks that raced the write of their message's SID.
            messages::apply_early_callbacks(pool).await?;
        }
        let unconfirmed =
            messages::claim_unconfirmed(pool, self.options.sending_lease, self.options.batch_size).await?;
        let count = unconfirmed.len();
        futures::stream::iter(unconfirmed)
            .for_each_concurrent(self.options.concurrent_sends, |message| async move {
                if let Err(error) = self.reconcile_one(credentials, limits, &message).await {
                    tracing::error!(message.id = message.id, %error, "checking a lost send failed");
                }
            })
            .await;
        Ok(count)
    }

    async fn reconcile_one(
        &self,
        credentials: Option<&TwilioCredentials>,
        limits: Limits,
        message: &Unconfirmed,
    ) -> kodo_core::Result<()> {
        let pool = &self.kodo.pool;
        let Some(credentials) = credentials else {
            // The outbox sends nothing outside the database, so the message
            // can simply go again.
            return messages::requeue_unconfirmed(pool, message.id).await;
        };
        // A few minutes of slack cover a difference between the database's
        // clock and Twilio's.
        let since = message.claimed_at - chrono::Duration::minutes(5);
        let listed = match self.twilio.list_sent_to(credentials, &message.to_phone, since).await {
            Ok(listed) => listed,
            Err(error) => {
                tracing::warn!(
                    message.id = message.id,
                    %error,
                    "listing messages at Twilio failed; will check again after the lease"
                );
                return Ok(());
            }
        };
        let candidates: Vec<_> = listed
            .into_iter()
            .filter(|listed| listed.body.as_deref() == Some(message.body.as_str()))
            .filter(|listed| listed.direction.as_deref().is_none_or(|direction| direction.starts_with("outbound")))
            .collect();
        let sids: Vec<String> = candidates.iter().map(|listed| listed.sid.clone()).collect();
        let known: HashSet<String> = messages::known_sids(pool, &sids).await?.into_iter().collect();
        // The oldest match not yet recorded on another message is this one.
        if let Some(found) = candidates.iter().rev().find(|listed| !known.contains(&listed.sid)) {
            tracing::info!(message.id = message.id, message.sid = %found.sid, "Twilio has the lost send; recorded it");
            return messages::mark_sent(pool, message.id, "twilio", Some(&found.sid), &found.status).await;
        }
        if message.attempts >= limits.max_attempts {
            let error = message.error_message.as_deref().unwrap_or("no response from Twilio");
            tracing::error!(message.id = message.id, attempts = message.attempts, error, "send failed");
            let failure = SendFailure {
                id: message.id,
                error_code: None,
                error_message: error.to_owned(),
                retry_in_ms: None,
            };
            return messages::record_failures(pool, &[failure]).await;
        }
        tracing::info!(message.id = message.id, "Twilio lacks the lost send; queued it again");
        messages::requeue_unconfirmed(pool, message.id).await
    }
}

/// The outcome of sending one claimed message. Sends and send failures are
/// written together once the batch is done, and the rare other outcomes as
/// they happen.
enum Outcome {
    Accepted(Accepted),
    Failed(SendFailure),
    Recorded,
}

impl Dispatcher {
    /// Returns how long after its claim a message of a batch may still be
    /// sent: its request and the batch's write of the outcomes must end
    /// within the sending lease. A tenth of the lease is kept for the write.
    fn latest_send_start(&self) -> Duration {
        let lease = self.options.sending_lease;
        lease.saturating_sub(self.twilio.timeout()).saturating_sub(lease / 10)
    }
}

fn region_of(e164: &str) -> Option<String> {
    PhoneNumber::from_e164_trusted(e164.to_owned()).region()
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

    fn twilio_error(http_status: Option<u16>, code: Option<i32>) -> SendError {
        SendError {
            code,
            message: "error".into(),
            http_status,
            connect_failed: false,
        }
    }

    #[test]
    fn failure_actions_by_code() {
        let cases = [
            (Some(400), Some(21610), FailureAction::OptOut),
            (Some(400), Some(21211), FailureAction::Undeliverable),
            (Some(400), Some(21614), FailureAction::Undeliverable),
            (Some(400), Some(21635), FailureAction::Undeliverable),
            (Some(400), Some(21408), FailureAction::HoldRegion),
            (Some(429), Some(20429), FailureAction::Retry),
            (Some(503), Some(20500), FailureAction::Retry),
            (Some(500), None, FailureAction::Retry),
            (Some(400), Some(21617), FailureAction::Fail),
            (None, None, FailureAction::LookUp),
        ];
        for (http_status, code, expected) in cases {
            assert_eq!(failure_action(&twilio_error(http_status, code)), expected, "code {code:?}");
        }
        for code in [20003, 20404, 21606, 21212] {
            let action = failure_action(&twilio_error(Some(400), Some(code)));
            assert!(matches!(action, FailureAction::PauseSender(_)), "code {code}: {action:?}");
        }
    }

    #[test]
    fn refused_connection_is_retried_not_looked_up() {
        let error = SendError {
            connect_failed: true,
            ..twilio_error(None, None)
        };
        assert_eq!(failure_action(&error), FailureAction::Retry);
    }
}
