//! Message templates over the API: list, save, reset, preview, and the
//! typographic replacement setting.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{json_body, TestApp};

const PHONE: &str = "+14155550111";

async fn notification_bodies(app: &TestApp, phone: &str) -> Vec<String> {
    app.messages_to(phone)
        .await
        .into_iter()
        .filter(|message| message["kind"] == "notification")
        .map(|message| message["body"].as_str().unwrap().to_owned())
        .collect()
}

async fn preview(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let response = app.post("/api/v1/templates/preview", body).await;
    let status = response.status();
    (status, json_body(response).await)
}

#[tokio::test]
async fn list_shows_every_default() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/templates").await;
    assert_eq!(response.status(), StatusCode::OK);
    let templates = json_body(response).await;
    let names: Vec<&str> = templates.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "verification",
            "confirmation",
            "welcome",
            "help",
            "incident_created",
            "incident_updated",
            "incident_resolved",
            "maintenance_scheduled",
            "maintenance_updated",
            "maintenance_started",
            "maintenance_canceled"
        ]
    );
    for template in templates.as_array().unwrap() {
        assert_eq!(template["default"], true, "{}", template["name"]);
        assert!(!template["template"].as_str().unwrap().is_empty());
    }
    app.stop().await;
}

#[tokio::test]
async fn saved_template_is_used_for_notifications() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;
    let response = app
        .put("/api/v1/templates/incident_created", json!({ "template": "ALERT {{title}} ({{severity}})" }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let saved = json_body(response).await;
    assert_eq!(saved["default"], false);
    assert_eq!(saved["template"], "ALERT {{title}} ({{severity}})");
    assert!(saved["variables"].as_array().unwrap().contains(&json!("message")));
    assert!(!saved["variables"].as_array().unwrap().contains(&json!("code")));

    let shown = json_body(app.get("/api/v1/templates/incident_created").await).await;
    assert_eq!(shown, saved);

    app.open_incident("API down", "major", &[]).await;
    assert_eq!(notification_bodies(&app, PHONE).await, ["ALERT API down (Major)"]);
    app.stop().await;
}

#[tokio::test]
async fn reset_restores_default() {
    let app = TestApp::spawn().await;
    app.put("/api/v1/templates/help", json!({ "template": "Help: {{url}}" })).await;
    let response = app.delete("/api/v1/templates/help").await;
    assert_eq!(response.status(), StatusCode::OK);
    let reset = json_body(response).await;
    assert_eq!(reset["default"], true);
    assert!(reset["template"].as_str().unwrap().contains("Reply STOP"));
    app.stop().await;
}

#[tokio::test]
async fn invalid_template_names_position() {
    let app = TestApp::spawn().await;
    let response = app.put("/api/v1/templates/incident_updated", json!({ "template": "Hi {{nope}} there" })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error = json_body(response).await;
    assert_eq!(error["field"], "template");
    assert_eq!(error["position"], 3);
    assert!(error["error"].as_str().unwrap().contains("nope"));

    let response = app.put("/api/v1/templates/incident_updated", json!({ "template": "Hi {{title" })).await;
    let error = json_body(response).await;
    assert_eq!(error["position"], 3);

    let unchanged = json_body(app.get("/api/v1/templates/incident_updated").await).await;
    assert_eq!(unchanged["default"], true);
    app.stop().await;
}

#[tokio::test]
async fn verification_template_needs_code() {
    let app = TestApp::spawn().await;
    let response = app.put("/api/v1/templates/verification", json!({ "template": "Your code" })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error = json_body(response).await;
    assert_eq!(error["field"], "template");
    assert_eq!(error["position"], 9);
    app.stop().await;
}

#[tokio::test]
async fn unknown_template_is_not_found() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/api/v1/templates/incident").await.status(), StatusCode::NOT_FOUND);
    let response = app.put("/api/v1/templates/incident", json!({ "template": "x" })).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let error: Value = response.json().await.unwrap();
    let message = error["error"].as_str().unwrap();
    assert!(
        message.contains("Use one of: verification, confirmation, welcome, help, incident_created"),
        "the error lists the template names: {message}"
    );
    assert_eq!(app.delete("/api/v1/templates/incident").await.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn templates_need_a_token() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/api/v1/templates")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn verification_template_is_the_settings_field() {
    let app = TestApp::spawn().await;
    let text = "{{page}} code: {{code}}";
    let response = app.put("/api/v1/templates/verification", json!({ "template": text })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let settings = json_body(app.get("/api/v1/settings/sms").await).await;
    assert_eq!(settings["verification_template"], text);

    let other = "Code {{code}} for {{page}}";
    app.put("/api/v1/settings/sms", json!({ "verification_template": other })).await;
    let template = json_body(app.get("/api/v1/templates/verification").await).await;
    assert_eq!(template["template"], other);
    assert_eq!(template["default"], false);

    app.sign_up(PHONE, json!({})).await;
    let code = app.latest_code(PHONE).await;
    let sent = app.messages_to(PHONE).await;
    assert_eq!(sent[0]["body"], format!("Code {code} for Kodo Status"));
    app.stop().await;
}

#[tokio::test]
async fn preview_counts_segments() {
    let app = TestApp::spawn().await;
    let (status, preview) = preview(
        &app,
        json!({
            "template": "{{title}}: {{message}}",
            "values": { "title": "API down", "message": "Looking into it." }
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(preview["text"], "API down: Looking into it.");
    assert_eq!(preview["encoding"], "GSM-7");
    assert_eq!(preview["segments"], 1);
    assert_eq!(preview["characters"], 26);
    app.stop().await;
}

#[tokio::test]
async fn preview_shortens_message_to_fit() {
    let app = TestApp::spawn().await;
    let long = "word ".repeat(60);
    let (status, preview) = preview(
        &app,
        json!({ "template": "{{message}} {{url}}", "values": { "message": long, "url": "https://x.test/i/1" } }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let text = preview["text"].as_str().unwrap();
    assert!(text.ends_with("... https://x.test/i/1"), "{text}");
    assert_eq!(preview["segments"], 1);
    assert!(preview["characters"].as_u64().unwrap() <= 160);
    app.stop().await;
}

#[tokio::test]
async fn preview_fills_missing_values_with_examples() {
    let app = TestApp::spawn().await;
    let (_, preview) = preview(&app, json!({ "template": "[{{page}}] {{title}}" })).await;
    assert_eq!(preview["text"], "[Kodo Status] API errors");
    app.stop().await;
}

#[tokio::test]
async fn preview_follows_typographic_setting() {
    let app = TestApp::spawn().await;
    let body = json!({ "template": "{{message}}", "values": { "message": "It’s “down” — soon…" } });
    let (_, replaced) = preview(&app, body.clone()).await;
    assert_eq!(replaced["text"], "It's \"down\" - soon...");
    assert_eq!(replaced["encoding"], "GSM-7");

    let response = app.put("/api/v1/settings/sms", json!({ "replace_typographic": false })).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await["replace_typographic"], false);
    let (_, kept) = preview(&app, body).await;
    assert_eq!(kept["text"], "It’s “down” — soon…");
    assert_eq!(kept["encoding"], "UCS-2");
    assert_eq!(kept["characters"], 19);
    app.stop().await;
}

#[tokio::test]
async fn preview_checks_kind_variables() {
    let app = TestApp::spawn().await;
    let (status, error) = preview(&app, json!({ "template": "{{code}}" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["field"], "template");
    assert_eq!(error["position"], 0);

    let (status, preview_ok) = preview(&app, json!({ "template": "Code {{code}}", "name": "verification", "values": { "code": "123456" } })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(preview_ok["text"], "Code 123456");

    let (status, error) = preview(&app, json!({ "template": "x", "name": "nope" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["field"], "name");

    let (status, error) = preview(&app, json!({ "template": "x", "values": { "cod": "1" } })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["field"], "values.cod");

    let (status, error) = preview(&app, json!({ "template": "x", "values": { "code": "1" } })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["field"], "values.code");
    app.stop().await;
}

#[tokio::test]
async fn typographic_setting_applies_to_notifications() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;
    let settings = json_body(app.get("/api/v1/settings/sms").await).await;
    assert_eq!(settings["replace_typographic"], true);
    app.put("/api/v1/templates/incident_created", json!({ "template": "{{title}}: {{message}}" })).await;

    let open = |title: &'static str| {
        app.post(
            "/api/v1/incidents",
            json!({ "title": title, "severity": "minor", "status": "investigating",
                    "message": "We’re on it — really", "services": [] }),
        )
    };
    assert_eq!(open("First").await.status(), StatusCode::CREATED);
    app.put("/api/v1/settings/sms", json!({ "replace_typographic": false })).await;
    assert_eq!(open("Second").await.status(), StatusCode::CREATED);

    let bodies = notification_bodies(&app, PHONE).await;
    assert!(bodies.contains(&"First: We're on it - really".to_owned()), "{bodies:?}");
    assert!(bodies.contains(&"Second: We’re on it — really".to_owned()), "{bodies:?}");
    app.stop().await;
}

#[tokio::test]
async fn settings_reject_bad_timing_values() {
    let app = TestApp::spawn().await;
    let response = app.put("/api/v1/settings/sms", json!({ "hold_seconds": -1 })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(response).await["field"], "hold_seconds");

    let response = app.put("/api/v1/settings/sms", json!({ "quiet_hours": { "start": "25:00", "end": "07:00" } })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(response).await["field"], "quiet_hours.start");

    let response = app.put("/api/v1/settings/sms", json!({ "quiet_hours": { "start": "22:00", "end": "7:00" } })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let saved = json_body(response).await;
    assert_eq!(saved["quiet_hours"], json!({ "start": "22:00", "end": "07:00" }));
    assert_eq!(saved["hold_seconds"], 60);

    let response = app.put("/api/v1/settings/sms", json!({ "quiet_hours": null })).await;
    assert_eq!(json_body(response).await["quiet_hours"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn windows_line_breaks_are_plain_line_breaks() {
    let app = TestApp::spawn().await;
    let response = app.put("/api/v1/templates/help", json!({ "template": "Hi\r\n{{page}} {{url}}" })).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await["template"], "Hi\n{{page}} {{url}}");
    let typo = app.put("/api/v1/templates/help", json!({ "template": "Hi {{url}}", "templat": "x" })).await;
    assert_eq!(typo.status(), StatusCode::BAD_REQUEST, "unknown fields are rejected");
    app.stop().await;
}

#[tokio::test]
async fn preview_links_to_this_page() {
    let app = TestApp::spawn().await;
    let (status, body) = preview(&app, json!({ "template": "Details: {{url}}" })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["text"], format!("Details: {}/incidents/10000", app.kodo.public_url));
    let (_, body) = preview(&app, json!({ "template": "Help: {{url}}", "name": "help" })).await;
    assert_eq!(body["text"], format!("Help: {}", app.kodo.public_url));
    app.stop().await;
}
