//! Who an incident event reaches: scope, severity and resolutions.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

const ALL: &str = "+14155550101";
const API_ONLY: &str = "+14155550102";
const CRITICAL_ONLY: &str = "+14155550103";
const NO_RESOLUTIONS: &str = "+14155550104";

async fn notifications(app: &TestApp, phone: &str) -> Vec<String> {
    app.messages_to(phone)
        .await
        .into_iter()
        .filter(|message| message["kind"] == "notification")
        .map(|message| message["body"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn preferences_choose_who_is_notified() {
    let app = TestApp::spawn().await;
    let api = app.create_service("API").await;
    let web = app.create_service("Web").await;
    app.subscribe(ALL, json!({})).await;
    app.subscribe(API_ONLY, json!({ "scope": "services", "services": [api] })).await;
    app.subscribe(CRITICAL_ONLY, json!({ "critical_only": true })).await;
    app.subscribe(NO_RESOLUTIONS, json!({ "resolutions": false })).await;

    let web_incident = app.open_incident("Web is slow", "minor", &[web]).await;
    let response = app
        .post(&format!("/api/v1/incidents/{web_incident}/updates"), json!({ "status": "resolved", "message": "Fast again." }))
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    app.open_incident("API down", "critical", &[api, web]).await;
    app.drain().await;

    assert_eq!(notifications(&app, ALL).await.len(), 3);
    assert_eq!(notifications(&app, API_ONLY).await.len(), 1);
    assert!(notifications(&app, API_ONLY).await[0].contains("API down"));
    assert_eq!(notifications(&app, CRITICAL_ONLY).await.len(), 1);
    assert_eq!(notifications(&app, NO_RESOLUTIONS).await.len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn pending_subscriber_gets_no_notifications() {
    let app = TestApp::spawn().await;
    app.sign_up(ALL, json!({})).await;
    app.open_incident("API down", "critical", &[]).await;
    app.drain().await;
    assert!(notifications(&app, ALL).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn one_message_per_subscriber_per_event() {
    let app = TestApp::spawn().await;
    app.subscribe(ALL, json!({})).await;
    let incident = app.open_incident("API down", "major", &[]).await;
    app.drain().await;
    let duplicates: i64 = sqlx::query_scalar(
        "SELECT count(*) - count(DISTINCT (subscriber_id, update_id)) FROM messages WHERE incident_id = $1",
    )
    .bind(incident)
    .fetch_one(&app.kodo.pool)
    .await
    .unwrap();
    assert_eq!(duplicates, 0);
    assert_eq!(notifications(&app, ALL).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn resolved_incident_takes_no_updates() {
    let app = TestApp::spawn().await;
    let incident = app.open_incident("API down", "major", &[]).await;
    let path = format!("/api/v1/incidents/{incident}/updates");
    app.post(&path, json!({ "status": "resolved", "message": "Fixed." })).await;
    let again = app.post(&path, json!({ "status": "monitoring", "message": "Hmm." })).await;
    assert_eq!(again.status(), reqwest::StatusCode::CONFLICT);
    app.stop().await;
}

#[tokio::test]
async fn incident_page_status() {
    let app = TestApp::spawn().await;
    let service = app.create_service("API").await;
    let id = app.open_incident("Slow API", "minor", &[service]).await;

    let found = app.client.get(app.url(&format!("/incidents/{id}"))).send().await.unwrap();
    assert_eq!(found.status(), StatusCode::OK);
    assert!(found.text().await.unwrap().contains("Slow API"));

    for path in ["/incidents/999999", "/incidents/not-a-number", "/no-such-page"] {
        let missing = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn removing_last_chosen_service_widens_scope() {
    let app = TestApp::spawn().await;
    let billing = app.create_service("Billing").await;
    let api = app.create_service("API").await;
    app.subscribe(API_ONLY, json!({ "scope": "services", "services": [billing] })).await;

    let removed = app.delete(&format!("/api/v1/services/{billing}")).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let subscribers = crate::helpers::json_body(app.get("/api/v1/subscribers").await).await;
    assert_eq!(subscribers[0]["preferences"]["scope"], "all", "{subscribers}");

    app.open_incident("API down", "major", &[api]).await;
    assert_eq!(notifications(&app, API_ONLY).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn pages_render_whole_without_javascript() {
    let app = TestApp::spawn().await;
    let service = app.create_service("Payments API").await;
    let id = app.open_incident("Card payments failing", "critical", &[service]).await;

    let status_page = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(status_page.contains("Payments API"), "{status_page}");
    assert!(status_page.contains("Card payments failing"), "{status_page}");
    assert!(!status_page.contains("Loading status"), "{status_page}");

    let incident_page = app.client.get(app.url(&format!("/incidents/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(incident_page.contains("Card payments failing"), "{incident_page}");
    assert!(!incident_page.contains("Loading incident"), "{incident_page}");
    app.stop().await;
}

#[tokio::test]
async fn title_cleaned_to_one_line() {
    let app = TestApp::spawn().await;
    app.subscribe(ALL, json!({})).await;
    let incident = json!({
        "title": "API\r\ndown\t in EU",
        "severity": "major",
        "status": "investigating",
        "message": "First line.\r\nSecond line.",
        "services": [],
    });
    let response = app.post("/api/v1/incidents", incident).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created = crate::helpers::json_body(response).await;
    assert_eq!(created["title"], "API down in EU");
    app.drain().await;
    let texts = notifications(&app, ALL).await;
    assert!(texts[0].contains("API down in EU. First line.\nSecond line."), "{}", texts[0]);

    let response = app
        .post(
            "/api/v1/incidents",
            json!({ "title": "Bell\u{7}", "severity": "minor", "status": "investigating", "message": "x", "services": [] }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error = crate::helpers::json_body(response).await;
    assert_eq!(error["field"], "title");
    assert_eq!(error["error"], "Title contains the control character U+0007 at character 5; remove it.");
    app.stop().await;
}
