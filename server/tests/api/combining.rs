//! Combining rapid updates: one unsent notification per subscriber per
//! incident, hold windows, and resolutions replacing unsent updates.

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;

const PHONE: &str = "+14155550121";
const NO_RESOLUTIONS: &str = "+14155550122";

/// A notification row as stored, oldest first.
#[derive(Debug, sqlx::FromRow)]
pub struct Row {
    pub status: String,
    pub body: String,
    pub next_attempt_at: DateTime<Utc>,
}

pub async fn notification_rows(app: &TestApp, phone: &str) -> Vec<Row> {
    sqlx::query_as(
        "SELECT status, body, next_attempt_at FROM messages \
         WHERE to_phone = $1 AND kind = 'notification' ORDER BY id",
    )
    .bind(phone)
    .fetch_all(&app.kodo.pool)
    .await
    .unwrap()
}

pub async fn post_update(app: &TestApp, incident: i64, status: &str, message: &str) {
    let response = app
        .post(&format!("/api/v1/incidents/{incident}/updates"), json!({ "status": status, "message": message }))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "post update");
}

/// Makes every held message due now, as if its hold had passed.
pub async fn end_holds(app: &TestApp) {
    sqlx::query("UPDATE messages SET next_attempt_at = now() - interval '1 second' WHERE status = 'held'")
        .execute(&app.kodo.pool)
        .await
        .unwrap();
}

fn statuses(rows: &[Row]) -> Vec<&str> {
    rows.iter().map(|row| row.status.as_str()).collect()
}

#[tokio::test]
async fn unsent_first_message_is_replaced() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;
    let incident = app.open_incident("API down", "minor", &[]).await;
    post_update(&app, incident, "identified", "Bad deploy found.").await;

    let rows = notification_rows(&app, PHONE).await;
    assert_eq!(statuses(&rows), ["canceled", "queued"]);
    assert!(rows[1].body.contains("Identified"), "{}", rows[1].body);
    assert!(rows[1].body.contains("Bad deploy found."));
    // The replacement keeps the first message's send time, so it is not held.
    assert_eq!(rows[1].next_attempt_at, rows[0].next_attempt_at);

    app.drain().await;
    let rows = notification_rows(&app, PHONE).await;
    assert_eq!(statuses(&rows), ["canceled", "sent"]);
    app.stop().await;
}

#[tokio::test]
async fn follow_ups_are_held_and_combined() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;
    let incident = app.open_incident("API down", "major", &[]).await;
    app.drain().await;

    let before = Utc::now();
    post_update(&app, incident, "identified", "First cause found.").await;
    let rows = notification_rows(&app, PHONE).await;
    assert_eq!(statuses(&rows), ["sent", "held"]);
    let held_until = rows[1].next_attempt_at;
    assert!(held_until >= before + chrono::Duration::seconds(60));
    assert!(held_until <= Utc::now() + chrono::Duration::seconds(60));

    post_update(&app, incident, "monitoring", "Fix deployed.").await;
    let rows = notification_rows(&app, PHONE).await;
    assert_eq!(statuses(&rows), ["sent", "canceled", "held"]);
    assert_eq!(rows[2].next_attempt_at, held_until, "a replacement keeps the hold's end");
    assert!(rows[2].body.contains("Monitoring"));
    assert!(rows[2].body.contains("Fix deployed."));

    assert_eq!(app.drain().await, 0, "nothing is due while held");
    end_holds(&app).await;
    assert_eq!(app.drain().await, 1);
    let rows = notification_rows(&app, PHONE).await;
    assert_eq!(statuses(&rows), ["sent", "canceled", "sent"]);
    app.stop().await;
}

#[tokio::test]
async fn resolution_replaces_held_update_at_once() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;
    app.subscribe(NO_RESOLUTIONS, json!({ "resolutions": false })).await;
    let incident = app.open_incident("API down", "minor", &[]).await;
    app.drain().await;
    post_update(&app, incident, "identified", "Cause found.").await;
    post_update(&app, incident, "resolved", "All good.").await;

    let rows = notification_rows(&app, PHONE).await;
    assert_eq!(statuses(&rows), ["sent", "canceled", "queued"]);
    assert!(rows[2].body.contains("Resolved"));
    assert!(rows[2].body.contains("All good."));

    // The held update is out of date, and this subscriber does not want
    // the resolution, so it is canceled and nothing replaces it.
    let rows = notification_rows(&app, NO_RESOLUTIONS).await;
    assert_eq!(statuses(&rows), ["sent", "canceled"]);

    assert_eq!(app.drain().await, 1);
    app.stop().await;
}

#[tokio::test]
async fn critical_follow_up_is_not_held() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;
    let incident = app.open_incident("API down", "critical", &[]).await;
    app.drain().await;
    post_update(&app, incident, "identified", "Cause found.").await;
    let rows = notification_rows(&app, PHONE).await;
    assert_eq!(statuses(&rows), ["sent", "queued"]);
    assert_eq!(app.drain().await, 1);
    app.stop().await;
}

#[tokio::test]
async fn zero_hold_sends_follow_up_at_once() {
    let app = TestApp::spawn().await;
    let response = app.put("/api/v1/settings/sms", json!({ "hold_seconds": 0 })).await;
    assert_eq!(response.status(), StatusCode::OK);
    app.subscribe(PHONE, json!({})).await;
    let incident = app.open_incident("API down", "minor", &[]).await;
    app.drain().await;
    post_update(&app, incident, "identified", "Cause found.").await;
    assert_eq!(statuses(&notification_rows(&app, PHONE).await), ["sent", "queued"]);
    app.stop().await;
}

#[tokio::test]
async fn held_messages_show_in_the_log() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;
    let incident = app.open_incident("API down", "minor", &[]).await;
    app.drain().await;
    post_update(&app, incident, "identified", "Cause found.").await;
    let messages: Vec<Value> = app.messages_to(PHONE).await;
    assert_eq!(messages[0]["status"], "held");
    let due: DateTime<Utc> = messages[0]["next_attempt_at"].as_str().unwrap().parse().unwrap();
    assert!(due > Utc::now() + chrono::Duration::seconds(30), "held until {due}");
    app.stop().await;
}

#[tokio::test]
async fn database_allows_one_unsent_per_incident() {
    let app = TestApp::spawn().await;
    let subscriber = app.subscribe(PHONE, json!({})).await;
    let incident = app.open_incident("API down", "minor", &[]).await;
    let second = sqlx::query(
        "INSERT INTO messages (subscriber_id, to_phone, kind, incident_id, body, status) \
         VALUES ($1, $2, 'notification', $3, 'again', 'held')",
    )
    .bind(subscriber)
    .bind(PHONE)
    .bind(incident)
    .execute(&app.kodo.pool)
    .await;
    let error = second.expect_err("a second unsent notification is rejected");
    assert!(error.to_string().contains("messages_pending_per_incident"), "{error}");
    app.stop().await;
}

/// Marks the incident's unsent notification as claimed by a dispatcher and
/// returns its id.
async fn claim_notification(app: &TestApp, incident: i64) -> i64 {
    sqlx::query_scalar(
        "UPDATE messages SET status = 'sending', attempts = attempts + 1, claimed_at = now() \
         WHERE incident_id = $1 AND kind = 'notification' AND status = 'queued' RETURNING id",
    )
    .bind(incident)
    .fetch_one(&app.kodo.pool)
    .await
    .unwrap()
}

async fn incident_statuses(app: &TestApp, incident: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT status FROM messages WHERE incident_id = $1 ORDER BY id")
        .bind(incident)
        .fetch_all(&app.kodo.pool)
        .await
        .unwrap()
}

/// A claimed notification that goes back in the queue (a paused sender, a
/// blocked country, a lost send or a retry) yields to a newer update of its
/// incident queued while it was claimed, which replaces it.
#[tokio::test]
async fn requeued_notification_yields_to_newer() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;
    app.drain().await;
    let pool = &app.kodo.pool;
    for case in ["release", "hold", "requeue_unconfirmed", "record_failures"] {
        let incident = app.open_incident(&format!("Outage {case}"), "minor", &[]).await;
        let claimed = claim_notification(&app, incident).await;
        post_update(&app, incident, "identified", "Bad deploy found.").await;
        assert_eq!(incident_statuses(&app, incident).await, ["sending", "held"], "{case}");

        let result = match case {
            "release" => kodo_core::messages::release(pool, claimed).await,
            "hold" => kodo_core::messages::hold(pool, claimed, "US", Some(21408), "blocked").await,
            "requeue_unconfirmed" => kodo_core::messages::requeue_unconfirmed(pool, claimed).await,
            _ => {
                let retry = kodo_core::messages::SendFailure {
                    id: claimed,
                    error_code: Some(20500),
                    error_message: "outage".to_owned(),
                    retry_in_ms: Some(1000),
                };
                kodo_core::messages::record_failures(pool, &[retry]).await
            }
        };
        assert!(result.is_ok(), "{case}: {result:?}");
        assert_eq!(incident_statuses(&app, incident).await, ["canceled", "held"], "{case}");
    }
    app.stop().await;
}
