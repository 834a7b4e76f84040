//! Kodo's server-only core: the PostgreSQL store and every operation that
//! changes it. The web handlers, server functions, webhooks and the
//! dispatcher all call into this crate, so each rule lives in one place.

pub mod admins;
pub mod api_tokens;
pub mod clock;
pub mod consent;
pub mod db;
pub mod delivery;
pub mod dispatch_control;
pub mod error;
pub mod fanout;
pub mod inbound;
pub mod incidents;
pub mod keys;
pub mod limits;
pub mod maintenance;
pub mod manage;
pub mod messages;
pub mod rate_limit;
mod region_zones;
pub mod services;
pub mod settings;
pub mod subscribers;
pub mod sweeper;
pub mod templates;
mod text_field;
pub mod timing;

pub use clock::Clock;
pub use error::{Error, Result};
pub use keys::Keys;

use sqlx::PgPool;

/// What every operation needs: the database pool, the keys derived from
/// `KODO_SECRET_KEY`, and the public URL used in links and signatures.
#[derive(Clone)]
pub struct Kodo {
    pub pool: PgPool,
    pub keys: Keys,
    /// The URL the world reaches Kodo at, without a trailing slash.
    pub public_url: String,
    /// The time scheduling decisions use, such as hold windows and quiet
    /// hours.
    pub clock: Clock,
}

impl Kodo {
    pub fn new(pool: PgPool, keys: Keys, public_url: &str) -> Self {
        Kodo {
            pool,
            keys,
            public_url: public_url.trim_end_matches('/').to_owned(),
            clock: Clock::default(),
        }
    }

    /// Returns the public link to an incident's page.
    pub fn incident_url(&self, incident_id: i64) -> String {
        kodo_domain::template::incident_url(&self.public_url, incident_id)
    }
}
