//! The send rate per sender and the order messages go in. The rate
//! limiter runs on a clock each test steps by hand, so the counts are exact
//! and no assertion depends on how fast the machine is.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use kodo_server::dispatch::{Clock, Dispatcher};
use reqwest::StatusCode;
use serde_json::json;

use crate::fake_twilio;
use crate::helpers::{json_body, TestApp};

/// Returns a dispatcher whose rate limiter runs on a clock the test moves.
fn manual_dispatcher(app: &TestApp) -> (Dispatcher, Arc<Mutex<DateTime<Utc>>>) {
    let clock = Arc::new(Mutex::new(Utc::now()));
    let dispatcher = app.dispatcher.clone().with_clock(Clock::Manual(clock.clone()));
    (dispatcher, clock)
}

fn advance(clock: &Mutex<DateTime<Utc>>, millis: i64) {
    *clock.lock().unwrap() += Duration::milliseconds(millis);
}

/// Queues a message straight into the table, as the core's enqueue does.
pub async fn queue_message(app: &TestApp, phone: &str, kind: &str, body: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO messages (to_phone, kind, body, segments) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(phone)
    .bind(kind)
    .bind(body)
    .bind(kodo_core::messages::segment_count(body))
    .fetch_one(&app.kodo.pool)
    .await
    .expect("queue a message")
}

fn phone(index: usize) -> String {
    format!("+1415555{:04}", 1000 + index)
}

async fn set_rate(app: &TestApp, rate: f64) {
    let response = app.put("/api/v1/settings/sms", json!({ "segments_per_second": rate })).await;
    assert_eq!(response.status(), StatusCode::OK, "saving segments_per_second");
}

#[tokio::test]
async fn rate_settings_default_and_validation() {
    let app = TestApp::spawn().await;
    let settings = json_body(app.get("/api/v1/settings/sms").await).await;
    assert_eq!(settings["segments_per_second"], 1.0);
    assert_eq!(settings["max_attempts"], 5);

    for (body, field) in [
        (json!({ "segments_per_second": 0 }), "segments_per_second"),
        (json!({ "segments_per_second": -2.5 }), "segments_per_second"),
        (json!({ "segments_per_second": "fast" }), "segments_per_second"),
        (json!({ "max_attempts": 0 }), "max_attempts"),
        (json!({ "max_attempts": 1.5 }), "max_attempts"),
    ] {
        let response = app.put("/api/v1/settings/sms", body.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(json_body(response).await["field"], field, "{body}");
    }

    let response = app
        .put("/api/v1/settings/sms", json!({ "segments_per_second": 0.25, "max_attempts": 3 }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let saved = json_body(response).await;
    assert_eq!(saved["segments_per_second"], 0.25, "fractional rates are allowed");
    assert_eq!(saved["max_attempts"], 3);
    let response = app.put("/api/v1/settings/sms", json!({ "segments_per_second": 5000 })).await;
    assert_eq!(json_body(response).await["segments_per_second"], 5000.0, "no upper bound");
    app.stop().await;
}

#[tokio::test]
async fn drain_stops_at_bucket_capacity() {
    let app = TestApp::spawn_with_twilio().await;
    // 500 segments per second: dispatchers send at 99.5 % of it, 497.5, so
    // the bucket contains 1 + 497.5 * 0.005 = 3.4875 tokens and each
    // millisecond adds 0.4975.
    set_rate(&app, 500.0).await;
    let (dispatcher, clock) = manual_dispatcher(&app);
    for index in 0..12 {
        queue_message(&app, &phone(index), "notification", &format!("Update {index}")).await;
    }

    assert_eq!(dispatcher.drain().await.unwrap(), 3, "a full bucket pays for 3");
    assert_eq!(app.twilio.received().len(), 3);
    let bucket = kodo_core::messages::rate_bucket(&app.kodo.pool, fake_twilio::FROM)
        .await
        .unwrap()
        .expect("a bucket for the sender");
    assert!((bucket.tokens - 0.4875).abs() < 1e-9, "tokens left: {}", bucket.tokens);
    assert_eq!(dispatcher.drain().await.unwrap(), 0, "no refill without time");

    advance(&clock, 2);
    assert_eq!(dispatcher.drain().await.unwrap(), 1, "1.4825 tokens after 2 ms");
    advance(&clock, 1);
    assert_eq!(dispatcher.drain().await.unwrap(), 0, "0.98 tokens pay for nothing");
    advance(&clock, 1_000);
    assert_eq!(dispatcher.drain().await.unwrap(), 3, "an idle second refills only the capacity");
    assert_eq!(app.twilio.received().len(), 7);
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE status = 'queued' AND channel IS NULL")
        .fetch_one(&app.kodo.pool)
        .await
        .unwrap();
    assert_eq!(queued, 5, "the rest waits in the queue");
    app.stop().await;
}

#[tokio::test]
async fn two_segment_message_costs_two() {
    let app = TestApp::spawn_with_twilio().await;
    // Sent at 696.5 of 700 segments per second: a bucket of
    // 1 + 696.5 * 0.005 = 4.4825 tokens, refilled 0.6965 per millisecond.
    set_rate(&app, 700.0).await;
    let (dispatcher, clock) = manual_dispatcher(&app);
    let long = "Our API is down in every region. ".repeat(6);
    assert_eq!(kodo_core::messages::segment_count(&long), 2);
    for index in 0..3 {
        queue_message(&app, &phone(index), "notification", &long).await;
    }
    let segments: Vec<i32> = sqlx::query_scalar("SELECT segments FROM messages ORDER BY id")
        .fetch_all(&app.kodo.pool)
        .await
        .unwrap();
    assert_eq!(segments, [2, 2, 2]);

    assert_eq!(dispatcher.drain().await.unwrap(), 2, "4.4825 tokens pay for two messages of 2");
    advance(&clock, 2);
    assert_eq!(dispatcher.drain().await.unwrap(), 0, "1.8755 tokens pay for nothing");
    advance(&clock, 1);
    assert_eq!(dispatcher.drain().await.unwrap(), 1);
    app.stop().await;
}

#[tokio::test]
async fn fractional_rate_spaces_messages() {
    let app = TestApp::spawn_with_twilio().await;
    set_rate(&app, 0.5).await;
    let (dispatcher, clock) = manual_dispatcher(&app);
    for index in 0..3 {
        queue_message(&app, &phone(index), "notification", "Resolved").await;
    }
    // Sent at 0.495 segments per second, so the next token takes about
    // 2,015 ms.
    assert_eq!(dispatcher.drain().await.unwrap(), 1);
    advance(&clock, 1_990);
    assert_eq!(dispatcher.drain().await.unwrap(), 0);
    advance(&clock, 30);
    assert_eq!(dispatcher.drain().await.unwrap(), 1);
    app.stop().await;
}

#[tokio::test]
async fn dispatchers_share_one_bucket() {
    let app = TestApp::spawn_with_twilio().await;
    // Sent at 990 of 1,000 segments per second: a bucket of
    // 1 + 990 * 0.005 = 5.95 tokens.
    set_rate(&app, 1_000.0).await;
    let clock = Arc::new(Mutex::new(Utc::now()));
    let first = app.dispatcher.clone().with_clock(Clock::Manual(clock.clone()));
    let second = app.dispatcher.clone().with_clock(Clock::Manual(clock.clone()));
    for index in 0..20 {
        queue_message(&app, &phone(index), "notification", &format!("Update {index}")).await;
    }
    let (a, b) = tokio::join!(first.drain(), second.drain());
    assert_eq!(a.unwrap() + b.unwrap(), 5, "the rate holds across dispatchers");
    assert_eq!(app.twilio.received().len(), 5);
    app.stop().await;
}

#[tokio::test]
async fn urgent_kinds_go_first_under_limit() {
    let app = TestApp::spawn_with_twilio().await;
    set_rate(&app, 1.0).await;
    let (dispatcher, clock) = manual_dispatcher(&app);
    queue_message(&app, &phone(0), "notification", "API down").await;
    queue_message(&app, &phone(1), "notification", "API down").await;
    queue_message(&app, &phone(2), "confirmation", "You are subscribed").await;
    queue_message(&app, &phone(3), "help", "Reply STOP to leave").await;
    queue_message(&app, &phone(4), "verification", "Your code is 123456").await;

    let mut order = Vec::new();
    for _ in 0..5 {
        assert_eq!(dispatcher.drain().await.unwrap(), 1, "one message per second");
        order.push(app.twilio.received().last().unwrap().to.clone());
        // At 0.995 segments per second a token takes 1,005.03 ms.
        advance(&clock, 1_011);
    }
    assert_eq!(order, [phone(3), phone(4), phone(2), phone(0), phone(1)]);
    app.stop().await;
}
