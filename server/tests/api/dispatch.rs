//! The dispatcher against Twilio: failures are kept, never dropped, and
//! switching accounts takes effect without a restart.

use serde_json::json;

use crate::fake_twilio::{self, Failure};
use crate::helpers::{age_signup_attempts, TestApp};

const PHONE: &str = "+14155552671";

#[tokio::test]
async fn rejected_number_is_failed_with_twilio_code() {
    let app = TestApp::spawn_with_twilio().await;
    app.twilio.fail_for(
        PHONE,
        Failure { http_status: 400, code: 21211, message: "The 'To' number is not a valid phone number." },
    );
    app.sign_up(PHONE, json!({})).await;
    app.drain().await;
    let message = &app.messages_to(PHONE).await[0];
    assert_eq!(message["status"], "failed");
    assert_eq!(message["error_code"], 21211);
    assert_eq!(message["attempts"], 1, "a permanent error is not retried");
    app.stop().await;
}

#[tokio::test]
async fn outage_is_retried_later() {
    let app = TestApp::spawn_with_twilio().await;
    app.twilio.set_outage(Some(Failure { http_status: 503, code: 20500, message: "Service unavailable" }));
    app.sign_up(PHONE, json!({})).await;
    app.drain().await;
    let message = &app.messages_to(PHONE).await[0];
    assert_eq!(message["status"], "queued");
    assert_eq!(message["error_code"], 20500);

    app.twilio.set_outage(None);
    sqlx::query("UPDATE messages SET next_attempt_at = now()").execute(&app.kodo.pool).await.unwrap();
    app.drain().await;
    assert_eq!(app.twilio.received_by(PHONE).len(), 1);
    assert_eq!(app.messages_to(PHONE).await[0]["status"], "queued", "Twilio's own status is kept");
    app.stop().await;
}

#[tokio::test]
async fn carrier_opt_out_unsubscribes() {
    let app = TestApp::spawn_with_twilio().await;
    app.subscribe(PHONE, json!({})).await;
    app.twilio.fail_for(
        PHONE,
        Failure { http_status: 400, code: 21610, message: "Attempt to send to unsubscribed recipient" },
    );
    app.open_incident("API down", "major", &[]).await;
    app.drain().await;
    let status: String = sqlx::query_scalar("SELECT status FROM subscribers WHERE phone = $1")
        .bind(PHONE)
        .fetch_one(&app.kodo.pool)
        .await
        .unwrap();
    assert_eq!(status, "unsubscribed");
    let method: String = sqlx::query_scalar(
        "SELECT method FROM consent_events WHERE phone = $1 AND action = 'opt_out'",
    )
    .bind(PHONE)
    .fetch_one(&app.kodo.pool)
    .await
    .unwrap();
    assert_eq!(method, "carrier");
    app.stop().await;
}

#[tokio::test]
async fn saving_credentials_switches_without_restart() {
    let app = TestApp::spawn().await;
    app.sign_up(PHONE, json!({})).await;
    app.drain().await;
    assert_eq!(app.twilio.request_count(), 0);

    app.put(
        "/api/v1/settings/sms",
        json!({
            "account_sid": fake_twilio::ACCOUNT_SID,
            "auth_token": fake_twilio::AUTH_TOKEN,
            "from": fake_twilio::FROM,
        }),
    )
    .await;
    // Each sign-up waits out the minute between codes to one number.
    age_signup_attempts(&app.kodo.pool, 61).await;
    app.sign_up(PHONE, json!({})).await;
    app.drain().await;
    assert_eq!(app.twilio.received_by(PHONE).len(), 1);

    app.put("/api/v1/settings/sms", json!({ "account_sid": null })).await;
    age_signup_attempts(&app.kodo.pool, 61).await;
    app.sign_up(PHONE, json!({})).await;
    app.drain().await;
    assert_eq!(app.twilio.received_by(PHONE).len(), 1, "back to the outbox");
    let channels: Vec<Option<String>> =
        app.messages_to(PHONE).await.iter().map(|m| m["channel"].as_str().map(str::to_owned)).collect();
    assert_eq!(channels, [Some("outbox".into()), Some("twilio".into()), Some("outbox".into())]);
    app.stop().await;
}

#[tokio::test]
async fn wrong_credentials_fail_with_auth_error() {
    let app = TestApp::spawn_with_twilio().await;
    app.put("/api/v1/settings/sms", json!({ "auth_token": "ffffffffffffffffffffffffffffffff" })).await;
    app.sign_up(PHONE, json!({})).await;
    app.drain().await;
    let message = &app.messages_to(PHONE).await[0];
    assert_eq!(message["status"], "failed");
    assert_eq!(message["error_code"], 20003);
    app.stop().await;
}
