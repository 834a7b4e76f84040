//! The consent log: evidence of every opt-in and opt-out, append-only.
//! A trigger in the schema rejects updates and deletes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::Result;

/// How an opt-in or opt-out arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Web,
    Admin,
    Api,
    SmsKeyword,
    Carrier,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Web => "web",
            Method::Admin => "admin",
            Method::Api => "api",
            Method::SmsKeyword => "sms_keyword",
            Method::Carrier => "carrier",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    OptIn,
    OptOut,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::OptIn => "opt_in",
            Action::OptOut => "opt_out",
        }
    }
}

/// One record to append.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub subscriber_id: i64,
    pub phone: &'a str,
    pub action: Action,
    pub method: Method,
    pub consent_text: Option<&'a str>,
    pub client_ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    /// The admin's email or the API token's name that acted, if any.
    pub actor: Option<&'a str>,
}

pub async fn append(executor: impl sqlx::PgExecutor<'_>, record: Record<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO consent_events \
           (subscriber_id, phone, action, method, consent_text, client_ip, user_agent, actor) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(record.subscriber_id)
    .bind(record.phone)
    .bind(record.action.as_str())
    .bind(record.method.as_str())
    .bind(record.consent_text)
    .bind(record.client_ip)
    .bind(record.user_agent)
    .bind(record.actor)
    .execute(executor)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
pub struct Event {
    pub id: i64,
    pub subscriber_id: Option<i64>,
    pub phone: String,
    pub action: String,
    pub method: String,
    pub consent_text: Option<String>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub actor: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Lists the records of one phone number, oldest first.
pub async fn list_for_phone(pool: &PgPool, phone: &str) -> Result<Vec<Event>> {
    let events = sqlx::query_as::<_, Event>(
        "SELECT id, subscriber_id, phone, action, method, consent_text, client_ip, \
           user_agent, actor, created_at \
         FROM consent_events WHERE phone = $1 ORDER BY id",
    )
    .bind(phone)
    .fetch_all(pool)
    .await?;
    Ok(events)
}

/// Lists the whole log, or one number's records when `phone` is set,
/// oldest first.
pub async fn list(pool: &PgPool, phone: Option<&str>) -> Result<Vec<Event>> {
    let events = sqlx::query_as::<_, Event>(
        "SELECT id, subscriber_id, phone, action, method, consent_text, client_ip, \
           user_agent, actor, created_at \
         FROM consent_events WHERE ($1::text IS NULL OR phone = $1) ORDER BY id",
    )
    .bind(phone)
    .fetch_all(pool)
    .await?;
    Ok(events)
}
