//! The sweeper removes sign-ups left unconfirmed for a day, but never an
//! active subscriber.

use chrono::{Duration, Utc};
use kodo_core::sweeper::sweep;
use serde_json::json;

use crate::helpers::{age_signup_attempts, count_rows, json_body, TestApp};

const PHONE: &str = "+14155552671";

#[tokio::test]
async fn sweep_removes_day_old_signups() {
    let app = TestApp::spawn().await;
    app.sign_up(PHONE, json!({})).await;

    let early = sweep(&app.kodo.pool, Utc::now() + Duration::hours(23)).await.unwrap();
    assert_eq!(early.pending_signups, 0);
    assert_eq!(count_rows(&app.kodo.pool, "verification_codes").await, 1);

    let late = sweep(&app.kodo.pool, Utc::now() + Duration::hours(24) + Duration::minutes(1)).await.unwrap();
    assert_eq!(late.pending_signups, 1);
    assert_eq!(count_rows(&app.kodo.pool, "verification_codes").await, 0);
    assert_eq!(count_rows(&app.kodo.pool, "signup_attempts").await, 0, "attempts past every window go");
    app.stop().await;
}

#[tokio::test]
async fn sweep_keeps_active_subscriber() {
    let app = TestApp::spawn().await;
    let id = app.subscribe(PHONE, json!({})).await;
    age_signup_attempts(&app.kodo.pool, 61).await;
    app.sign_up(PHONE, json!({ "critical_only": true })).await;

    let swept = sweep(&app.kodo.pool, Utc::now() + Duration::hours(25)).await.unwrap();
    assert_eq!(swept.pending_signups, 1, "the stale code goes");
    assert!(swept.subscriber_ids.is_empty());
    let subscriber = json_body(app.get(&format!("/api/v1/subscribers/{id}")).await).await;
    assert_eq!(subscriber["status"], "active");
    assert_eq!(subscriber["preferences"]["critical_only"], false);
    app.stop().await;
}

#[tokio::test]
async fn sweep_removes_unconfirmed_pending_subscribers() {
    let app = TestApp::spawn().await;
    let stale: i64 = sqlx::query_scalar(
        "INSERT INTO subscribers (phone, status, created_at) \
         VALUES ('+14155552672', 'pending', now() - interval '25 hours') RETURNING id",
    )
    .fetch_one(&app.kodo.pool)
    .await
    .unwrap();
    let fresh: i64 = sqlx::query_scalar(
        "INSERT INTO subscribers (phone, status, created_at) \
         VALUES ('+14155552673', 'pending', now() - interval '1 hour') RETURNING id",
    )
    .fetch_one(&app.kodo.pool)
    .await
    .unwrap();
    let confirmed: i64 = sqlx::query_scalar(
        "INSERT INTO subscribers (phone, status, confirmed_at, created_at) \
         VALUES ('+14155552674', 'pending', now(), now() - interval '25 hours') RETURNING id",
    )
    .fetch_one(&app.kodo.pool)
    .await
    .unwrap();

    let swept = sweep(&app.kodo.pool, Utc::now()).await.unwrap();
    assert_eq!(swept.subscriber_ids, vec![stale]);
    let left: Vec<i64> = sqlx::query_scalar("SELECT id FROM subscribers ORDER BY id")
        .fetch_all(&app.kodo.pool)
        .await
        .unwrap();
    assert_eq!(left, vec![fresh, confirmed]);
    app.stop().await;
}

#[tokio::test]
async fn sweep_removes_expired_manage_tokens() {
    let app = TestApp::spawn().await;
    let id = app.subscribe(PHONE, json!({})).await;
    sqlx::query(
        "INSERT INTO manage_tokens (token_hash, subscriber_id, expires_at) \
         VALUES ('\\x01', $1, now() + interval '30 minutes')",
    )
    .bind(id)
    .execute(&app.kodo.pool)
    .await
    .unwrap();

    let early = sweep(&app.kodo.pool, Utc::now()).await.unwrap();
    assert_eq!(early.manage_tokens, 0);
    let late = sweep(&app.kodo.pool, Utc::now() + Duration::minutes(31)).await.unwrap();
    assert_eq!(late.manage_tokens, 1);
    app.stop().await;
}
