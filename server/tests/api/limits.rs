//! Limits on the public sign-up: one code per number per minute, five per
//! number per day, and admin-set limits per client IP and per country
//! calling code. Also the five wrong guesses a code allows.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{age_signup_attempts, count_rows, json_body, retry_after, TestApp};

const PHONE: &str = "+14155552671";

async fn sign_up_response(app: &TestApp, phone: &str) -> reqwest::Response {
    app.post_public(
        "/api/v1/subscriptions",
        json!({ "phone": phone, "preferences": {}, "consent": true }),
    )
    .await
}

async fn set_limits(app: &TestApp, per_ip: i64, per_calling_code: i64) {
    let response = app
        .put(
            "/api/v1/settings/sms",
            json!({
                "signup_limit_per_ip": per_ip,
                "signup_limit_per_calling_code": per_calling_code,
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn limits_have_defaults_in_settings() {
    let app = TestApp::spawn().await;
    let settings = json_body(app.get("/api/v1/settings/sms").await).await;
    assert_eq!(settings["signup_limit_per_ip"], 10);
    assert_eq!(settings["signup_limit_per_calling_code"], 50);
    assert_eq!(settings["allowed_countries"], serde_json::Value::Null);

    set_limits(&app, 3, 7).await;
    let settings = json_body(app.get("/api/v1/settings/sms").await).await;
    assert_eq!(settings["signup_limit_per_ip"], 3);
    assert_eq!(settings["signup_limit_per_calling_code"], 7);
    app.stop().await;
}

#[tokio::test]
async fn zero_limit_is_rejected() {
    let app = TestApp::spawn().await;
    let response = app.put("/api/v1/settings/sms", json!({ "signup_limit_per_ip": 0 })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = json_body(response).await;
    assert_eq!(body["field"], "signup_limit_per_ip");

    let response = app.put("/api/v1/settings/sms", json!({ "signup_limit_per_calling_code": -5 })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(response).await["field"], "signup_limit_per_calling_code");
    app.stop().await;
}

#[tokio::test]
async fn resend_within_a_minute_is_limited() {
    let app = TestApp::spawn().await;
    let first = app.sign_up(PHONE, json!({})).await;

    let again = sign_up_response(&app, PHONE).await;
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&again);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    let message = json_body(again).await["error"].as_str().unwrap().to_owned();
    assert!(message.contains(&format!("{wait} second")), "{message}");

    age_signup_attempts(&app.kodo.pool, 61).await;
    let second = app.sign_up(PHONE, json!({})).await;
    assert_ne!(first, second);
    let stale = app
        .post_public(&format!("/api/v1/subscriptions/{first}/verify"), json!({ "code": "123456" }))
        .await;
    assert_eq!(stale.status(), StatusCode::NOT_FOUND, "a new code replaces the old sign-up");
    app.stop().await;
}

#[tokio::test]
async fn limited_sign_up_writes_nothing() {
    let app = TestApp::spawn().await;
    app.sign_up(PHONE, json!({})).await;
    let tables = ["verification_codes", "messages", "signup_attempts", "subscribers"];
    let mut before = Vec::new();
    for table in tables {
        before.push(count_rows(&app.kodo.pool, table).await);
    }

    let again = sign_up_response(&app, PHONE).await;
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
    for (table, count) in tables.iter().zip(before) {
        assert_eq!(count_rows(&app.kodo.pool, table).await, count, "{table}");
    }
    app.stop().await;
}

#[tokio::test]
async fn number_gets_five_codes_a_day() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        app.sign_up(PHONE, json!({})).await;
        age_signup_attempts(&app.kodo.pool, 61).await;
    }

    let sixth = sign_up_response(&app, PHONE).await;
    assert_eq!(sixth.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&sixth);
    assert!(wait > 60, "Retry-After {wait}");
    assert!(wait <= 24 * 3600, "Retry-After {wait}");
    let message = json_body(sixth).await["error"].as_str().unwrap().to_owned();
    assert!(message.contains("5 codes"), "{message}");
    assert!(message.contains("hours"), "{message}");

    age_signup_attempts(&app.kodo.pool, 24 * 3600).await;
    let later = sign_up_response(&app, PHONE).await;
    assert_eq!(later.status(), StatusCode::ACCEPTED, "the oldest code left the window");
    app.stop().await;
}

#[tokio::test]
async fn client_ip_limit_applies() {
    let app = TestApp::spawn().await;
    set_limits(&app, 2, 50).await;
    app.sign_up("+14155552671", json!({})).await;
    app.sign_up("+14155552672", json!({})).await;

    let third = sign_up_response(&app, "+14155552673").await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&third);
    assert!(wait > 3 * 3600, "Retry-After {wait}");
    assert!(wait <= 4 * 3600, "Retry-After {wait}");
    assert!(json_body(third).await["error"].as_str().unwrap().contains("network"));

    let added = app
        .post(
            "/api/v1/subscribers",
            json!({ "phone": "+14155552674", "consent_note": "Signed a paper form" }),
        )
        .await;
    assert_eq!(added.status(), StatusCode::CREATED, "API tokens are not limited");
    app.stop().await;
}

#[tokio::test]
async fn calling_code_limit_applies() {
    let app = TestApp::spawn().await;
    set_limits(&app, 100, 2).await;
    app.sign_up("+14155552671", json!({})).await;
    app.sign_up("+14155552672", json!({})).await;

    let third = sign_up_response(&app, "+14155552673").await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&third);
    assert!(wait > 3000, "Retry-After {wait}");
    assert!(wait <= 3600, "Retry-After {wait}");
    assert!(json_body(third).await["error"].as_str().unwrap().contains("country"));

    let other_country = sign_up_response(&app, "+447400123456").await;
    assert_eq!(other_country.status(), StatusCode::ACCEPTED);
    app.stop().await;
}

#[tokio::test]
async fn widget_sign_up_is_limited() {
    let app = TestApp::spawn().await;
    let body = json!({
        "input": {
            "phone": PHONE,
            "preferences": {},
            "consent": true,
        }
    });
    let first = app.client.post(app.url("/api/start_sign_up")).json(&body).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);

    let second = app.client.post(app.url("/api/start_sign_up")).json(&body).send().await.unwrap();
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&second);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    let text = second.text().await.unwrap();
    assert!(text.contains("second"), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn five_wrong_codes_void_the_code() {
    let app = TestApp::spawn().await;
    let signup_id = app.sign_up(PHONE, json!({})).await;
    let code = app.latest_code(PHONE).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let verify_path = format!("/api/v1/subscriptions/{signup_id}/verify");

    for attempt in 1..=5 {
        let response = app.post_public(&verify_path, json!({ "code": wrong })).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "attempt {attempt}");
        let message = json_body(response).await["error"].as_str().unwrap().to_owned();
        if attempt < 4 {
            assert!(message.contains(&format!("{} attempts left", 5 - attempt)), "{message}");
        } else if attempt == 4 {
            assert!(message.contains("(1 attempt left)"), "{message}");
        } else {
            assert!(message.contains("last attempt"), "{message}");
        }
    }

    let right = app.post_public(&verify_path, json!({ "code": code })).await;
    assert_eq!(right.status(), StatusCode::BAD_REQUEST, "the void code no longer works");
    let message = json_body(right).await["error"].as_str().unwrap().to_owned();
    assert!(message.contains("Too many wrong codes"), "{message}");
    assert_eq!(count_rows(&app.kodo.pool, "subscribers").await, 0);

    age_signup_attempts(&app.kodo.pool, 61).await;
    app.subscribe(PHONE, json!({})).await;
    app.stop().await;
}

#[tokio::test]
async fn allowed_countries_limit_numbers() {
    let app = TestApp::spawn().await;
    let response = app.put("/api/v1/settings/sms", json!({ "allowed_countries": ["us", "CA"] })).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await["allowed_countries"], json!(["CA", "US"]));

    let british = sign_up_response(&app, "+447400123456").await;
    assert_eq!(british.status(), StatusCode::BAD_REQUEST);
    let body = json_body(british).await;
    assert_eq!(body["field"], "phone");
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("GB"), "{message}");
    assert!(message.contains("CA, US"), "{message}");

    let added = app
        .post("/api/v1/subscribers", json!({ "phone": "+447400123456", "consent_note": "Asked in person" }))
        .await;
    assert_eq!(added.status(), StatusCode::BAD_REQUEST, "admin adds follow the list too");
    assert_eq!(json_body(added).await["field"], "phone");

    let american = sign_up_response(&app, PHONE).await;
    assert_eq!(american.status(), StatusCode::ACCEPTED);

    let response = app.put("/api/v1/settings/sms", json!({ "allowed_countries": null })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let british = sign_up_response(&app, "+447400123456").await;
    assert_eq!(british.status(), StatusCode::ACCEPTED, "null accepts every country");
    app.stop().await;
}

#[tokio::test]
async fn invalid_allowed_countries_are_rejected() {
    let app = TestApp::spawn().await;
    for countries in [json!([]), json!(["USA"]), json!(["U1"])] {
        let response = app.put("/api/v1/settings/sms", json!({ "allowed_countries": countries })).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{countries}");
        assert_eq!(json_body(response).await["field"], "allowed_countries", "{countries}");
    }
    app.stop().await;
}
