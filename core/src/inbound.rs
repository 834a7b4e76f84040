//! Inbound SMS: keyword replies from subscribers, through Twilio's webhook
//! or the development outbox.

use kodo_domain::keywords::{classify, Keyword};
use kodo_domain::template::TemplateKind;

use crate::consent::Method;
use crate::subscribers::{self, enqueue_direct, render_page_template};
use crate::{Kodo, Result};

/// What was done with an inbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    OptedOut,
    OptedIn,
    HelpSent,
    /// A keyword that changed nothing, such as STOP from a number that
    /// was not subscribed.
    NoChange,
    /// Not a keyword: logged and ignored.
    Ignored,
    /// The same message was handled before.
    Duplicate,
}

/// Handles one inbound message once: `message_sid` identifies it, so a
/// repeated webhook delivery does nothing.
pub async fn handle(kodo: &Kodo, from: &str, body: &str, message_sid: &str) -> Result<Outcome> {
    handle_delivery(kodo, from, body, message_sid, None).await
}

/// Handles one webhook delivery of an inbound message once. A delivery
/// that repeats either the `message_sid` or Twilio's
/// `I-Twilio-Idempotency-Token` of one handled before does nothing.
pub async fn handle_delivery(
    kodo: &Kodo,
    from: &str,
    body: &str,
    message_sid: &str,
    idempotency_token: Option<&str>,
) -> Result<Outcome> {
    let keyword = classify(body);
    let action = match keyword {
        Keyword::OptOut => "opt_out",
        Keyword::OptIn => "opt_in",
        Keyword::Help => "help",
        Keyword::None => "none",
    };

    // The record is written in a transaction held until the action is done:
    // a concurrent duplicate waits on a unique index (of the SID or of the
    // idempotency token) and then finds the conflict, and a failed action
    // rolls the record back so Twilio's retry is handled.
    let mut tx = kodo.pool.begin().await?;
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO inbound_messages (message_sid, from_phone, body, action, idempotency_token) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(message_sid)
    .bind(from)
    .bind(body)
    .bind(action)
    .bind(idempotency_token)
    .fetch_optional(&mut *tx)
    .await?;
    if inserted.is_none() {
        tracing::info!(message.sid = message_sid, "duplicate inbound message ignored");
        return Ok(Outcome::Duplicate);
    }

    let outcome = match keyword {
        Keyword::OptOut => {
            let note = format!("Texted {:?}", body.trim());
            if subscribers::opt_out(kodo, from, Method::SmsKeyword, &note).await? {
                Outcome::OptedOut
            } else {
                Outcome::NoChange
            }
        }
        Keyword::OptIn => {
            let note = format!("Texted {:?}", body.trim());
            if subscribers::opt_in(kodo, from, &note).await? {
                Outcome::OptedIn
            } else {
                Outcome::NoChange
            }
        }
        Keyword::Help => {
            let reply = render_page_template(kodo, TemplateKind::Help).await?;
            let subscriber_id: Option<i64> =
                sqlx::query_scalar("SELECT id FROM subscribers WHERE phone = $1")
                    .bind(from)
                    .fetch_optional(&mut *tx)
                    .await?;
            enqueue_direct(&mut tx, subscriber_id, from, "help", &reply).await?;
            Outcome::HelpSent
        }
        Keyword::None => Outcome::Ignored,
    };
    tx.commit().await?;
    tracing::info!(message.sid = message_sid, action, ?outcome, "inbound message handled");
    Ok(outcome)
}
