//! Inbound texts: repeated webhook deliveries are handled once, and HELP
//! gets the page's help text in reply.

use kodo_domain::template::TemplateKind;
use reqwest::StatusCode;
use serde_json::json;

use crate::fake_twilio;
use crate::helpers::TestApp;

const PHONE: &str = "+14155552671";

async fn post_help(app: &TestApp, sid: &str, idempotency_token: Option<&str>) -> reqwest::Response {
    let params = [("MessageSid", sid), ("From", PHONE), ("To", fake_twilio::FROM), ("Body", "HELP")];
    let owned: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let path = "/webhooks/twilio/sms";
    let signature = kodo_domain::signature::compute(fake_twilio::AUTH_TOKEN, &app.url(path), &owned);
    let mut request = app.client.post(app.url(path)).header("X-Twilio-Signature", signature).form(&owned);
    if let Some(token) = idempotency_token {
        request = request.header("I-Twilio-Idempotency-Token", token);
    }
    request.send().await.unwrap()
}

async fn help_replies(app: &TestApp) -> Vec<String> {
    app.drain().await;
    app.messages_to(PHONE)
        .await
        .into_iter()
        .filter(|message| message["kind"] == "help")
        .map(|message| message["body"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn same_idempotency_token_is_handled_once() {
    let app = TestApp::spawn_with_twilio().await;
    let token = "b6e1c1c5-1f3c-4a5e-9a43-2f1d2f4b7c11";
    let first = post_help(&app, "SM00000000000000000000000000000101", Some(token)).await;
    let retry = post_help(&app, "SM00000000000000000000000000000102", Some(token)).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(help_replies(&app).await.len(), 1);

    let other = post_help(&app, "SM00000000000000000000000000000103", Some("another-token")).await;
    assert_eq!(other.status(), StatusCode::OK);
    assert_eq!(help_replies(&app).await.len(), 2, "a new token is a new message");
    app.stop().await;
}

#[tokio::test]
async fn same_sid_with_new_token_is_handled_once() {
    let app = TestApp::spawn_with_twilio().await;
    let sid = "SM00000000000000000000000000000201";
    post_help(&app, sid, Some("first-token")).await;
    let retry = post_help(&app, sid, Some("second-token")).await;
    assert_eq!(retry.status(), StatusCode::OK);
    post_help(&app, sid, None).await;
    assert_eq!(help_replies(&app).await.len(), 1);
    let recorded: i64 = sqlx::query_scalar("SELECT count(*) FROM inbound_messages")
        .fetch_one(&app.kodo.pool)
        .await
        .unwrap();
    assert_eq!(recorded, 1);
    app.stop().await;
}

#[tokio::test]
async fn help_reply_names_page_and_stop() {
    let app = TestApp::spawn_with_twilio().await;
    let response = app.put("/api/v1/settings/sms", json!({ "page_name": "Acme Status" })).await;
    assert_eq!(response.status(), StatusCode::OK);
    post_help(&app, "SM00000000000000000000000000000301", None).await;

    let replies = help_replies(&app).await;
    assert_eq!(replies.len(), 1);
    let reply = &replies[0];
    assert!(reply.contains("Acme Status"), "page name: {reply}");
    assert!(reply.contains("status alerts"), "what the messages are: {reply}");
    assert!(reply.contains("STOP"), "how to stop: {reply}");
    assert_eq!(app.twilio.received_by(PHONE).len(), 1, "the reply is texted");
    app.stop().await;
}

#[tokio::test]
async fn help_reply_uses_admin_template() {
    let app = TestApp::spawn_with_twilio().await;
    kodo_core::templates::save(
        &app.kodo.pool,
        TemplateKind::Help,
        "{{page}}: outage texts for our customers. Text STOP to end them.",
    )
    .await
    .expect("save the help template");
    post_help(&app, "SM00000000000000000000000000000401", None).await;

    let replies = help_replies(&app).await;
    assert_eq!(replies, vec!["Kodo Status: outage texts for our customers. Text STOP to end them.".to_owned()]);
    app.stop().await;
}
