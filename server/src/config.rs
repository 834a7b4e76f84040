//! Configuration from the environment. Every variable is documented in
//! the README.

use std::time::Duration;

use anyhow::{Context, Result};
use kodo_core::Keys;

use crate::dispatch::DispatchOptions;
use crate::twilio::{TwilioClient, REQUEST_TIMEOUT};

#[derive(Clone)]
pub struct Config {
    /// `DATABASE_URL`: the PostgreSQL connection string.
    pub database_url: String,
    /// `KODO_PUBLIC_URL`: the URL the world reaches Kodo at; used in links
    /// and to check Twilio's webhook signatures.
    pub public_url: String,
    /// `KODO_TWILIO_API_BASE`: where Twilio's REST API is; tests point it
    /// at a local fake.
    pub twilio_api_base: String,
    /// `KODO_SECRET_KEY`: the secret every key is derived from.
    pub keys: Keys,
    /// `KODO_SENDING_LEASE_SECS`: how long a message may stay `sending`
    /// before another dispatcher checks it against Twilio.
    pub sending_lease: Duration,
}

/// Shortest sending lease accepted, in seconds.
const MIN_SENDING_LEASE_SECS: u64 = 2;

impl Config {
    pub fn from_env() -> Result<Config> {
        let database_url = std::env::var("DATABASE_URL")
            .context("DATABASE_URL is not set; set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/kodo")?;
        let site_addr = std::env::var("LEPTOS_SITE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
        let public_url = std::env::var("KODO_PUBLIC_URL").unwrap_or_else(|_| format!("http://{site_addr}"));
        let twilio_api_base = std::env::var("KODO_TWILIO_API_BASE")
            .unwrap_or_else(|_| "https://api.twilio.com".to_owned());
        let secret = std::env::var("KODO_SECRET_KEY")
            .context("KODO_SECRET_KEY is not set; run the command through scripts/kodo, which reads it from .env, or set it to the server's value (a new deployment takes a random string of at least 32 bytes, e.g. openssl rand -hex 32)")?;
        let keys = Keys::derive(&secret)?;
        let sending_lease = match std::env::var("KODO_SENDING_LEASE_SECS") {
            Ok(value) => value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|secs| *secs >= MIN_SENDING_LEASE_SECS)
                .map(Duration::from_secs)
                .with_context(|| {
                    format!("KODO_SENDING_LEASE_SECS is {value:?}; set it to a whole number of seconds, at least {MIN_SENDING_LEASE_SECS}")
                })?,
            Err(_) => DispatchOptions::default().sending_lease,
        };
        Ok(Config {
            database_url,
            public_url: public_url.trim_end_matches('/').to_owned(),
            twilio_api_base: twilio_api_base.trim_end_matches('/').to_owned(),
            keys,
            sending_lease,
        })
    }

    /// Returns the dispatcher's options for this configuration.
    pub fn dispatch_options(&self) -> DispatchOptions {
        DispatchOptions {
            sending_lease: self.sending_lease,
            ..DispatchOptions::default()
        }
    }

    /// Returns a Twilio client whose requests end well within the sending
    /// lease, so no dispatcher takes a message for lost while its request
    /// is still under way.
    pub fn twilio_client(&self) -> TwilioClient {
        let timeout = REQUEST_TIMEOUT.min(self.sending_lease / 2);
        TwilioClient::with_timeout(&self.twilio_api_base, timeout)
    }
}
