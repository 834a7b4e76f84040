//! The consent log as evidence: a subscriber's history, the CSV export,
//! and records that outlive the subscriber and cannot be changed.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json_body, TestApp};

const PHONE: &str = "+14155552671";

#[tokio::test]
async fn subscriber_consent_history_is_listed() {
    let app = TestApp::spawn().await;
    let id = app.subscribe(PHONE, json!({})).await;

    let response = app.get(&format!("/api/v1/subscribers/{id}/consent")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let events = json_body(response).await;
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["action"], "opt_in");
    assert_eq!(events[0]["method"], "api");
    assert_eq!(events[0]["phone"], PHONE);
    assert_eq!(events[0]["client_ip"], "127.0.0.1");
    assert!(events[0]["consent_text"].as_str().unwrap().contains("Reply STOP"));

    let missing = app.get("/api/v1/subscribers/999999/consent").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let unauthorized = app.client.get(app.url(&format!("/api/v1/subscribers/{id}/consent"))).send().await.unwrap();
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn consent_csv_exports_the_log() {
    let app = TestApp::spawn().await;
    let consent_text = "I agree, \"yes\", to texts.\nReply STOP to end.";
    let response = app.put("/api/v1/settings/sms", json!({ "consent_text": consent_text })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let id = app.subscribe(PHONE, json!({})).await;
    let removed = app.delete(&format!("/api/v1/subscribers/{id}")).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);

    let response = app.get("/api/v1/consent.csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[reqwest::header::CONTENT_TYPE].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let text = response.text().await.unwrap();

    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        headers,
        ["id", "created_at", "phone", "action", "method", "consent_text", "client_ip", "user_agent", "actor"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "the opt-in survives the removal, and the removal is recorded");
    assert_eq!(&rows[0][2], PHONE);
    assert_eq!(&rows[0][3], "opt_in");
    assert_eq!(&rows[0][5], consent_text, "commas, quotes and newlines survive");
    assert_eq!(&rows[1][3], "opt_out");
    assert_eq!(&rows[1][4], "api");
    assert!(rows[1][8].starts_with("api token"), "{}", &rows[1][8]);

    let filtered = app.get("/api/v1/consent.csv?phone=%2B14155550000").await.text().await.unwrap();
    assert_eq!(filtered.lines().count(), 1, "only the header for a number with no records");
    app.stop().await;
}

#[tokio::test]
async fn consent_records_cannot_change() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;

    let update = sqlx::query("UPDATE consent_events SET phone = '+10000000000'")
        .execute(&app.kodo.pool)
        .await;
    assert!(update.is_err(), "UPDATE must fail");
    let delete = sqlx::query("DELETE FROM consent_events").execute(&app.kodo.pool).await;
    assert!(delete.is_err(), "DELETE must fail");

    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM consent_events")
        .fetch_one(&app.kodo.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
    app.stop().await;
}

/// Signs in through the dashboard's sign-in form and returns a client that
/// keeps the session cookie.
async fn admin_client(app: &TestApp) -> reqwest::Client {
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let response = crate::helpers::sign_in_admin(app, &client, "admin@consent.test", "consent-password-123").await;
    assert!(response.status().is_success(), "sign-in answered {}", response.status());
    client
}

#[tokio::test]
async fn admin_session_downloads_consent_csv() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;

    let anonymous = app.client.get(app.url("/admin/consent.csv")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let with_token_only = app.client.get(app.url("/admin/consent.csv")).bearer_auth(&app.token).send().await.unwrap();
    assert_eq!(with_token_only.status(), StatusCode::UNAUTHORIZED);

    let admin = admin_client(&app).await;
    let response = admin.get(app.url("/admin/consent.csv")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = response.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,created_at,phone,action,method,consent_text,client_ip,user_agent,actor")
    );
    assert!(lines.any(|line| line.contains(PHONE) && line.contains("opt_in")), "{csv}");

    let other = admin.get(app.url("/admin/consent.csv?phone=%2B447400123456")).send().await.unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    assert_eq!(other.text().await.unwrap().lines().count(), 1, "only the header row");
    app.stop().await;
}
