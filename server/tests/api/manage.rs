//! Managing a subscription: a texted code proves the visitor holds the
//! phone, and the manage token it buys reads, changes or ends the
//! subscription.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{age_signup_attempts, count_rows, json_body, retry_after, TestApp};

const PHONE: &str = "+14155552671";
const UNKNOWN_PHONE: &str = "+14155552679";

async fn request_code(app: &TestApp, phone: &str) -> reqwest::Response {
    app.post_public("/api/v1/subscriptions/manage", json!({ "phone": phone })).await
}

/// Requests a code for a subscribed number and confirms it; returns the
/// manage token.
async fn manage_token(app: &TestApp, phone: &str) -> String {
    let response = request_code(app, phone).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let id = json_body(response).await["id"].as_str().unwrap().to_owned();
    let code = app.latest_code(phone).await;
    let response = app
        .post_public(&format!("/api/v1/subscriptions/manage/{id}/verify"), json!({ "code": code }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_body(response).await;
    assert!(body["expires_at"].is_string(), "{body}");
    body["token"].as_str().unwrap().to_owned()
}

async fn with_token(app: &TestApp, method: reqwest::Method, token: &str, body: Option<Value>) -> reqwest::Response {
    let mut request = app.client.request(method, app.url("/api/v1/subscriptions/manage")).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn manage_reads_and_changes_preferences() {
    let app = TestApp::spawn().await;
    let api = app.create_service("API").await;
    let id = app.subscribe(PHONE, json!({})).await;
    age_signup_attempts(&app.kodo.pool, 61).await;
    let token = manage_token(&app, PHONE).await;

    let shown = with_token(&app, reqwest::Method::GET, &token, None).await;
    assert_eq!(shown.status(), StatusCode::OK);
    let shown = json_body(shown).await;
    assert_eq!(shown["phone"], PHONE);
    assert_eq!(shown["status"], "active");
    assert_eq!(shown["preferences"]["scope"], "all");

    let preferences = json!({ "preferences": { "scope": "services", "services": [api], "critical_only": true } });
    let changed = with_token(&app, reqwest::Method::PUT, &token, Some(preferences)).await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(json_body(changed).await["preferences"]["services"], json!([api]));
    let subscriber = json_body(app.get(&format!("/api/v1/subscribers/{id}")).await).await;
    assert_eq!(subscriber["preferences"]["scope"], "services");
    assert_eq!(subscriber["preferences"]["critical_only"], true);

    let unknown_service = json!({ "preferences": { "scope": "services", "services": [9999] } });
    let rejected = with_token(&app, reqwest::Method::PUT, &token, Some(unknown_service)).await;
    assert_eq!(rejected.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(rejected).await["field"], "preferences.services");
    app.stop().await;
}

#[tokio::test]
async fn manage_delete_unsubscribes() {
    let app = TestApp::spawn().await;
    let id = app.subscribe(PHONE, json!({})).await;
    age_signup_attempts(&app.kodo.pool, 61).await;
    let token = manage_token(&app, PHONE).await;

    let deleted = with_token(&app, reqwest::Method::DELETE, &token, None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let subscriber = json_body(app.get(&format!("/api/v1/subscribers/{id}")).await).await;
    assert_eq!(subscriber["status"], "unsubscribed");
    let (action, method): (String, String) = sqlx::query_as(
        "SELECT action, method FROM consent_events WHERE phone = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(PHONE)
    .fetch_one(&app.kodo.pool)
    .await
    .unwrap();
    assert_eq!(action, "opt_out");
    assert_eq!(method, "web");

    let after = with_token(&app, reqwest::Method::GET, &token, None).await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED, "unsubscribing ends the token");
    app.stop().await;
}

#[tokio::test]
async fn manage_reveals_no_subscription() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;
    age_signup_attempts(&app.kodo.pool, 61).await;
    app.drain().await;
    let texts_before = count_rows(&app.kodo.pool, "messages").await;

    let known = request_code(&app, PHONE).await;
    let unknown = request_code(&app, UNKNOWN_PHONE).await;
    assert_eq!(known.status(), StatusCode::ACCEPTED);
    assert_eq!(unknown.status(), known.status());
    let known = json_body(known).await;
    let unknown = json_body(unknown).await;
    let keys = |body: &Value| body.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&known), vec!["id".to_owned()]);
    assert_eq!(keys(&unknown), keys(&known));
    assert_eq!(unknown["id"].as_str().unwrap().len(), known["id"].as_str().unwrap().len());

    assert_eq!(count_rows(&app.kodo.pool, "manage_requests").await, 2, "both requests are stored");
    assert_eq!(count_rows(&app.kodo.pool, "messages").await, texts_before + 1, "only the subscriber gets a text");
    assert!(app.messages_to(UNKNOWN_PHONE).await.is_empty());

    let id = unknown["id"].as_str().unwrap();
    for code in ["000000", "123456"] {
        let response = app
            .post_public(&format!("/api/v1/subscriptions/manage/{id}/verify"), json!({ "code": code }))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(json_body(response).await["error"].as_str().unwrap().contains("wrong"));
    }
    app.stop().await;
}

#[tokio::test]
async fn manage_request_is_limited() {
    let app = TestApp::spawn().await;
    let first = request_code(&app, UNKNOWN_PHONE).await;
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    let second = request_code(&app, UNKNOWN_PHONE).await;
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!((1..=60).contains(&retry_after(&second)));

    let sign_up = app
        .post_public(
            "/api/v1/subscriptions",
            json!({ "phone": UNKNOWN_PHONE, "preferences": {}, "consent": true }),
        )
        .await;
    assert_eq!(sign_up.status(), StatusCode::TOO_MANY_REQUESTS, "sign-up and manage share the limits");
    app.stop().await;
}

#[tokio::test]
async fn manage_needs_a_valid_token() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;
    age_signup_attempts(&app.kodo.pool, 61).await;
    let token = manage_token(&app, PHONE).await;

    let missing = app.client.get(app.url("/api/v1/subscriptions/manage")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert!(json_body(missing).await["error"].as_str().unwrap().contains("manage token"));
    let wrong = with_token(&app, reqwest::Method::GET, "not-a-token", None).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let api_token = app.token.clone();
    let api = with_token(&app, reqwest::Method::GET, &api_token, None).await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED, "an API token is no manage token");

    sqlx::query("UPDATE manage_tokens SET expires_at = now() - interval '1 second'")
        .execute(&app.kodo.pool)
        .await
        .unwrap();
    let expired = with_token(&app, reqwest::Method::GET, &token, None).await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn manage_token_lasts_thirty_minutes() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;
    age_signup_attempts(&app.kodo.pool, 61).await;
    manage_token(&app, PHONE).await;
    let minutes: f64 = sqlx::query_scalar(
        "SELECT EXTRACT(EPOCH FROM expires_at - created_at)::float8 / 60 FROM manage_tokens",
    )
    .fetch_one(&app.kodo.pool)
    .await
    .unwrap();
    assert!((minutes - 30.0).abs() < 0.1, "{minutes}");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM manage_tokens")
        .fetch_one(&app.kodo.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 32, "only a hash is stored");
    app.stop().await;
}

#[tokio::test]
async fn manage_code_is_single_use() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;
    age_signup_attempts(&app.kodo.pool, 61).await;
    let response = request_code(&app, PHONE).await;
    let id = json_body(response).await["id"].as_str().unwrap().to_owned();
    let code = app.latest_code(PHONE).await;
    let path = format!("/api/v1/subscriptions/manage/{id}/verify");

    let first = app.post_public(&path, json!({ "code": code })).await;
    assert_eq!(first.status(), StatusCode::OK);
    let again = app.post_public(&path, json!({ "code": code })).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn manage_code_allows_five_guesses() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;
    age_signup_attempts(&app.kodo.pool, 61).await;
    let response = request_code(&app, PHONE).await;
    let id = json_body(response).await["id"].as_str().unwrap().to_owned();
    let code = app.latest_code(PHONE).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let path = format!("/api/v1/subscriptions/manage/{id}/verify");

    for _ in 0..5 {
        let response = app.post_public(&path, json!({ "code": wrong })).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
    let right = app.post_public(&path, json!({ "code": code })).await;
    assert_eq!(right.status(), StatusCode::BAD_REQUEST);
    assert!(json_body(right).await["error"].as_str().unwrap().contains("Too many wrong codes"));
    app.stop().await;
}

/// Calls one of the manage page's server functions with a form body and
/// returns its status and JSON output.
async fn call_page_function(app: &TestApp, name: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = app.client.post(app.url(&format!("/api/{name}"))).form(form).send().await.unwrap();
    let status = response.status();
    (status, json_body(response).await)
}

#[tokio::test]
async fn manage_page_changes_and_ends_subscription() {
    let app = TestApp::spawn().await;
    let api = app.create_service("API").await;
    let id = app.subscribe(PHONE, json!({})).await;
    age_signup_attempts(&app.kodo.pool, 61).await;

    let (status, request_id) = call_page_function(&app, "request_manage_code", &[("phone", "+1 415 555 2671")]).await;
    assert_eq!(status, StatusCode::OK, "{request_id}");
    let code = app.latest_code(PHONE).await;
    let (status, managed) = call_page_function(
        &app,
        "confirm_manage_code",
        &[("request_id", request_id.as_str().unwrap()), ("code", &code)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{managed}");
    assert_eq!(managed["phone"], "+1 415-555-2671");
    assert_eq!(managed["services"][0]["id"], api);
    let token = managed["token"].as_str().unwrap().to_owned();

    let preferences = json!({ "token": token, "preferences": { "scope": "services", "services": [api] } });
    let saved = app.client.post(app.url("/api/save_managed_preferences")).json(&preferences).send().await.unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let subscriber = json_body(app.get(&format!("/api/v1/subscribers/{id}")).await).await;
    assert_eq!(subscriber["preferences"]["services"], json!([api]));

    let (status, _) = call_page_function(&app, "unsubscribe_managed", &[("token", &token)]).await;
    assert_eq!(status, StatusCode::OK);
    let subscriber = json_body(app.get(&format!("/api/v1/subscribers/{id}")).await).await;
    assert_eq!(subscriber["status"], "unsubscribed");

    let (status, error) = call_page_function(&app, "unsubscribe_managed", &[("token", &token)]).await;
    assert!(status.is_server_error() || status.is_client_error(), "{status}");
    assert!(error["message"].as_str().unwrap().contains("expired"), "{error}");
    app.stop().await;
}

#[tokio::test]
async fn manage_page_reveals_no_subscription() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;
    age_signup_attempts(&app.kodo.pool, 61).await;

    let (known_status, known) = call_page_function(&app, "request_manage_code", &[("phone", PHONE)]).await;
    let (unknown_status, unknown) = call_page_function(&app, "request_manage_code", &[("phone", UNKNOWN_PHONE)]).await;
    assert_eq!(known_status, StatusCode::OK);
    assert_eq!(unknown_status, StatusCode::OK);
    assert_eq!(known.as_str().unwrap().len(), unknown.as_str().unwrap().len());

    app.drain().await;
    assert!(app.messages_to(UNKNOWN_PHONE).await.is_empty());
    let (status, error) = call_page_function(
        &app,
        "confirm_manage_code",
        &[("request_id", unknown.as_str().unwrap()), ("code", "123456")],
    )
    .await;
    assert!(status.is_client_error() || status.is_server_error(), "{status}");
    assert_eq!(error["field"], "code");
    app.stop().await;
}
