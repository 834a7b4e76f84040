//! Delivery progress of each incident event, and its failed messages with
//! Twilio's error codes explained, for the admin dashboard.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::Result;

/// The messages of one incident event (an opening, update or resolution)
/// by delivery stage. Messages replaced by a newer update are left out.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
pub struct EventProgress {
    pub incident_id: i64,
    pub incident_title: String,
    pub update_id: i64,
    /// `created`, `updated` or `resolved`.
    pub update_kind: String,
    pub created_at: DateTime<Utc>,
    /// Waiting in Kodo's queue, as a message or as a recipient that has
    /// none yet, or being sent.
    pub queued: i64,
    /// Accepted by Twilio (or stored in the development outbox), with no
    /// delivery report yet.
    pub sent: i64,
    pub delivered: i64,
    /// Failed or reported undelivered.
    pub failed: i64,
}

/// A failed message of an incident event.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FailedMessage {
    pub id: i64,
    pub update_id: i64,
    pub to: String,
    pub status: String,
    pub error_code: Option<i32>,
    pub error_message: Option<String>,
    /// The error's meaning, in plain words.
    pub meaning: String,
    /// The step the admin can take about it.
    pub action: String,
}

/// Returns the progress of the `limit` newest incident events, newest first.
pub async fn recent_events(pool: &PgPool, limit: i64) -> Result<Vec<EventProgress>> {
    let events = sqlx::query_as::<_, EventProgress>(
        "SELECT u.incident_id, i.title AS incident_title, u.id AS update_id, u.kind AS update_kind, \
           u.created_at, \
           count(m.id) FILTER (WHERE m.channel IS NULL AND m.status IN ('queued', 'held', 'sending')) \
             + (SELECT count(*) FROM fanout_recipients f WHERE f.update_id = u.id) AS queued, \
           count(m.id) FILTER (WHERE m.channel IS NOT NULL AND m.status IN ('queued', 'sending', 'sent')) AS sent, \
           count(m.id) FILTER (WHERE m.status = 'delivered') AS delivered, \
           count(m.id) FILTER (WHERE m.status IN ('failed', 'undelivered')) AS failed \
         FROM (SELECT * FROM incident_updates ORDER BY created_at DESC, id DESC LIMIT $1) u \
         JOIN incidents i ON i.id = u.incident_id \
         LEFT JOIN messages m ON m.incident_id = u.incident_id AND m.update_id = u.id \
         GROUP BY u.incident_id, i.title, u.id, u.kind, u.created_at \
         ORDER BY u.created_at DESC, u.id DESC",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(events)
}

/// Returns up to `limit` failed messages of the given incident events,
/// newest first.
pub async fn failures(pool: &PgPool, update_ids: &[i64], limit: i64) -> Result<Vec<FailedMessage>> {
    let rows: Vec<(i64, i64, String, String, Option<i32>, Option<String>)> = sqlx::query_as(
        "SELECT id, update_id, to_phone, status, error_code, error_message FROM messages \
         WHERE update_id = ANY($1) AND status IN ('failed', 'undelivered') \
         ORDER BY id DESC LIMIT $2",
    )
    .bind(update_ids)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, update_id, to, status, error_code, error_message)| {
            let explanation = explain(error_code);
            FailedMessage {
                id,
                update_id,
                to,
                status,
                error_code,
                error_message,
                meaning: explanation.meaning.to_owned(),
                action: explanation.action.to_owned(),
            }
        })
        .collect())
}

/// A Twilio error code in plain words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Explanation {
    pub meaning: &'static str,
    pub action: &'static str,
}

/// Explains a Twilio error code (from Twilio's error dictionary,
/// twilio.com/docs/api/errors). `None` is a send that got no response.
pub fn explain(code: Option<i32>) -> Explanation {
    let (meaning, action) = match code {
        None => (
            "Twilio did not answer, or the connection failed, on every attempt.",
            "Check Twilio's status page and this server's network, then post an update to send again.",
        ),
        Some(21211) => (
            "The number is not a valid phone number.",
            "Check the number's format: it needs the country code, as in +14155550123. The subscriber is marked undeliverable.",
        ),
        Some(21614 | 21635) => (
            "The number cannot receive text messages, for example because it is a landline.",
            "Ask the subscriber to sign up with a mobile number. The subscriber is marked undeliverable.",
        ),
        Some(21612) => (
            "Twilio cannot reach this number by SMS from your sender.",
            "Check that your Twilio number can send to this carrier and country.",
        ),
        Some(21610) => (
            "The person replied STOP to your number, so the carrier blocks messages to them.",
            "Nothing to do: they are unsubscribed. They can text START to subscribe again.",
        ),
        Some(21408) => (
            "Your Twilio account may not send to this country.",
            "Enable the country in the Twilio console under Messaging > Settings > Geo permissions, then resume sending.",
        ),
        Some(21617) => (
            "The message is longer than Twilio's 1,600-character limit.",
            "Shorten the incident message or the template.",
        ),
        Some(20003) => (
            "Twilio rejected the account's credentials, or suspended the account (for example for an empty balance).",
            "Check the Account SID, the Auth Token and the Twilio balance, then save the settings and resume sending.",
        ),
        Some(20404) => (
            "Twilio does not know the account.",
            "Check the Account SID in the Twilio console and save the settings.",
        ),
        Some(21606 | 21212) => (
            "The From number cannot send SMS for this account.",
            "Enter an SMS-capable number or Messaging Service SID of this account in the settings.",
        ),
        Some(20429) => (
            "Twilio rate-limited the requests on every attempt.",
            "Lower the segments per second in the settings.",
        ),
        Some(30001) => (
            "Twilio's queue for your sender overflowed.",
            "Lower the segments per second in the settings to your sender's real rate.",
        ),
        Some(30002) => (
            "Twilio suspended the account.",
            "Check the Twilio balance and the account's status in the Twilio console.",
        ),
        Some(30003) => (
            "The phone was off or out of coverage until the carrier gave up.",
            "Nothing to fix on your side; the next update tries again.",
        ),
        Some(30004) => (
            "The carrier or the recipient blocked the message.",
            "Ask the subscriber to check their carrier's block list and any blocked senders on the phone.",
        ),
        Some(30005) => (
            "The carrier does not know the number; it may no longer exist.",
            "Check the number with the subscriber.",
        ),
        Some(30006) => (
            "The number is a landline or its carrier cannot receive SMS.",
            "Ask the subscriber for a mobile number.",
        ),
        Some(30007) => (
            "The carrier filtered the message as spam.",
            "Register your sender (A2P 10DLC or toll-free verification) and avoid link shorteners in the template.",
        ),
        Some(30032 | 30034) => (
            "The carrier blocked the message because the sender is not registered.",
            "Complete toll-free verification or A2P 10DLC registration for your sender in the Twilio console.",
        ),
        Some(code) if (500..600).contains(&code) || (20500..20600).contains(&code) => (
            "Twilio had a server error on every attempt.",
            "Check Twilio's status page; post an update to send again once it has recovered.",
        ),
        Some(_) => (
            "Twilio rejected the message.",
            "Look the code up in Twilio's error dictionary at twilio.com/docs/api/errors.",
        ),
    };
    Explanation { meaning, action }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_each_handled_code() {
        let cases = [
            (Some(21211), "format"),
            (Some(21614), "mobile number"),
            (Some(21635), "mobile number"),
            (Some(21610), "START"),
            (Some(21408), "Geo permissions"),
            (Some(20003), "balance"),
            (Some(30004), "block list"),
            (Some(30007), "Register"),
            (Some(20500), "status page"),
            (None, "status page"),
        ];
        for (code, expected) in cases {
            let action = explain(code).action;
            assert!(action.contains(expected), "code {code:?}: {action}");
        }
    }

    #[test]
    fn unknown_code_points_to_dictionary() {
        assert!(explain(Some(12345)).action.contains("error dictionary"));
    }
}
