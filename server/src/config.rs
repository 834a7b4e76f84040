//! Configuration from the environment. Every variable is documented in
//! the README.

use anyhow::{Context, Result};
use kodo_core::Keys;

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
}

impl Config {
    pub fn from_env() -> Result<Config> {
        let database_url = std::env::var("DATABASE_URL")
            .context("DATABASE_URL is not set; set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/kodo")?;
        let site_addr = std::env::var("LEPTOS_SITE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
        let public_url = std::env::var("KODO_PUBLIC_URL").unwrap_or_else(|_| format!("http://{site_addr}"));
        let twilio_api_base = std::env::var("KODO_TWILIO_API_BASE")
            .unwrap_or_else(|_| "https://api.twilio.com".to_owned());
        let secret = std::env::var("KODO_SECRET_KEY")
            .context("KODO_SECRET_KEY is not set; set it to a random string of at least 32 bytes (openssl rand -hex 32)")?;
        let keys = Keys::derive(&secret)?;
        Ok(Config {
            database_url,
            public_url: public_url.trim_end_matches('/').to_owned(),
            twilio_api_base: twilio_api_base.trim_end_matches('/').to_owned(),
            keys,
        })
    }
}
