//! The dispatcher against Twilio: failures are kept, never dropped, and
//! switching accounts takes effect without a restart. Account problems
//! pause the sender and blocked countries hold their messages until an
//! admin fixes them.

use std::time::Duration;

use kodo_server::dispatch::{DispatchOptions, Dispatcher};
use kodo_server::twilio::TwilioClient;
use reqwest::StatusCode;
use serde_json::json;

use crate::fake_twilio::{self, Failure};
use crate::helpers::{age_signup_attempts, json_body, urlencode, TestApp};

const PHONE: &str = "+14155552671";
const OTHER_PHONE: &str = "+14155552672";
const FR_PHONE: &str = "+33612345678";
const FR_OTHER_PHONE: &str = "+33612345679";

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
async fn wrong_credentials_pause_sender() {
    let app = TestApp::spawn_with_twilio().await;
    let wrong_token = "ffffffffffffffffffffffffffffffff";
    app.put("/api/v1/settings/sms", json!({ "auth_token": wrong_token })).await;
    app.sign_up(PHONE, json!({})).await;
    app.sign_up(OTHER_PHONE, json!({})).await;
    app.drain().await;
    for phone in [PHONE, OTHER_PHONE] {
        let message = &app.messages_to(phone).await[0];
        assert_eq!(message["status"], "queued", "the message waits for the fix");
        assert_eq!(message["attempts"], 0, "a paused send is not an attempt");
    }
    let status = json_body(app.get("/api/v1/dispatch/status").await).await;
    let pause = &status["paused_senders"][0];
    assert_eq!(pause["sender"], fake_twilio::FROM);
    assert_eq!(pause["error_code"], 20003);
    assert!(pause["fix"].as_str().unwrap().contains("Auth Token"), "{pause}");
    assert_eq!(status["queue"]["queued"], 2);

    let requests = app.twilio.request_count();
    app.drain().await;
    assert_eq!(app.twilio.request_count(), requests, "a paused sender sends nothing");

    app.put("/api/v1/settings/sms", json!({ "auth_token": fake_twilio::AUTH_TOKEN })).await;
    app.drain().await;
    assert_eq!(app.twilio.received_by(PHONE).len(), 1, "saving the settings resumes");
    assert_eq!(app.twilio.received_by(OTHER_PHONE).len(), 1);
    let status = json_body(app.get("/api/v1/dispatch/status").await).await;
    assert_eq!(status["paused_senders"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn account_errors_pause_until_resume() {
    for code in [21606, 21212, 20404] {
        let app = TestApp::spawn_with_twilio().await;
        app.twilio.set_outage(Some(Failure { http_status: 400, code, message: "The From number is not valid" }));
        app.sign_up(PHONE, json!({})).await;
        app.drain().await;
        assert_eq!(app.messages_to(PHONE).await[0]["status"], "queued", "code {code}");
        let status = json_body(app.get("/api/v1/dispatch/status").await).await;
        assert_eq!(status["paused_senders"][0]["error_code"], code);
        assert_eq!(status["paused_senders"][0]["reason"], "The From number is not valid");

        app.twilio.set_outage(None);
        let response = app.post("/api/v1/dispatch/resume", json!({})).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(json_body(response).await["paused_senders"], json!([]));
        app.drain().await;
        assert_eq!(app.twilio.received_by(PHONE).len(), 1, "code {code}: sent after resume");
        app.stop().await;
    }
}

#[tokio::test]
async fn permanent_number_errors_mark_undeliverable() {
    for (code, message) in [
        (21211, "The 'To' number is not a valid phone number."),
        (21614, "'To' number is not a valid mobile number"),
        (21635, "The 'To' number cannot be reached by SMS"),
    ] {
        let app = TestApp::spawn_with_twilio().await;
        app.subscribe(PHONE, json!({})).await;
        app.drain().await;
        app.twilio.fail_for(PHONE, Failure { http_status: 400, code, message });
        app.open_incident("API down", "major", &[]).await;
        app.drain().await;
        let messages = app.messages_to(PHONE).await;
        assert_eq!(messages[0]["status"], "failed", "code {code}");
        assert_eq!(messages[0]["error_code"], code);
        assert_eq!(messages[0]["attempts"], 1, "code {code} is not retried");
        let subscriber = &json_body(app.get(&format!("/api/v1/subscribers?phone={}", urlencode(PHONE))).await).await[0];
        assert_eq!(subscriber["status"], "undeliverable", "code {code}");
        let reason = subscriber["status_reason"].as_str().unwrap();
        assert!(reason.contains(&code.to_string()), "{reason}");
        assert!(reason.contains(message), "{reason}");

        app.open_incident("Database slow", "major", &[]).await;
        assert_eq!(app.messages_to(PHONE).await.len(), messages.len(), "no more notifications");
        app.stop().await;
    }
}

#[tokio::test]
async fn blocked_country_holds_messages() {
    let app = TestApp::spawn_with_twilio().await;
    app.subscribe(FR_PHONE, json!({})).await;
    app.subscribe(FR_OTHER_PHONE, json!({})).await;
    app.subscribe(PHONE, json!({})).await;
    app.drain().await;
    let sent_before = app.twilio.received().len();
    let block = Failure {
        http_status: 400,
        code: 21408,
        message: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
    };
    app.twilio.fail_for(FR_PHONE, block.clone());
    app.twilio.fail_for(FR_OTHER_PHONE, block);
    app.open_incident("API down", "major", &[]).await;
    app.drain().await;

    assert_eq!(app.twilio.received().len(), sent_before + 1, "other countries are sent");
    assert_eq!(app.messages_to(PHONE).await[0]["channel"], "twilio");
    for phone in [FR_PHONE, FR_OTHER_PHONE] {
        let message = &app.messages_to(phone).await[0];
        assert_eq!(message["status"], "queued", "held, not failed");
        assert_eq!(message["error_code"], 21408);
        assert_eq!(message["attempts"], 0, "a held send is not an attempt");
    }
    let status = json_body(app.get("/api/v1/dispatch/status").await).await;
    let blocked = &status["blocked_regions"][0];
    assert_eq!(blocked["region"], "FR");
    assert_eq!(blocked["calling_code"], 33);
    assert_eq!(blocked["held_messages"], 2);
    assert!(blocked["fix"].as_str().unwrap().contains("Geo permissions"), "{blocked}");
    assert_eq!(status["queue"]["region_blocked"], 2);
    assert_eq!(status["queue"]["held"], 0);

    let requests = app.twilio.request_count();
    sqlx::query("UPDATE messages SET next_attempt_at = now()").execute(&app.kodo.pool).await.unwrap();
    app.drain().await;
    assert_eq!(app.twilio.request_count(), requests, "held messages are not sent again");

    app.twilio.clear_failures();
    let response = app.post("/api/v1/dispatch/resume", json!({})).await;
    assert_eq!(json_body(response).await["blocked_regions"], json!([]));
    app.drain().await;
    for phone in [FR_PHONE, FR_OTHER_PHONE] {
        let message = &app.messages_to(phone).await[0];
        assert_eq!(message["channel"], "twilio", "sent after resume");
    }
    app.stop().await;
}

#[tokio::test]
async fn rate_limit_errors_retry_then_fail() {
    let app = TestApp::spawn_with_twilio().await;
    app.put("/api/v1/settings/sms", json!({ "max_attempts": 3 })).await;
    app.twilio.set_outage(Some(Failure { http_status: 429, code: 20429, message: "Too Many Requests" }));
    app.sign_up(PHONE, json!({})).await;
    for attempt in 1..=3 {
        app.drain().await;
        let message = &app.messages_to(PHONE).await[0];
        assert_eq!(message["attempts"], attempt);
        let expected = if attempt < 3 { "queued" } else { "failed" };
        assert_eq!(message["status"], expected, "after attempt {attempt}");
        assert_eq!(message["error_code"], 20429);
        assert_eq!(message["error_message"], "Too Many Requests", "the last error is kept");
        let delay: f64 = sqlx::query_scalar(
            "SELECT EXTRACT(EPOCH FROM next_attempt_at - updated_at)::float8 FROM messages WHERE to_phone = $1",
        )
        .bind(PHONE)
        .fetch_one(&app.kodo.pool)
        .await
        .unwrap();
        if attempt < 3 {
            let base = 2.0 * f64::from(1 << attempt);
            assert!(delay >= base - 0.5, "attempt {attempt}: delay {delay} below the backoff");
            assert!(delay <= base * 1.5 + 0.5, "attempt {attempt}: delay {delay} above the backoff and jitter");
        }
        sqlx::query("UPDATE messages SET next_attempt_at = now()").execute(&app.kodo.pool).await.unwrap();
    }
    assert_eq!(app.twilio.request_count(), 3);
    app.stop().await;
}

#[tokio::test]
async fn refused_connection_retries_then_fails() {
    let app = TestApp::spawn_with_twilio().await;
    app.put("/api/v1/settings/sms", json!({ "max_attempts": 2 })).await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let dispatcher = Dispatcher::with_options(
        app.kodo.clone(),
        TwilioClient::new(&closed_base),
        DispatchOptions::default(),
    );
    app.sign_up(PHONE, json!({})).await;
    dispatcher.drain().await.unwrap();
    let message = &app.messages_to(PHONE).await[0];
    assert_eq!(message["status"], "queued", "a refused connection is retried");
    assert_eq!(message["attempts"], 1);
    let error = message["error_message"].as_str().unwrap().to_owned();
    assert!(error.contains("request to Twilio failed"), "{error}");

    sqlx::query("UPDATE messages SET next_attempt_at = now()").execute(&app.kodo.pool).await.unwrap();
    dispatcher.drain().await.unwrap();
    let message = &app.messages_to(PHONE).await[0];
    assert_eq!(message["status"], "failed", "max_attempts reached");
    assert_eq!(message["attempts"], 2);
    assert_eq!(message["error_message"], error.as_str(), "the last error is kept");
    app.stop().await;
}

#[tokio::test]
async fn timeout_is_looked_up_not_resent() {
    let app = TestApp::spawn_with_twilio().await;
    let dispatcher = Dispatcher::with_options(
        app.kodo.clone(),
        TwilioClient::with_timeout(&app.twilio.base_url, Duration::from_millis(300)),
        DispatchOptions::default(),
    );
    app.twilio.set_answer_delay(Duration::from_secs(2));
    app.sign_up(PHONE, json!({})).await;
    dispatcher.drain().await.unwrap();
    let message = &app.messages_to(PHONE).await[0];
    assert_eq!(message["status"], "sending", "the outcome is unknown");
    assert!(message["error_message"].as_str().unwrap().contains("timed out"), "{message}");
    assert_eq!(app.twilio.received_by(PHONE).len(), 1, "Twilio got the request");

    // Once the lookup is due, the message Twilio has is recorded as sent.
    app.twilio.set_answer_delay(Duration::ZERO);
    sqlx::query("UPDATE messages SET claimed_at = claimed_at - interval '1 hour'")
        .execute(&app.kodo.pool)
        .await
        .unwrap();
    dispatcher.drain().await.unwrap();
    let message = &app.messages_to(PHONE).await[0];
    assert_eq!(message["status"], "sent");
    assert_eq!(message["twilio_sid"], app.twilio.received_by(PHONE)[0].sid.as_str());
    assert_eq!(app.twilio.received_by(PHONE).len(), 1, "not sent twice");
    assert_eq!(app.twilio.list_request_count(), 1);
    app.stop().await;
}
