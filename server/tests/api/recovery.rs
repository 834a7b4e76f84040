//! Crash safety: a message whose dispatcher stopped mid-send is checked
//! against Twilio's message list before it is sent again, and dispatchers
//! racing on one queue send each message exactly once.

use std::collections::HashMap;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::fake_twilio::Failure;
use crate::helpers::{TestApp, TEST_SECRET_KEY};
use crate::rate_limit::queue_message;

fn phone(index: usize) -> String {
    format!("+1415555{:04}", 2000 + index)
}

/// Inserts a message as a dispatcher leaves it when it stops mid-request:
/// `sending`, one attempt, claimed `age_secs` ago.
async fn stuck_message(app: &TestApp, phone: &str, body: &str, age_secs: i64) -> i64 {
    let id = queue_message(app, phone, "notification", body).await;
    sqlx::query(
        "UPDATE messages SET status = 'sending', attempts = 1, \
           claimed_at = now() - make_interval(secs => $2) WHERE id = $1",
    )
    .bind(id)
    .bind(age_secs as f64)
    .execute(&app.kodo.pool)
    .await
    .unwrap();
    id
}

async fn status_and_sid(app: &TestApp, id: i64) -> (String, Option<String>) {
    sqlx::query_as("SELECT status, twilio_sid FROM messages WHERE id = $1")
        .bind(id)
        .fetch_one(&app.kodo.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn lost_send_found_at_twilio_is_not_resent() {
    let app = TestApp::spawn_with_twilio().await;
    let body = "API down: we are looking into it.";
    let id = stuck_message(&app, &phone(0), body, 120).await;
    let sid = app.twilio.add_accepted(&phone(0), body);

    app.drain().await;
    let (status, recorded_sid) = status_and_sid(&app, id).await;
    assert_eq!(status, "sent", "Twilio's status is taken");
    assert_eq!(recorded_sid.as_deref(), Some(sid.as_str()));
    assert_eq!(app.twilio.request_count(), 0, "no second send");
    assert_eq!(app.twilio.list_request_count(), 1);
    app.stop().await;
}

#[tokio::test]
async fn lost_send_missing_at_twilio_is_resent_once() {
    let app = TestApp::spawn_with_twilio().await;
    let id = stuck_message(&app, &phone(0), "API down: we are looking into it.", 120).await;

    app.drain().await;
    app.drain().await;
    let received = app.twilio.received_by(&phone(0));
    assert_eq!(received.len(), 1, "sent exactly once");
    let (status, sid) = status_and_sid(&app, id).await;
    assert_eq!(status, "queued", "Twilio's own status after the resend");
    assert_eq!(sid.as_deref(), Some(received[0].sid.as_str()));
    app.stop().await;
}

#[tokio::test]
async fn lost_send_ignores_recorded_twin() {
    let app = TestApp::spawn_with_twilio().await;
    let body = "Reply STOP to leave, HELP for help.";
    let first = queue_message(&app, &phone(0), "help", body).await;
    app.drain().await;
    let (_, first_sid) = status_and_sid(&app, first).await;
    let second = stuck_message(&app, &phone(0), body, 120).await;

    app.drain().await;
    let received = app.twilio.received_by(&phone(0));
    assert_eq!(received.len(), 2, "the same text sent earlier is not this message");
    let (_, second_sid) = status_and_sid(&app, second).await;
    assert_ne!(second_sid, first_sid);
    assert_eq!(second_sid.as_deref(), Some(received[1].sid.as_str()));
    app.stop().await;
}

#[tokio::test]
async fn live_lease_is_left_alone() {
    let app = TestApp::spawn_with_twilio().await;
    let id = stuck_message(&app, &phone(0), "API down", 1).await;
    app.drain().await;
    assert_eq!(status_and_sid(&app, id).await.0, "sending");
    assert_eq!(app.twilio.list_request_count(), 0);
    assert_eq!(app.twilio.request_count(), 0);
    app.stop().await;
}

#[tokio::test]
async fn racing_dispatchers_send_once() {
    let app = TestApp::spawn_with_twilio().await;
    let count = 300;
    for index in 0..count {
        queue_message(&app, &phone(index), "notification", &format!("Update {index}")).await;
    }
    let first = app.dispatcher.clone();
    let second = app.dispatcher.clone();
    let (a, b) = tokio::join!(first.drain(), second.drain());
    assert_eq!(a.unwrap() + b.unwrap(), count);
    assert_sent_exactly_once(&app, count);
    app.stop().await;
}

fn assert_sent_exactly_once(app: &TestApp, count: usize) {
    let mut sends: HashMap<String, usize> = HashMap::new();
    for message in app.twilio.received() {
        *sends.entry(message.to).or_default() += 1;
    }
    for index in 0..count {
        assert_eq!(sends.get(&phone(index)), Some(&1), "sends to {}", phone(index));
    }
    assert_eq!(sends.len(), count, "no message to anyone else");
}

pub fn spawn_worker(app: &TestApp) -> Child {
    spawn_worker_with_lease(app, 2)
}

/// Starts a `kodo worker` process whose sending lease is `lease_secs`.
pub fn spawn_worker_with_lease(app: &TestApp, lease_secs: u32) -> Child {
    Command::new(env!("CARGO_BIN_EXE_kodo"))
        .arg("worker")
        .env("DATABASE_URL", &app.database_url)
        .env("KODO_TWILIO_API_BASE", &app.twilio.base_url)
        .env("KODO_PUBLIC_URL", &app.base_url)
        .env("KODO_SECRET_KEY", TEST_SECRET_KEY)
        .env("KODO_SENDING_LEASE_SECS", lease_secs.to_string())
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("start kodo worker")
}

/// Waits up to `limit` for `done`, checking every 50 ms.
pub async fn wait_until(limit: Duration, mut done: impl AsyncFnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn killed_worker_loses_nothing() {
    let app = TestApp::spawn_with_twilio().await;
    let count = 250;
    for index in 0..count {
        queue_message(&app, &phone(index), "notification", &format!("Update {index}")).await;
    }
    // Twilio records each message and then stalls, so the worker dies with
    // requests under way, claimed messages not yet sent and a queue behind.
    app.twilio.set_answer_delay(Duration::from_secs(30));
    let mut worker = spawn_worker(&app);
    let started = wait_until(Duration::from_secs(30), async || app.twilio.received().len() >= 10).await;
    assert!(started, "the worker sent nothing");
    worker.start_kill().expect("kill -9 the worker");
    worker.wait().await.expect("worker exit");

    let sending: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE status = 'sending'")
        .fetch_one(&app.kodo.pool)
        .await
        .unwrap();
    assert!(sending > 0, "the worker died mid-batch");

    app.twilio.set_answer_delay(Duration::ZERO);
    let mut worker = spawn_worker(&app);
    let pool = app.kodo.pool.clone();
    let finished = wait_until(Duration::from_secs(60), async || {
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE channel IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
        left == 0
    })
    .await;
    worker.start_kill().expect("stop the worker");
    worker.wait().await.expect("worker exit");
    assert!(finished, "the restarted worker did not finish the queue");
    assert_sent_exactly_once(&app, count);
    app.stop().await;
}

#[tokio::test]
async fn outage_then_recovery_sends_each_once() {
    let app = TestApp::spawn_with_twilio().await;
    let count = 300;
    for index in 0..count {
        queue_message(&app, &phone(index), "notification", &format!("Update {index}")).await;
    }
    app.twilio.set_outage(Some(Failure { http_status: 503, code: 20500, message: "Service unavailable" }));
    app.drain().await;
    assert!(app.twilio.received().is_empty(), "Twilio accepted nothing during the outage");
    let waiting: Vec<(String, i32, Option<i32>)> =
        sqlx::query_as("SELECT status, attempts, error_code FROM messages ORDER BY id")
            .fetch_all(&app.kodo.pool)
            .await
            .unwrap();
    assert_eq!(waiting.len(), count);
    for (status, attempts, error_code) in &waiting {
        assert_eq!(status, "queued", "an outage never fails a message at once");
        assert_eq!(*attempts, 1);
        assert_eq!(*error_code, Some(20500), "the last error is kept");
    }

    app.twilio.set_outage(None);
    sqlx::query("UPDATE messages SET next_attempt_at = now()").execute(&app.kodo.pool).await.unwrap();
    app.drain().await;
    assert_sent_exactly_once(&app, count);
    assert_eq!(app.count("SELECT count(*) FROM messages WHERE channel IS NULL").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn mixed_batch_records_each_outcome() {
    let app = TestApp::spawn_with_twilio().await;
    let count = 120;
    for index in 0..count {
        queue_message(&app, &phone(index), "notification", &format!("Update {index}")).await;
    }
    // Every tenth number is invalid and every tenth, offset by five, hits
    // a Twilio server error; the rest go through in the same batches.
    for index in (0..count).step_by(10) {
        app.twilio.fail_for(
            &phone(index),
            Failure { http_status: 400, code: 21617, message: "The body is too long" },
        );
        app.twilio.fail_for(
            &phone(index + 5),
            Failure { http_status: 500, code: 20500, message: "Internal error" },
        );
    }
    app.drain().await;

    let rows: Vec<(String, String, Option<String>, Option<i32>)> =
        sqlx::query_as("SELECT to_phone, status, twilio_sid, error_code FROM messages ORDER BY id")
            .fetch_all(&app.kodo.pool)
            .await
            .unwrap();
    let accepted: HashMap<String, String> =
        app.twilio.received().into_iter().map(|message| (message.to, message.sid)).collect();
    assert_eq!(accepted.len(), count - 24, "each good number was sent once");
    assert_eq!(app.twilio.received().len(), count - 24, "no duplicate sends");
    for (index, (to, status, sid, error_code)) in rows.iter().enumerate() {
        match index % 10 {
            0 => {
                assert_eq!(status, "failed", "{to}");
                assert_eq!(*error_code, Some(21617), "{to}");
            }
            5 => {
                assert_eq!(status, "queued", "{to} waits for a retry");
                assert_eq!(*error_code, Some(20500), "{to}");
                assert_eq!(*sid, None, "{to}");
            }
            _ => {
                assert_eq!(status, "queued", "{to} keeps Twilio's status");
                assert_eq!(sid.as_deref(), accepted.get(to).map(String::as_str), "{to}: the SID Twilio returned");
            }
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn pause_mid_batch_releases_the_rest() {
    let app = TestApp::spawn_with_twilio().await;
    let count = 200;
    for index in 0..count {
        queue_message(&app, &phone(index), "notification", &format!("Update {index}")).await;
    }
    app.twilio.set_outage(Some(Failure { http_status: 401, code: 20003, message: "Authenticate" }));
    app.drain().await;
    assert!(app.twilio.received().is_empty());
    let (queued, attempted): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE status = 'queued' AND channel IS NULL), \
           count(*) FILTER (WHERE attempts > 0) FROM messages",
    )
    .fetch_one(&app.kodo.pool)
    .await
    .unwrap();
    assert_eq!(queued, count as i64, "every message waits while the sender is paused");
    assert_eq!(attempted, 0, "a paused send is not an attempt");

    app.twilio.set_outage(None);
    let response = app.post("/api/v1/dispatch/resume", serde_json::json!({})).await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    app.drain().await;
    assert_sent_exactly_once(&app, count);
    app.stop().await;
}

#[tokio::test]
async fn early_callback_racing_the_batch_is_swept() {
    let app = TestApp::spawn_with_twilio().await;
    let id = queue_message(&app, &phone(0), "notification", "API down").await;
    app.drain().await;
    let (_, sid) = status_and_sid(&app, id).await;
    let sid = sid.expect("a SID once sent");
    // A callback that checked for the SID just before the batch committed
    // is left in the early table although its message now exists.
    sqlx::query("INSERT INTO early_status_callbacks (twilio_sid, status) VALUES ($1, 'delivered')")
        .bind(&sid)
        .execute(&app.kodo.pool)
        .await
        .unwrap();
    app.drain().await;
    assert_eq!(status_and_sid(&app, id).await.0, "delivered", "the next pass applies it");
    assert_eq!(app.count("SELECT count(*) FROM early_status_callbacks").await, 0);
    app.stop().await;
}
