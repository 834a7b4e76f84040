//! The main path: sign up, confirm the code, get an SMS per incident
//! event, reply STOP, and hear nothing more.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json_body, TestApp};

const PHONE: &str = "+14155552671";

#[tokio::test]
async fn subscribe_notify_and_stop_through_twilio() {
    let app = TestApp::spawn_with_twilio().await;
    let api = app.create_service("API").await;

    let signup_id = app.sign_up("+1 (415) 555-2671", json!({})).await;
    let code = app.latest_code(PHONE).await;
    let verification = &app.twilio.received_by(PHONE)[0];
    assert!(verification.body.contains(&code));
    assert_eq!(
        verification.status_callback.as_deref(),
        Some(app.url("/webhooks/twilio/status").as_str())
    );

    let response = app
        .post_public(&format!("/api/v1/subscriptions/{signup_id}/verify"), json!({ "code": code }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await["status"], "active");

    let incident = app.open_incident("Checkout API errors", "major", &[api]).await;
    app.drain().await;
    let bodies: Vec<String> = app.twilio.received_by(PHONE).into_iter().map(|m| m.body).collect();
    let created = bodies.last().expect("incident message");
    assert!(created.contains("Checkout API errors"), "{created}");
    assert!(created.contains(&app.url(&format!("/incidents/{incident}"))), "{created}");

    let update = app
        .post(
            &format!("/api/v1/incidents/{incident}/updates"),
            json!({ "status": "identified", "message": "A bad deploy; rolling back." }),
        )
        .await;
    assert_eq!(update.status(), StatusCode::CREATED);
    let resolve = app
        .post(
            &format!("/api/v1/incidents/{incident}/updates"),
            json!({ "status": "resolved", "message": "Fixed." }),
        )
        .await;
    assert_eq!(resolve.status(), StatusCode::CREATED);
    app.drain().await;
    // Code, confirmation, the opening, then the resolution: the update was
    // still held in its hold window, so the resolution replaced it.
    let bodies: Vec<String> = app.twilio.received_by(PHONE).into_iter().map(|m| m.body).collect();
    assert_eq!(bodies.len(), 4, "{bodies:?}");
    assert!(bodies[3].contains("Resolved"), "{}", bodies[3]);

    let stop = app
        .post_signed_webhook(
            "/webhooks/twilio/sms",
            &[("MessageSid", "SM00000000000000000000000000000042"), ("From", PHONE), ("To", "+15005550006"), ("Body", " stop ")],
        )
        .await;
    assert_eq!(stop.status(), StatusCode::OK);
    assert!(stop.text().await.unwrap().contains("<Response>"));

    let subscribers = json_body(app.get("/api/v1/subscribers?status=unsubscribed").await).await;
    assert_eq!(subscribers[0]["phone"], PHONE);

    app.open_incident("Second outage", "critical", &[api]).await;
    app.drain().await;
    assert_eq!(app.twilio.received_by(PHONE).len(), 4, "nothing is sent after STOP");
    app.stop().await;
}

#[tokio::test]
async fn outbox_keeps_messages_without_twilio() {
    let app = TestApp::spawn().await;
    let signup_id = app.sign_up(PHONE, json!({})).await;
    let code = app.latest_code(PHONE).await;
    assert_eq!(app.twilio.request_count(), 0, "nothing goes to Twilio without an account");

    let messages = app.messages_to(PHONE).await;
    assert_eq!(messages[0]["status"], "sent");
    assert!(messages[0]["body"].as_str().unwrap().contains(&code), "the outbox shows the code");

    let response = app
        .post_public(&format!("/api/v1/subscriptions/{signup_id}/verify"), json!({ "code": code }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn twilio_log_masks_verification_code() {
    let app = TestApp::spawn_with_twilio().await;
    app.sign_up(PHONE, json!({})).await;
    let code = app.latest_code(PHONE).await;
    let messages = app.messages_to(PHONE).await;
    let body = messages[0]["body"].as_str().unwrap();
    assert!(!body.contains(&code), "{body}");
    assert!(body.contains("******"), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn wrong_code_is_rejected() {
    let app = TestApp::spawn().await;
    let signup_id = app.sign_up(PHONE, json!({})).await;
    let code = app.latest_code(PHONE).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };

    let response = app
        .post_public(&format!("/api/v1/subscriptions/{signup_id}/verify"), json!({ "code": wrong }))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = json_body(response).await;
    assert_eq!(body["field"], "code");
    assert!(body["error"].as_str().unwrap().contains("wrong"));

    let subscribers = json_body(app.get("/api/v1/subscribers").await).await;
    assert!(subscribers.as_array().unwrap().is_empty(), "a subscriber exists only once confirmed");
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM verification_codes")
        .fetch_one(&app.kodo.pool)
        .await
        .unwrap();
    assert_eq!(pending, 1, "the sign-up waits for the right code");
    app.stop().await;
}

#[tokio::test]
async fn expired_code_is_rejected() {
    let app = TestApp::spawn().await;
    let signup_id = app.sign_up(PHONE, json!({})).await;
    let code = app.latest_code(PHONE).await;
    sqlx::query("UPDATE verification_codes SET expires_at = now() - interval '1 second'")
        .execute(&app.kodo.pool)
        .await
        .unwrap();

    let response = app
        .post_public(&format!("/api/v1/subscriptions/{signup_id}/verify"), json!({ "code": code }))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(json_body(response).await["error"].as_str().unwrap().contains("expired"));
    app.stop().await;
}

#[tokio::test]
async fn code_expires_after_ten_minutes() {
    let app = TestApp::spawn().await;
    app.sign_up(PHONE, json!({})).await;
    let minutes: f64 = sqlx::query_scalar(
        "SELECT EXTRACT(EPOCH FROM expires_at - created_at)::float8 / 60 FROM verification_codes",
    )
    .fetch_one(&app.kodo.pool)
    .await
    .unwrap();
    assert!((minutes - 10.0).abs() < 0.1, "{minutes}");
    app.stop().await;
}

#[tokio::test]
async fn consent_is_recorded_on_verify() {
    let app = TestApp::spawn().await;
    app.subscribe(PHONE, json!({})).await;
    let (method, text): (String, Option<String>) =
        sqlx::query_as("SELECT method, consent_text FROM consent_events WHERE phone = $1 AND action = 'opt_in'")
            .bind(PHONE)
            .fetch_one(&app.kodo.pool)
            .await
            .unwrap();
    assert_eq!(method, "api");
    assert!(text.unwrap().contains("Reply STOP"));
    app.stop().await;
}

#[tokio::test]
async fn removed_subscriber_can_be_added_again() {
    let app = TestApp::spawn().await;
    let id = app.subscribe(PHONE, json!({})).await;

    let response = app.delete(&format!("/api/v1/subscribers/{id}")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let missing = app.delete(&format!("/api/v1/subscribers/{id}")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let added = app
        .post("/api/v1/subscribers", json!({ "phone": PHONE, "consent_note": "Asked by phone" }))
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let body = json_body(added).await;
    assert_eq!(body["status"], "active");
    assert_eq!(body["phone"], PHONE);
    assert_eq!(body["preferences"]["scope"], "all");
    assert_eq!(body["preferences"]["resolutions"], true);
    assert_eq!(body["time_zone"], "America/New_York", "guessed from the number's country");

    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM consent_events WHERE phone = $1")
        .bind(PHONE)
        .fetch_one(&app.kodo.pool)
        .await
        .unwrap();
    assert_eq!(events, 3, "opt-in, removal, opt-in again");
    app.stop().await;
}

#[tokio::test]
async fn added_subscriber_takes_time_zone_and_welcome_template() {
    let app = TestApp::spawn().await;
    let saved = app.put("/api/v1/templates/welcome", json!({ "template": "{{page}} added you. STOP to quit." })).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let added = app
        .post(
            "/api/v1/subscribers",
            json!({ "phone": PHONE, "consent_note": "Signed the on-call form", "time_zone": "America/Los_Angeles" }),
        )
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    assert_eq!(json_body(added).await["time_zone"], "America/Los_Angeles");
    let messages = app.messages_to(PHONE).await;
    assert!(messages[0]["body"].as_str().unwrap().ends_with(" added you. STOP to quit."), "{messages:?}");

    for (body, field) in [
        (json!({ "phone": "+14155550199", "consent_note": "Form", "time_zone": "Mars/Base" }), "time_zone"),
        (json!({ "phone": "+14155550199", "consent_note": "a\u{7}b" }), "consent_note"),
        (json!({ "phone": "+14155550199", "consent_note": "x".repeat(1001) }), "consent_note"),
    ] {
        let bad = app.post("/api/v1/subscribers", body.clone()).await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(json_body(bad).await["field"], field, "{body}");
    }
    let typo = app.post("/api/v1/subscribers", json!({ "phone": "+14155550199", "consent_note": "Form", "timezone": "UTC" })).await;
    assert_eq!(typo.status(), StatusCode::BAD_REQUEST, "unknown fields are rejected");
    app.stop().await;
}

#[tokio::test]
async fn pending_signup_listed_until_confirmed() {
    let app = TestApp::spawn().await;
    let signup_id = app.sign_up(PHONE, json!({ "critical_only": true })).await;

    let signups = json_body(app.get("/api/v1/signups").await).await;
    assert_eq!(signups.as_array().unwrap().len(), 1, "{signups}");
    assert_eq!(signups[0]["phone"], PHONE);
    assert_eq!(signups[0]["preferences"]["critical_only"], true);
    assert_eq!(signups[0]["method"], "api");
    assert_eq!(signups[0]["attempts"], 0);
    let by_phone = json_body(app.get("/api/v1/signups?phone=%2B1%20415%20555%202671").await).await;
    assert_eq!(by_phone, signups, "the phone filter accepts any way of writing the number");

    let pending = app.get("/api/v1/subscribers?status=pending").await;
    assert_eq!(pending.status(), StatusCode::BAD_REQUEST);
    let error = json_body(pending).await;
    assert_eq!(error["field"], "status");
    assert!(error["error"].as_str().unwrap().contains("GET /api/v1/signups"), "{error}");

    app.confirm(PHONE, &signup_id).await;
    let signups = json_body(app.get("/api/v1/signups").await).await;
    assert_eq!(signups, json!([]), "a confirmed sign-up is a subscriber");
    app.stop().await;
}

#[tokio::test]
async fn removal_waits_for_running_fan_out() {
    let app = TestApp::spawn().await;
    let id = app.subscribe(PHONE, json!({})).await;
    app.drain().await;

    // A fan-out under way: it holds the lock shared and has queued a
    // message for the subscriber, not yet committed.
    let mut fan_out = app.kodo.pool.begin().await.unwrap();
    kodo_core::db::share_subscriber_removal_lock(&mut *fan_out).await.unwrap();
    sqlx::query("INSERT INTO messages (subscriber_id, to_phone, kind, body) VALUES ($1, $2, 'notification', 'API down')")
        .bind(id)
        .bind(PHONE)
        .execute(&mut *fan_out)
        .await
        .unwrap();

    let kodo = app.kodo.clone();
    let removal = tokio::spawn(async move {
        kodo_core::subscribers::remove(&kodo, id, kodo_core::consent::Method::Api, "token 1").await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!removal.is_finished(), "the removal waits for the fan-out to commit");
    fan_out.commit().await.unwrap();
    removal.await.unwrap().unwrap();

    let queued: Vec<(Option<i64>, String)> =
        sqlx::query_as("SELECT subscriber_id, status FROM messages WHERE to_phone = $1 AND kind = 'notification'")
            .bind(PHONE)
            .fetch_all(&app.kodo.pool)
            .await
            .unwrap();
    assert_eq!(queued, [(None, "canceled".to_owned())]);
    app.stop().await;
}

#[tokio::test]
async fn widget_sign_up_keeps_browser_time_zone() {
    let app = TestApp::spawn().await;
    let sign_up = |time_zone: &str| {
        json!({
            "input": { "phone": "+14155552671", "preferences": {}, "consent": true, "time_zone": time_zone }
        })
    };

    let rejected = app.client.post(app.url("/api/start_sign_up")).json(&sign_up("Mars/Base")).send().await.unwrap();
    assert!(!rejected.status().is_success());
    assert_eq!(json_body(rejected).await["field"], "time_zone");

    let accepted = app.client.post(app.url("/api/start_sign_up")).json(&sign_up("Asia/Tokyo")).send().await.unwrap();
    assert_eq!(accepted.status(), StatusCode::OK);
    let signup_id = json_body(accepted).await.as_str().unwrap().to_owned();
    let code = app.latest_code("+14155552671").await;
    let verified = app
        .post_public(&format!("/api/v1/subscriptions/{signup_id}/verify"), json!({ "code": code }))
        .await;
    assert_eq!(verified.status(), StatusCode::OK);
    let subscribers = json_body(app.get("/api/v1/subscribers?phone=%2B14155552671").await).await;
    assert_eq!(subscribers[0]["time_zone"], "Asia/Tokyo");
    app.stop().await;
}
