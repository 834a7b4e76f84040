//! Sign-up responses and writes do not reveal whether a number is already
//! subscribed, and signing up again changes the one subscriber of the
//! number only once the new code is confirmed.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{age_signup_attempts, count_rows, json_body, urlencode, TestApp};

const NEW_PHONE: &str = "+14155552671";
const SUBSCRIBED_PHONE: &str = "+14155552672";

const TABLES: [&str; 8] = [
    "subscribers",
    "verification_codes",
    "messages",
    "signup_attempts",
    "consent_events",
    "manage_requests",
    "manage_tokens",
    "inbound_messages",
];

async fn row_counts(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push(count_rows(&app.kodo.pool, table).await);
    }
    counts
}

/// Signs a number up and returns the status, the body with its random id
/// blanked, and the row count change of every table.
async fn sign_up_effect(app: &TestApp, phone: &str) -> (StatusCode, Value, Vec<i64>) {
    let before = row_counts(app).await;
    let response = app
        .post_public(
            "/api/v1/subscriptions",
            json!({ "phone": phone, "preferences": {}, "consent": true }),
        )
        .await;
    let status = response.status();
    let mut body = json_body(response).await;
    assert_eq!(body["id"].as_str().map(str::len), Some(32), "{body}");
    body["id"] = json!("<id>");
    let after = row_counts(app).await;
    let changes = after.iter().zip(before).map(|(after, before)| after - before).collect();
    (status, body, changes)
}

#[tokio::test]
async fn sign_up_reveals_no_subscription() {
    let app = TestApp::spawn().await;
    app.subscribe(SUBSCRIBED_PHONE, json!({})).await;
    age_signup_attempts(&app.kodo.pool, 61).await;

    let (new_status, new_body, new_changes) = sign_up_effect(&app, NEW_PHONE).await;
    let (known_status, known_body, known_changes) = sign_up_effect(&app, SUBSCRIBED_PHONE).await;

    assert_eq!(new_status, StatusCode::ACCEPTED);
    assert_eq!(known_status, new_status);
    assert_eq!(known_body, new_body);
    assert_eq!(new_body, json!({ "id": "<id>", "status": "pending" }));
    for (index, table) in TABLES.iter().enumerate() {
        assert_eq!(known_changes[index], new_changes[index], "rows written to {table}");
    }
    assert_eq!(new_changes[0], 0, "no subscriber is created before the code is confirmed");
    app.stop().await;
}

#[tokio::test]
async fn sign_up_again_updates_preferences() {
    let app = TestApp::spawn().await;
    let id = app.subscribe(NEW_PHONE, json!({})).await;

    age_signup_attempts(&app.kodo.pool, 61).await;
    let signup_id = app.sign_up(NEW_PHONE, json!({ "critical_only": true })).await;
    let unchanged = json_body(app.get(&format!("/api/v1/subscribers/{id}")).await).await;
    assert_eq!(unchanged["preferences"]["critical_only"], false, "nothing changes before the code");
    assert_eq!(unchanged["status"], "active");

    let code = app.latest_code(NEW_PHONE).await;
    let response = app
        .post_public(&format!("/api/v1/subscriptions/{signup_id}/verify"), json!({ "code": code }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let subscribers = json_body(app.get(&format!("/api/v1/subscribers?phone={}", urlencode(NEW_PHONE))).await).await;
    let subscribers = subscribers.as_array().unwrap();
    assert_eq!(subscribers.len(), 1, "one subscriber per number");
    assert_eq!(subscribers[0]["id"], id);
    assert_eq!(subscribers[0]["preferences"]["critical_only"], true);
    app.stop().await;
}

#[tokio::test]
async fn verification_sends_one_confirmation() {
    let app = TestApp::spawn().await;
    app.subscribe(NEW_PHONE, json!({})).await;
    app.drain().await;
    let kinds: Vec<String> = app
        .messages_to(NEW_PHONE)
        .await
        .iter()
        .map(|message| message["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, vec!["confirmation".to_owned(), "verification".to_owned()]);
    app.stop().await;
}

#[tokio::test]
async fn admin_added_subscriber_is_told_who_added_them() {
    let app = TestApp::spawn().await;
    let response = app.put("/api/v1/settings/sms", json!({ "page_name": "Acme Status" })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let added = app
        .post("/api/v1/subscribers", json!({ "phone": NEW_PHONE, "consent_note": "Asked by phone" }))
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    app.drain().await;

    let messages = app.messages_to(NEW_PHONE).await;
    assert_eq!(messages.len(), 1);
    let body = messages[0]["body"].as_str().unwrap();
    assert!(body.contains("the Acme Status team subscribed this number"), "{body}");
    assert!(body.contains("STOP"), "{body}");
    app.stop().await;
}
