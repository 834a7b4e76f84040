//! Twilio's webhooks: signature checks, keywords and status callbacks.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::fake_twilio;
use crate::helpers::{json_body, TestApp};

const PHONE: &str = "+14155552671";

fn stop_form() -> Vec<(&'static str, &'static str)> {
    vec![("MessageSid", "SM00000000000000000000000000000007"), ("From", PHONE), ("Body", "STOP")]
}

#[tokio::test]
async fn webhook_without_signature_is_forbidden() {
    let app = TestApp::spawn_with_twilio().await;
    app.subscribe(PHONE, json!({})).await;
    let response = app.client.post(app.url("/webhooks/twilio/sms")).form(&stop_form()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let recorded: i64 = sqlx::query_scalar("SELECT count(*) FROM inbound_messages")
        .fetch_one(&app.kodo.pool)
        .await
        .unwrap();
    assert_eq!(recorded, 0, "an unsigned request is never recorded");
    let subscribers = json_body(app.get("/api/v1/subscribers?status=active").await).await;
    assert_eq!(subscribers.as_array().unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn webhook_with_wrong_signature_is_forbidden() {
    let app = TestApp::spawn_with_twilio().await;
    let response = app
        .client
        .post(app.url("/webhooks/twilio/sms"))
        .header("X-Twilio-Signature", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
        .form(&stop_form())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn signature_over_other_url_is_forbidden() {
    let app = TestApp::spawn_with_twilio().await;
    let owned: Vec<(String, String)> = stop_form().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let signature = kodo_domain::signature::compute(fake_twilio::AUTH_TOKEN, "https://elsewhere.example/webhooks/twilio/sms", &owned);
    let response = app
        .client
        .post(app.url("/webhooks/twilio/sms"))
        .header("X-Twilio-Signature", signature)
        .form(&owned)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn webhook_without_twilio_account_is_forbidden() {
    let app = TestApp::spawn().await;
    let response = app.post_signed_webhook("/webhooks/twilio/sms", &stop_form()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn start_reactivates_opted_out_number() {
    let app = TestApp::spawn_with_twilio().await;
    app.subscribe(PHONE, json!({})).await;
    app.post_signed_webhook("/webhooks/twilio/sms", &stop_form()).await;
    let start = app
        .post_signed_webhook(
            "/webhooks/twilio/sms",
            &[("MessageSid", "SM00000000000000000000000000000008"), ("From", PHONE), ("Body", "START")],
        )
        .await;
    assert_eq!(start.status(), StatusCode::OK);
    let subscribers = json_body(app.get("/api/v1/subscribers?status=active").await).await;
    assert_eq!(subscribers[0]["phone"], PHONE);

    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM consent_events WHERE phone = $1 ORDER BY id")
            .bind(PHONE)
            .fetch_all(&app.kodo.pool)
            .await
            .unwrap();
    assert_eq!(actions, ["opt_in", "opt_out", "opt_in"]);
    app.stop().await;
}

#[tokio::test]
async fn duplicate_delivery_is_handled_once() {
    let app = TestApp::spawn_with_twilio().await;
    app.subscribe(PHONE, json!({})).await;
    let help = [("MessageSid", "SM00000000000000000000000000000009"), ("From", PHONE), ("Body", "HELP")];
    app.post_signed_webhook("/webhooks/twilio/sms", &help).await;
    app.post_signed_webhook("/webhooks/twilio/sms", &help).await;
    app.drain().await;
    let replies: Vec<_> = app.messages_to(PHONE).await.into_iter().filter(|m| m["kind"] == "help").collect();
    assert_eq!(replies.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn other_text_changes_nothing() {
    let app = TestApp::spawn_with_twilio().await;
    app.subscribe(PHONE, json!({})).await;
    let response = app
        .post_signed_webhook(
            "/webhooks/twilio/sms",
            &[("MessageSid", "SM0000000000000000000000000000000a"), ("From", PHONE), ("Body", "is the end of the outage near?")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let subscribers = json_body(app.get("/api/v1/subscribers?status=active").await).await;
    assert_eq!(subscribers.as_array().unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn status_callback_never_moves_backwards() {
    let app = TestApp::spawn_with_twilio().await;
    app.sign_up(PHONE, json!({})).await;
    app.drain().await;
    let sid = app.twilio.received_by(PHONE)[0].sid.clone();

    let delivered = app
        .post_signed_webhook("/webhooks/twilio/status", &[("MessageSid", &sid), ("MessageStatus", "delivered")])
        .await;
    assert_eq!(delivered.status(), StatusCode::OK);
    app.post_signed_webhook("/webhooks/twilio/status", &[("MessageSid", &sid), ("MessageStatus", "sent")])
        .await;

    let messages = app.messages_to(PHONE).await;
    assert_eq!(messages[0]["status"], "delivered");
    assert_eq!(messages[0]["twilio_sid"], sid.as_str());
    app.stop().await;
}

#[tokio::test]
async fn status_callback_records_error_code() {
    let app = TestApp::spawn_with_twilio().await;
    app.sign_up(PHONE, json!({})).await;
    app.drain().await;
    let sid = app.twilio.received_by(PHONE)[0].sid.clone();
    app.post_signed_webhook(
        "/webhooks/twilio/status",
        &[("MessageSid", &sid), ("MessageStatus", "undelivered"), ("ErrorCode", "30003")],
    )
    .await;
    let messages = app.messages_to(PHONE).await;
    assert_eq!(messages[0]["status"], "undelivered");
    assert_eq!(messages[0]["error_code"], 30003);
    app.stop().await;
}

#[tokio::test]
async fn repeated_status_callbacks_are_harmless() {
    let app = TestApp::spawn_with_twilio().await;
    app.sign_up(PHONE, json!({})).await;
    app.drain().await;
    let sid = app.twilio.received_by(PHONE)[0].sid.clone();
    for status in ["sent", "delivered", "delivered", "sent", "queued", "failed"] {
        let response = app
            .post_signed_webhook("/webhooks/twilio/status", &[("MessageSid", &sid), ("MessageStatus", status)])
            .await;
        assert_eq!(response.status(), StatusCode::OK, "callback {status}");
    }
    let messages = app.messages_to(PHONE).await;
    assert_eq!(messages[0]["status"], "delivered", "the first final status stays");
    assert_eq!(messages[0]["error_code"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn callback_before_sid_is_stored_applies_later() {
    let app = TestApp::spawn_with_twilio().await;
    // Twilio reports on a message whose create response the dispatcher
    // has not recorded yet. The SID it will get is the fake's next one.
    let early_sid = format!("SM{:032x}", 1);
    let response = app
        .post_signed_webhook(
            "/webhooks/twilio/status",
            &[("MessageSid", &early_sid), ("MessageStatus", "undelivered"), ("ErrorCode", "30005")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    app.post_signed_webhook("/webhooks/twilio/status", &[("MessageSid", &early_sid), ("MessageStatus", "sent")])
        .await;

    app.sign_up(PHONE, json!({})).await;
    app.drain().await;
    let messages = app.messages_to(PHONE).await;
    assert_eq!(messages[0]["twilio_sid"], early_sid.as_str());
    assert_eq!(messages[0]["status"], "undelivered", "the early callback is applied");
    assert_eq!(messages[0]["error_code"], 30005);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM early_status_callbacks")
        .fetch_one(&app.kodo.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    app.stop().await;
}
