//! Time zones and quiet hours: non-critical messages wait for the
//! subscriber's morning, critical ones do not.

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::combining::{notification_rows, post_update};
use crate::helpers::{json_body, urlencode, TestApp};

const NEW_YORK: &str = "+12125550131";
const BERLIN: &str = "+4915112345678";
const TOKYO: &str = "+819012345678";

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// Signs a number up with a time zone and confirms it.
async fn subscribe_in(app: &TestApp, phone: &str, time_zone: &str, preferences: Value) {
    let response = app
        .post_public(
            "/api/v1/subscriptions",
            json!({ "phone": phone, "preferences": preferences, "consent": true, "time_zone": time_zone }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let signup_id = json_body(response).await["id"].as_str().unwrap().to_owned();
    let code = app.latest_code(phone).await;
    let response = app
        .post_public(&format!("/api/v1/subscriptions/{signup_id}/verify"), json!({ "code": code }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    app.drain().await;
}

async fn time_zone_of(app: &TestApp, phone: &str) -> String {
    let subscribers = json_body(app.get(&format!("/api/v1/subscribers?phone={}", urlencode(phone))).await).await;
    subscribers[0]["time_zone"].as_str().unwrap().to_owned()
}

async fn with_quiet_hours(start: &str, end: &str) -> TestApp {
    let app = TestApp::spawn().await;
    let response = app
        .put("/api/v1/settings/sms", json!({ "quiet_hours": { "start": start, "end": end } }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    app
}

#[tokio::test]
async fn sign_up_stores_time_zone() {
    let app = TestApp::spawn().await;
    subscribe_in(&app, NEW_YORK, "Asia/Tokyo", json!({})).await;
    assert_eq!(time_zone_of(&app, NEW_YORK).await, "Asia/Tokyo");
    app.stop().await;
}

#[tokio::test]
async fn sign_up_guesses_time_zone_from_number() {
    let app = TestApp::spawn().await;
    app.subscribe(BERLIN, json!({})).await;
    assert_eq!(time_zone_of(&app, BERLIN).await, "Europe/Berlin");
    app.subscribe(NEW_YORK, json!({})).await;
    assert_eq!(time_zone_of(&app, NEW_YORK).await, "America/New_York");
    app.stop().await;
}

#[tokio::test]
async fn sign_up_rejects_unknown_time_zone() {
    let app = TestApp::spawn().await;
    let response = app
        .post_public(
            "/api/v1/subscriptions",
            json!({ "phone": NEW_YORK, "consent": true, "time_zone": "Mars/Olympus" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error = json_body(response).await;
    assert_eq!(error["field"], "time_zone");
    assert!(error["error"].as_str().unwrap().contains("America/New_York"));
    app.stop().await;
}

#[tokio::test]
async fn quiet_hours_hold_until_local_morning() {
    let app = with_quiet_hours("22:00", "07:00").await;
    subscribe_in(&app, NEW_YORK, "America/New_York", json!({})).await;
    subscribe_in(&app, BERLIN, "Europe/Berlin", json!({})).await;
    subscribe_in(&app, TOKYO, "Asia/Tokyo", json!({})).await;

    // 23:30 in New York, 05:30 in Berlin, 12:30 in Tokyo.
    app.kodo.clock.set(Some(utc("2026-06-11T03:30:00Z")));
    app.open_incident("API down", "minor", &[]).await;

    let new_york = notification_rows(&app, NEW_YORK).await;
    assert_eq!(new_york[0].status, "held");
    assert_eq!(new_york[0].next_attempt_at, utc("2026-06-11T11:00:00Z"));
    let berlin = notification_rows(&app, BERLIN).await;
    assert_eq!(berlin[0].status, "held");
    assert_eq!(berlin[0].next_attempt_at, utc("2026-06-11T05:00:00Z"));
    let tokyo = notification_rows(&app, TOKYO).await;
    assert_eq!(tokyo[0].status, "queued");
    assert_eq!(tokyo[0].next_attempt_at, utc("2026-06-11T03:30:00Z"));
    app.stop().await;
}

#[tokio::test]
async fn critical_messages_ignore_quiet_hours() {
    let app = with_quiet_hours("22:00", "07:00").await;
    subscribe_in(&app, NEW_YORK, "America/New_York", json!({})).await;
    app.kodo.clock.set(Some(utc("2026-06-11T03:30:00Z")));
    let incident = app.open_incident("API down", "critical", &[]).await;
    post_update(&app, incident, "identified", "Cause found.").await;
    let rows = notification_rows(&app, NEW_YORK).await;
    assert_eq!(rows[0].status, "canceled");
    assert_eq!(rows[1].status, "queued");
    assert_eq!(rows[1].next_attempt_at, utc("2026-06-11T03:30:00Z"));
    app.stop().await;
}

#[tokio::test]
async fn quiet_hours_follow_daylight_saving() {
    let app = with_quiet_hours("22:00", "07:00").await;
    subscribe_in(&app, NEW_YORK, "America/New_York", json!({})).await;

    // 23:00 EST on 2026-03-07; clocks spring forward that night, so 07:00
    // is EDT (UTC-4).
    app.kodo.clock.set(Some(utc("2026-03-08T04:00:00Z")));
    app.open_incident("Spring", "minor", &[]).await;
    // 23:00 EDT on 2026-10-31; clocks fall back that night, so 07:00 is
    // EST (UTC-5).
    app.kodo.clock.set(Some(utc("2026-11-01T03:00:00Z")));
    app.open_incident("Autumn", "minor", &[]).await;

    let rows = notification_rows(&app, NEW_YORK).await;
    assert_eq!(rows[0].next_attempt_at, utc("2026-03-08T11:00:00Z"));
    assert_eq!(rows[1].next_attempt_at, utc("2026-11-01T12:00:00Z"));
    app.stop().await;
}

#[tokio::test]
async fn resolution_during_quiet_hours_replaces_updates() {
    let app = with_quiet_hours("22:00", "07:00").await;
    subscribe_in(&app, NEW_YORK, "America/New_York", json!({})).await;
    let no_resolutions = "+12125550132";
    subscribe_in(&app, no_resolutions, "America/New_York", json!({ "resolutions": false })).await;

    app.kodo.clock.set(Some(utc("2026-06-11T03:30:00Z")));
    let incident = app.open_incident("API down", "minor", &[]).await;
    app.kodo.clock.set(Some(utc("2026-06-11T04:00:00Z")));
    post_update(&app, incident, "identified", "Cause found.").await;
    app.kodo.clock.set(Some(utc("2026-06-11T05:00:00Z")));
    post_update(&app, incident, "resolved", "All good.").await;

    let rows = notification_rows(&app, NEW_YORK).await;
    let statuses: Vec<&str> = rows.iter().map(|row| row.status.as_str()).collect();
    assert_eq!(statuses, ["canceled", "canceled", "held"]);
    assert!(rows[2].body.contains("Resolved"));
    assert_eq!(rows[2].next_attempt_at, utc("2026-06-11T11:00:00Z"));

    let rows = notification_rows(&app, no_resolutions).await;
    let statuses: Vec<&str> = rows.iter().map(|row| row.status.as_str()).collect();
    assert_eq!(statuses, ["canceled", "canceled"]);
    app.stop().await;
}

#[tokio::test]
async fn hold_ending_in_quiet_hours_waits_for_morning() {
    let app = with_quiet_hours("22:00", "07:00").await;
    subscribe_in(&app, NEW_YORK, "America/New_York", json!({})).await;
    // 21:59:30 EDT: the first message goes, and the follow-up's hold would
    // end at 22:00:30, inside quiet hours.
    app.kodo.clock.set(Some(utc("2026-06-11T01:59:30Z")));
    let incident = app.open_incident("API down", "minor", &[]).await;
    sqlx::query("UPDATE messages SET status = 'sent', channel = 'outbox' WHERE kind = 'notification'")
        .execute(&app.kodo.pool)
        .await
        .unwrap();
    post_update(&app, incident, "identified", "Cause found.").await;
    let rows = notification_rows(&app, NEW_YORK).await;
    assert_eq!(rows[1].status, "held");
    assert_eq!(rows[1].next_attempt_at, utc("2026-06-11T11:00:00Z"));
    app.stop().await;
}

#[tokio::test]
async fn changing_quiet_hours_retimes_held() {
    let app = with_quiet_hours("17:00", "07:00").await;
    subscribe_in(&app, NEW_YORK, "America/New_York", json!({})).await;
    // 18:06 in New York: inside 17:00 to 07:00, outside 22:00 to 07:00.
    app.kodo.clock.set(Some(utc("2026-06-11T22:06:00Z")));
    app.open_incident("API down", "minor", &[]).await;
    assert_eq!(notification_rows(&app, NEW_YORK).await[0].next_attempt_at, utc("2026-06-12T11:00:00Z"));

    let response = app.put("/api/v1/settings/sms", json!({ "quiet_hours": { "start": "22:00", "end": "07:00" } })).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(notification_rows(&app, NEW_YORK).await[0].next_attempt_at, utc("2026-06-11T22:06:00Z"));

    let response = app.put("/api/v1/settings/sms", json!({ "quiet_hours": { "start": "18:00", "end": "06:00" } })).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        notification_rows(&app, NEW_YORK).await[0].next_attempt_at,
        utc("2026-06-11T22:06:00Z"),
        "a message already due is not held again"
    );
    app.stop().await;
}

#[tokio::test]
async fn turning_quiet_hours_off_releases_held() {
    let app = with_quiet_hours("22:00", "07:00").await;
    subscribe_in(&app, NEW_YORK, "America/New_York", json!({})).await;
    app.kodo.clock.set(Some(utc("2026-06-11T03:30:00Z")));
    app.open_incident("API down", "minor", &[]).await;
    assert_eq!(notification_rows(&app, NEW_YORK).await[0].next_attempt_at, utc("2026-06-11T11:00:00Z"));
    let status = json_body(app.get("/api/v1/dispatch/status").await).await;
    assert_eq!(status["queue"]["held"], 1, "{status}");

    let response = app.put("/api/v1/settings/sms", json!({ "quiet_hours": null })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let rows = notification_rows(&app, NEW_YORK).await;
    assert_eq!(rows[0].next_attempt_at, utc("2026-06-11T03:30:00Z"));
    assert_eq!(app.drain().await, 1);
    app.stop().await;
}
