//! Bad input answers a JSON error naming the field and the fix; never a
//! 500 or the framework's plain-text rejection.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{count_rows, json_body, TestApp};

async fn expect_error(response: reqwest::Response, status: StatusCode, field: Option<&str>) -> Value {
    assert_eq!(response.status(), status);
    let body = json_body(response).await;
    assert!(body["error"].as_str().is_some_and(|text| !text.is_empty()), "{body}");
    assert_eq!(body["field"].as_str(), field, "{body}");
    body
}

#[tokio::test]
async fn missing_token_is_unauthorized() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/api/v1/subscribers")).send().await.unwrap();
    expect_error(response, StatusCode::UNAUTHORIZED, None).await;
    let wrong = app.client.get(app.url("/api/v1/services")).bearer_auth("kodo_wrong").send().await.unwrap();
    expect_error(wrong, StatusCode::UNAUTHORIZED, None).await;
    app.stop().await;
}

#[tokio::test]
async fn malformed_json_is_bad_request() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/api/v1/services"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, None).await;
    app.stop().await;
}

#[tokio::test]
async fn missing_and_mistyped_fields_are_named() {
    let app = TestApp::spawn().await;
    let missing = app.post("/api/v1/incidents", json!({ "severity": "major" })).await;
    expect_error(missing, StatusCode::BAD_REQUEST, Some("title")).await;

    let mistyped = app
        .post(
            "/api/v1/incidents",
            json!({ "title": "x", "severity": "apocalyptic", "status": "investigating", "message": "m", "services": [] }),
        )
        .await;
    let body = expect_error(mistyped, StatusCode::BAD_REQUEST, Some("severity")).await;
    assert!(body["error"].as_str().unwrap().contains("critical"), "{body}");

    let nested = app
        .post_public(
            "/api/v1/subscriptions",
            json!({ "phone": "+14155552671", "consent": true, "preferences": { "critical_only": "yes" } }),
        )
        .await;
    expect_error(nested, StatusCode::BAD_REQUEST, Some("preferences.critical_only")).await;
    app.stop().await;
}

#[tokio::test]
async fn invalid_phone_names_the_fix() {
    let app = TestApp::spawn().await;
    let response = app
        .post_public("/api/v1/subscriptions", json!({ "phone": "4155552671", "consent": true }))
        .await;
    let body = expect_error(response, StatusCode::BAD_REQUEST, Some("phone")).await;
    assert!(body["error"].as_str().unwrap().contains("country code"), "{body}");

    let garbage = app.post_public("/api/v1/subscriptions", json!({ "phone": "+1 555", "consent": true })).await;
    expect_error(garbage, StatusCode::BAD_REQUEST, Some("phone")).await;
    app.stop().await;
}

#[tokio::test]
async fn consent_is_required() {
    let app = TestApp::spawn().await;
    let response = app.post_public("/api/v1/subscriptions", json!({ "phone": "+14155552671" })).await;
    expect_error(response, StatusCode::BAD_REQUEST, Some("consent")).await;
    app.stop().await;
}

#[tokio::test]
async fn unknown_ids_are_not_found() {
    let app = TestApp::spawn().await;
    expect_error(app.get("/api/v1/incidents/999").await, StatusCode::NOT_FOUND, None).await;
    expect_error(app.get("/api/v1/incidents/abc").await, StatusCode::NOT_FOUND, None).await;
    expect_error(app.delete("/api/v1/subscribers/999").await, StatusCode::NOT_FOUND, None).await;
    expect_error(app.delete("/api/v1/services/999").await, StatusCode::NOT_FOUND, None).await;
    let update = app
        .post("/api/v1/incidents/999/updates", json!({ "status": "resolved", "message": "x" }))
        .await;
    expect_error(update, StatusCode::NOT_FOUND, None).await;
    let verify = app.post_public("/api/v1/subscriptions/nope/verify", json!({ "code": "123456" })).await;
    expect_error(verify, StatusCode::NOT_FOUND, None).await;
    app.stop().await;
}

#[tokio::test]
async fn unknown_service_in_incident_is_named() {
    let app = TestApp::spawn().await;
    let response = app
        .post(
            "/api/v1/incidents",
            json!({ "title": "x", "severity": "minor", "status": "investigating", "message": "m", "services": [42] }),
        )
        .await;
    expect_error(response, StatusCode::BAD_REQUEST, Some("services")).await;
    app.stop().await;
}

#[tokio::test]
async fn settings_update_keeps_omitted_fields() {
    let app = TestApp::spawn_with_twilio().await;
    let response = app.put("/api/v1/settings/sms", json!({ "enabled": false })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_body(response).await;
    assert_eq!(body["enabled"], false);
    assert_eq!(body["account_sid"], crate::fake_twilio::ACCOUNT_SID);
    assert_eq!(body["auth_token_set"], true);
    assert!(body.get("auth_token").is_none(), "the auth token is write-only");

    let shown = json_body(app.get("/api/v1/settings/sms").await).await;
    assert!(!shown.to_string().contains(crate::fake_twilio::AUTH_TOKEN));
    app.stop().await;
}

#[tokio::test]
async fn disabled_sms_rejects_sign_up() {
    let app = TestApp::spawn().await;
    app.put("/api/v1/settings/sms", json!({ "enabled": false })).await;
    let response = app
        .post_public("/api/v1/subscriptions", json!({ "phone": "+14155552671", "consent": true }))
        .await;
    expect_error(response, StatusCode::FORBIDDEN, None).await;
    app.stop().await;
}

#[tokio::test]
async fn invalid_settings_are_named() {
    let app = TestApp::spawn().await;
    let sid = app.put("/api/v1/settings/sms", json!({ "account_sid": "nope" })).await;
    expect_error(sid, StatusCode::BAD_REQUEST, Some("account_sid")).await;
    let template = app.put("/api/v1/settings/sms", json!({ "verification_template": "no code here" })).await;
    expect_error(template, StatusCode::BAD_REQUEST, Some("verification_template")).await;
    let typo = app.put("/api/v1/settings/sms", json!({ "hold_second": 5 })).await;
    assert_eq!(typo.status(), StatusCode::BAD_REQUEST);
    let body = json_body(typo).await;
    assert!(body["error"].as_str().unwrap().contains("hold_second"), "an unknown field is named: {body}");
    app.stop().await;
}

#[tokio::test]
async fn every_invalid_setting_is_named_at_once() {
    let app = TestApp::spawn().await;
    let response = app
        .put(
            "/api/v1/settings/sms",
            json!({ "page_name": "Acme", "account_sid": "nope", "hold_seconds": -1, "max_attempts": 0 }),
        )
        .await;
    let body = expect_error(response, StatusCode::BAD_REQUEST, Some("account_sid")).await;
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|error| error["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["account_sid", "max_attempts", "hold_seconds"], "{body}");
    assert!(body["errors"][2]["error"].as_str().unwrap().starts_with("Hold window of -1 seconds"), "{body}");
    let stored = json_body(app.get("/api/v1/settings/sms").await).await;
    assert_ne!(stored["page_name"], "Acme", "nothing is saved when any field is wrong");
    app.stop().await;
}

#[tokio::test]
async fn duplicate_service_is_conflict() {
    let app = TestApp::spawn().await;
    app.create_service("API").await;
    let response = app.post("/api/v1/services", json!({ "name": "API" })).await;
    expect_error(response, StatusCode::CONFLICT, Some("name")).await;
    app.stop().await;
}

#[tokio::test]
async fn unknown_api_path_is_json_404() {
    let app = TestApp::spawn().await;
    for path in ["/api", "/api/v1", "/api/v1/nothing-here", "/api/v2/services"] {
        let response = app.get(path).await;
        let body = expect_error(response, StatusCode::NOT_FOUND, None).await;
        assert!(body["error"].as_str().unwrap().contains("/api/v1"), "{path}: {body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn wrong_method_is_json_405() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .patch(app.url("/api/v1/services"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    let allow = response.headers().get("allow").map(|value| value.to_str().unwrap().to_owned());
    expect_error(response, StatusCode::METHOD_NOT_ALLOWED, None).await;
    let allow = allow.expect("an Allow header");
    assert!(allow.contains("GET"), "{allow}");
    assert!(allow.contains("POST"), "{allow}");
    app.stop().await;
}

#[tokio::test]
async fn nul_character_is_rejected() {
    let app = TestApp::spawn().await;
    let response = app.post("/api/v1/services", json!({ "name": "API\u{0}" })).await;
    let body = expect_error(response, StatusCode::BAD_REQUEST, Some("name")).await;
    assert!(body["error"].as_str().unwrap().contains("NUL"), "{body}");

    let nested = app
        .post_public(
            "/api/v1/subscriptions",
            json!({ "phone": "+14155550100", "consent": true, "preferences": { "services": ["\u{0}"] } }),
        )
        .await;
    expect_error(nested, StatusCode::BAD_REQUEST, Some("preferences.services[0]")).await;

    // Paths that bypass the JSON checks still get a 400 from the store.
    let error = kodo_core::services::create(&app.kodo.pool, "Web\u{0}")
        .await
        .expect_err("a NUL character is rejected");
    assert_eq!(error.status_code(), 400);
    assert_eq!(count_rows(&app.kodo.pool, "services").await, 0);
    app.stop().await;
}

/// Checks a server function error: its body is `{"message", "field",
/// "status"}`, and the response carries that status.
async fn expect_server_fn_error(response: reqwest::Response, status: StatusCode, field: Option<&str>) {
    assert_eq!(response.status(), status);
    let body = json_body(response).await;
    assert!(body["message"].as_str().is_some_and(|text| !text.is_empty()), "{body}");
    assert_eq!(body["field"].as_str(), field, "{body}");
    assert_eq!(body["status"].as_u64(), Some(u64::from(status.as_u16())), "{body}");
}

#[tokio::test]
async fn server_function_error_statuses() {
    let app = TestApp::spawn().await;
    let invalid_phone = app
        .client
        .post(app.url("/api/start_sign_up"))
        .json(&json!({ "input": { "phone": "555 0100", "preferences": {}, "consent": true } }))
        .send()
        .await
        .unwrap();
    expect_server_fn_error(invalid_phone, StatusCode::BAD_REQUEST, Some("phone")).await;

    let malformed = app
        .client
        .post(app.url("/api/start_sign_up"))
        .header("content-type", "application/json")
        .body("{\"input\": ")
        .send()
        .await
        .unwrap();
    expect_server_fn_error(malformed, StatusCode::BAD_REQUEST, None).await;
    app.stop().await;
}

#[tokio::test]
async fn oversized_body_is_413() {
    let app = TestApp::spawn().await;
    let name = "x".repeat(3 * 1024 * 1024);
    let response = app.post("/api/v1/services", json!({ "name": name })).await;
    expect_error(response, StatusCode::PAYLOAD_TOO_LARGE, None).await;
    app.stop().await;
}

#[tokio::test]
async fn unencoded_plus_in_phone_filter() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/subscribers?phone=+14155552671", "/api/v1/messages?phone=+14155552671"] {
        let body = expect_error(app.get(path).await, StatusCode::BAD_REQUEST, Some("phone")).await;
        let error = body["error"].as_str().unwrap();
        assert!(error.contains("%2B14155552671"), "{error}");
    }
    let body = expect_error(app.get("/api/v1/subscribers?phone=4155552671").await, StatusCode::BAD_REQUEST, Some("phone")).await;
    assert!(!body["error"].as_str().unwrap().contains("%2B"), "{body}");
    app.stop().await;
}
