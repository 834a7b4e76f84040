//! Scheduled maintenance: announcement, start, cancellation and
//! completion, with times in each subscriber's zone.

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{json_body, TestApp};

const NEW_YORK: &str = "+12125550141";
const BERLIN: &str = "+4915112345679";
const NOT_INTERESTED: &str = "+12125550142";
const OTHER_SERVICE: &str = "+12125550143";

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// Maintenance messages to a number, oldest first, as (status, body).
async fn maintenance_messages(app: &TestApp, phone: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT status, body FROM messages WHERE to_phone = $1 AND kind = 'maintenance' ORDER BY id",
    )
    .bind(phone)
    .fetch_all(&app.kodo.pool)
    .await
    .unwrap()
}

async fn schedule(app: &TestApp, services: &[i64]) -> Value {
    let response = app
        .post(
            "/api/v1/maintenance",
            json!({
                "title": "Database upgrade",
                "message": "The API may be read-only.",
                "services": services,
                "starts_at": "2026-06-04T02:00:00Z",
                "ends_at": "2026-06-04T04:00:00Z",
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    json_body(response).await
}

/// A server at 2026-06-01 with subscribers in two zones who want
/// maintenance news, one who does not, and one scoped to another service.
async fn spawn_with_subscribers() -> (TestApp, i64) {
    let app = TestApp::spawn().await;
    app.kodo.clock.set(Some(utc("2026-06-01T12:00:00Z")));
    let api = app.create_service("API").await;
    let web = app.create_service("Web").await;
    app.subscribe(NEW_YORK, json!({ "maintenance": true })).await;
    app.subscribe(BERLIN, json!({ "maintenance": true, "scope": "services", "services": [api] })).await;
    app.subscribe(NOT_INTERESTED, json!({})).await;
    app.subscribe(OTHER_SERVICE, json!({ "maintenance": true, "scope": "services", "services": [web] })).await;
    (app, api)
}

#[tokio::test]
async fn announcement_uses_local_times() {
    let (app, api) = spawn_with_subscribers().await;
    let window = schedule(&app, &[api]).await;
    assert_eq!(window["status"], "scheduled");
    assert_eq!(window["services"][0]["name"], "API");

    let new_york = maintenance_messages(&app, NEW_YORK).await;
    assert_eq!(new_york.len(), 1);
    assert!(new_york[0].1.contains("Jun 3 22:00 EDT to Jun 4 00:00 EDT"), "{}", new_york[0].1);
    assert!(new_york[0].1.contains("Database upgrade"));
    let berlin = maintenance_messages(&app, BERLIN).await;
    assert!(berlin[0].1.contains("Jun 4 04:00 CEST to Jun 4 06:00 CEST"), "{}", berlin[0].1);
    assert!(maintenance_messages(&app, NOT_INTERESTED).await.is_empty());
    assert!(maintenance_messages(&app, OTHER_SERVICE).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn start_check_tells_subscribers_once() {
    let (app, api) = spawn_with_subscribers().await;
    let id = schedule(&app, &[api]).await["id"].as_i64().unwrap();
    app.drain().await;

    let early = kodo_core::maintenance::run_due(&app.kodo, utc("2026-06-04T01:59:00Z")).await.unwrap();
    assert_eq!(early, 0);
    let started = kodo_core::maintenance::run_due(&app.kodo, utc("2026-06-04T02:00:00Z")).await.unwrap();
    assert_eq!(started, 1);
    let again = kodo_core::maintenance::run_due(&app.kodo, utc("2026-06-04T02:01:00Z")).await.unwrap();
    assert_eq!(again, 0);

    let messages = maintenance_messages(&app, NEW_YORK).await;
    assert_eq!(messages.len(), 2);
    assert!(messages[1].1.contains("Maintenance started, until Jun 4 00:00 EDT"), "{}", messages[1].1);
    let window = json_body(app.get(&format!("/api/v1/maintenance/{id}")).await).await;
    assert_eq!(window["status"], "in_progress");

    kodo_core::maintenance::run_due(&app.kodo, utc("2026-06-04T04:00:00Z")).await.unwrap();
    let window = json_body(app.get(&format!("/api/v1/maintenance/{id}")).await).await;
    assert_eq!(window["status"], "completed");
    app.stop().await;
}

#[tokio::test]
async fn cancel_tells_only_those_told() {
    let (app, api) = spawn_with_subscribers().await;
    let id = schedule(&app, &[api]).await["id"].as_i64().unwrap();
    // New York's announcement goes; Berlin's is still unsent.
    sqlx::query("UPDATE messages SET status = 'sent', channel = 'outbox' WHERE to_phone = $1 AND kind = 'maintenance'")
        .bind(NEW_YORK)
        .execute(&app.kodo.pool)
        .await
        .unwrap();

    let response = app.post(&format!("/api/v1/maintenance/{id}/cancel"), json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await["status"], "canceled");

    let new_york = maintenance_messages(&app, NEW_YORK).await;
    assert_eq!(new_york.len(), 2);
    assert!(new_york[1].1.contains("Canceled"), "{}", new_york[1].1);
    assert_eq!(new_york[1].0, "queued");
    let berlin = maintenance_messages(&app, BERLIN).await;
    assert_eq!(berlin, [("canceled".to_owned(), berlin[0].1.clone())]);

    let again = app.post(&format!("/api/v1/maintenance/{id}/cancel"), json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let started = kodo_core::maintenance::run_due(&app.kodo, utc("2026-06-04T02:00:00Z")).await.unwrap();
    assert_eq!(started, 0, "a canceled window never starts");
    app.stop().await;
}

#[tokio::test]
async fn update_and_complete_change_status() {
    let (app, api) = spawn_with_subscribers().await;
    let id = schedule(&app, &[api]).await["id"].as_i64().unwrap();
    let response = app
        .put(
            &format!("/api/v1/maintenance/{id}"),
            json!({
                "title": "Database upgrade, part 1",
                "message": "Shorter now.",
                "services": [api],
                "starts_at": "2026-06-04T02:00:00Z",
                "ends_at": "2026-06-04T03:00:00Z",
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let updated = json_body(response).await;
    assert_eq!(updated["title"], "Database upgrade, part 1");
    assert_eq!(updated["ends_at"], "2026-06-04T03:00:00Z");

    let response = app.post(&format!("/api/v1/maintenance/{id}/complete"), json!({})).await;
    assert_eq!(json_body(response).await["status"], "completed");
    let unsent = maintenance_messages(&app, NEW_YORK).await;
    assert_eq!(unsent[0].0, "canceled", "completing withdraws unsent announcements");
    app.stop().await;
}

/// Applies `assignments` (SQL) to the queued maintenance texts to `phone`.
async fn update_queued(app: &TestApp, phone: &str, assignments: &str) {
    sqlx::query(&format!(
        "UPDATE messages SET {assignments} WHERE to_phone = $1 AND kind = 'maintenance' AND status = 'queued'"
    ))
    .bind(phone)
    .execute(&app.kodo.pool)
    .await
    .unwrap();
}

/// Marks every maintenance text to `phone` so far as sent.
async fn mark_sent(app: &TestApp, phone: &str) {
    update_queued(app, phone, "status = 'sent', channel = 'outbox'").await;
}

async fn put_window(app: &TestApp, id: i64, services: &[i64], message: &str, starts_at: &str, ends_at: &str) {
    let response = app
        .put(
            &format!("/api/v1/maintenance/{id}"),
            json!({
                "title": "Database upgrade",
                "message": message,
                "services": services,
                "starts_at": starts_at,
                "ends_at": ends_at,
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn reschedule_texts_notified_and_reannounces() {
    let (app, api) = spawn_with_subscribers().await;
    let id = schedule(&app, &[api]).await["id"].as_i64().unwrap();
    mark_sent(&app, NEW_YORK).await;

    // Moved one day later: New York, already notified, gets the new times.
    // Berlin's unsent announcement is replaced by one with the new times.
    put_window(&app, id, &[api], "The API may be read-only.", "2026-06-05T02:00:00Z", "2026-06-05T04:00:00Z").await;
    let new_york = maintenance_messages(&app, NEW_YORK).await;
    assert_eq!(new_york.len(), 2, "{new_york:?}");
    assert_eq!(new_york[1].0, "queued");
    assert!(
        new_york[1].1.contains("Maintenance rescheduled, now Jun 4 22:00 EDT to Jun 5 00:00 EDT"),
        "{}",
        new_york[1].1
    );
    let berlin = maintenance_messages(&app, BERLIN).await;
    assert_eq!(berlin.len(), 2, "{berlin:?}");
    assert_eq!(berlin[0].0, "canceled");
    assert!(berlin[1].1.contains("Maintenance Jun 5 04:00 CEST to Jun 5 06:00 CEST"), "{}", berlin[1].1);
    assert!(maintenance_messages(&app, OTHER_SERVICE).await.is_empty());

    // Saving the same window again sends no text.
    put_window(&app, id, &[api], "The API may be read-only.", "2026-06-05T02:00:00Z", "2026-06-05T04:00:00Z").await;
    assert_eq!(maintenance_messages(&app, NEW_YORK).await.len(), 2);
    assert_eq!(maintenance_messages(&app, BERLIN).await.len(), 2);

    // A changed message alone re-announces to those not yet notified and
    // sends nothing to those who were.
    mark_sent(&app, NEW_YORK).await;
    put_window(&app, id, &[api], "Writes pause for a minute.", "2026-06-05T02:00:00Z", "2026-06-05T04:00:00Z").await;
    assert_eq!(maintenance_messages(&app, NEW_YORK).await.len(), 2);
    let berlin = maintenance_messages(&app, BERLIN).await;
    assert_eq!(berlin.len(), 3, "{berlin:?}");
    assert_eq!((berlin[1].0.as_str(), berlin[2].0.as_str()), ("canceled", "queued"));
    assert!(berlin[2].1.contains("Writes pause for a minute."), "{}", berlin[2].1);
    app.stop().await;
}

/// Holds the unsent maintenance texts to `phone`, as quiet hours would.
async fn hold_unsent(app: &TestApp, phone: &str) {
    update_queued(app, phone, "status = 'held', next_attempt_at = '2026-07-01T00:00:00Z'").await;
}

#[tokio::test]
async fn waiting_texts_withdrawn_at_start_and_end() {
    let (app, api) = spawn_with_subscribers().await;
    let id = schedule(&app, &[api]).await["id"].as_i64().unwrap();
    hold_unsent(&app, NEW_YORK).await;

    kodo_core::maintenance::run_due(&app.kodo, utc("2026-06-04T02:00:00Z")).await.unwrap();
    let new_york = maintenance_messages(&app, NEW_YORK).await;
    assert_eq!(new_york.len(), 2, "{new_york:?}");
    assert_eq!(new_york[0].0, "canceled", "the start text replaces the waiting announcement");
    assert!(new_york[1].1.contains("Maintenance started"), "{}", new_york[1].1);

    // Berlin's start text waits; a new message in progress re-sends it with
    // the new words rather than dropping it.
    app.kodo.clock.set(Some(utc("2026-06-04T02:10:00Z")));
    hold_unsent(&app, BERLIN).await;
    put_window(&app, id, &[api], "Writes pause for a minute.", "2026-06-04T02:00:00Z", "2026-06-04T04:00:00Z").await;
    let berlin = maintenance_messages(&app, BERLIN).await;
    let statuses: Vec<&str> = berlin.iter().map(|(status, _)| status.as_str()).collect();
    assert_eq!(statuses, ["canceled", "canceled", "queued"], "{berlin:?}");
    assert!(berlin[2].1.contains("Maintenance started"), "{}", berlin[2].1);
    assert!(berlin[2].1.contains("Writes pause"), "{}", berlin[2].1);

    // A text still waiting when the window ends is withdrawn.
    hold_unsent(&app, NEW_YORK).await;
    kodo_core::maintenance::run_due(&app.kodo, utc("2026-06-04T04:00:00Z")).await.unwrap();
    let new_york = maintenance_messages(&app, NEW_YORK).await;
    assert_eq!(new_york.last().unwrap().0, "canceled", "{new_york:?}");
    app.stop().await;
}

#[tokio::test]
async fn moving_a_started_window_ahead_schedules_it_again() {
    let (app, api) = spawn_with_subscribers().await;
    let id = schedule(&app, &[api]).await["id"].as_i64().unwrap();
    kodo_core::maintenance::run_due(&app.kodo, utc("2026-06-04T02:00:00Z")).await.unwrap();
    app.kodo.clock.set(Some(utc("2026-06-04T02:30:00Z")));

    put_window(&app, id, &[api], "Postponed.", "2026-06-05T02:00:00Z", "2026-06-05T04:00:00Z").await;
    let window = json_body(app.get(&format!("/api/v1/maintenance/{id}")).await).await;
    assert_eq!(window["status"], "scheduled");
    let started = kodo_core::maintenance::run_due(&app.kodo, utc("2026-06-05T02:00:00Z")).await.unwrap();
    assert_eq!(started, 1, "the window starts again at its new time");
    let new_york = maintenance_messages(&app, NEW_YORK).await;
    assert!(new_york.last().unwrap().1.contains("Maintenance started, until Jun 5 00:00 EDT"), "{new_york:?}");
    app.stop().await;
}

#[tokio::test]
async fn notified_subscribers_hear_of_changes_after_leaving_scope() {
    let (app, api) = spawn_with_subscribers().await;
    let web: i64 = sqlx::query_scalar("SELECT id FROM services WHERE name = 'Web'").fetch_one(&app.kodo.pool).await.unwrap();
    let id = schedule(&app, &[api]).await["id"].as_i64().unwrap();
    mark_sent(&app, BERLIN).await;

    // The window moves to the Web service: Berlin (scoped to API) was
    // notified and hears of the move; the Web subscriber gets the
    // announcement.
    put_window(&app, id, &[web], "The API may be read-only.", "2026-06-05T02:00:00Z", "2026-06-05T04:00:00Z").await;
    let berlin = maintenance_messages(&app, BERLIN).await;
    assert!(berlin.last().unwrap().1.contains("Maintenance rescheduled"), "{berlin:?}");
    assert_eq!(maintenance_messages(&app, OTHER_SERVICE).await.len(), 1);

    mark_sent(&app, BERLIN).await;
    app.post(&format!("/api/v1/maintenance/{id}/cancel"), json!({})).await;
    let berlin = maintenance_messages(&app, BERLIN).await;
    assert!(berlin.last().unwrap().1.contains("Canceled"), "{berlin:?}");
    app.stop().await;
}

#[tokio::test]
async fn service_added_in_progress_texts_its_subscribers() {
    let (app, api) = spawn_with_subscribers().await;
    let web: i64 = sqlx::query_scalar("SELECT id FROM services WHERE name = 'Web'").fetch_one(&app.kodo.pool).await.unwrap();
    let id = schedule(&app, &[api]).await["id"].as_i64().unwrap();
    kodo_core::maintenance::run_due(&app.kodo, utc("2026-06-04T02:00:00Z")).await.unwrap();
    app.kodo.clock.set(Some(utc("2026-06-04T02:10:00Z")));
    assert!(maintenance_messages(&app, OTHER_SERVICE).await.is_empty());

    put_window(&app, id, &[api, web], "The API may be read-only.", "2026-06-04T02:00:00Z", "2026-06-04T04:00:00Z").await;
    let web_subscriber = maintenance_messages(&app, OTHER_SERVICE).await;
    assert_eq!(web_subscriber.len(), 1, "{web_subscriber:?}");
    assert!(web_subscriber[0].1.contains("Maintenance started"), "{}", web_subscriber[0].1);
    app.stop().await;
}

#[tokio::test]
async fn cancellation_text_is_an_editable_template() {
    let (app, api) = spawn_with_subscribers().await;
    let response = app
        .put(
            "/api/v1/templates/maintenance_canceled",
            json!({ "template": "{{page}}: {{title}} on {{starts_at}} is off." }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let id = schedule(&app, &[api]).await["id"].as_i64().unwrap();
    mark_sent(&app, NEW_YORK).await;

    let response = app.post(&format!("/api/v1/maintenance/{id}/cancel"), json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let new_york = maintenance_messages(&app, NEW_YORK).await;
    assert!(new_york[1].1.ends_with(": Database upgrade on Jun 3 22:00 EDT is off."), "{}", new_york[1].1);
    app.stop().await;
}

#[tokio::test]
async fn invalid_windows_are_rejected() {
    let (app, _) = spawn_with_subscribers().await;
    let body = |starts: &str, ends: &str, services: Value| {
        json!({ "title": "Upgrade", "message": "Soon.", "services": services, "starts_at": starts, "ends_at": ends })
    };
    let cases = [
        (body("2026-06-04T02:00:00Z", "2026-06-04T01:00:00Z", json!([])), "ends_at"),
        (body("2026-05-01T02:00:00Z", "2026-05-01T03:00:00Z", json!([])), "ends_at"),
        (body("2026-06-04T02:00:00Z", "2026-06-04T03:00:00Z", json!([999])), "services"),
        (body("tomorrow", "2026-06-04T03:00:00Z", json!([])), "starts_at"),
        (body("0001-01-01T10:00:00Z", "9999-12-31T10:00:00Z", json!([])), "ends_at"),
        (body("2026-06-04T02:00:00Z", "2026-07-06T02:00:00Z", json!([])), "ends_at"),
        (body("2027-07-01T02:00:00Z", "2027-07-01T03:00:00Z", json!([])), "starts_at"),
        (body("2026-06-04T02:00:00", "2026-06-04T03:00:00Z", json!([])), "starts_at"),
    ];
    for (request, field) in cases {
        let response = app.post("/api/v1/maintenance", request.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{request}");
        let error = json_body(response).await;
        assert_eq!(error["field"], field, "{request}");
        let message = error["error"].as_str().unwrap();
        assert!(!message.contains("premature end"), "the message says what to write: {message}");
    }
    assert_eq!(app.get("/api/v1/maintenance/42").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.post("/api/v1/maintenance/42/cancel", json!({})).await.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}
