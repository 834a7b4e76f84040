//! Large incident events: the event commits with every recipient queued,
//! its first recipients get their messages at once, and dispatchers make
//! the rest in batches, in event order, once per subscriber.

use kodo_core::{delivery, fanout};
use serde_json::{json, Value};

use crate::combining::post_update;
use crate::helpers::{json_body, TestApp};

/// More recipients than an event turns into messages itself.
const SUBSCRIBERS: i64 = 2_500;

/// Adds `SUBSCRIBERS` active subscribers, numbered from +14150000001,
/// one in eight not wanting resolutions.
async fn add_subscribers(app: &TestApp) {
    sqlx::query(
        "INSERT INTO subscribers (phone, status, confirmed_at, resolutions) \
         SELECT '+1415' || lpad(i::text, 7, '0'), 'active', now(), i % 8 <> 0 \
         FROM generate_series(1, $1) i",
    )
    .bind(SUBSCRIBERS)
    .execute(&app.kodo.pool)
    .await
    .unwrap();
}

async fn waiting(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM fanout_recipients").await
}

/// Counts the messages of one event by status.
async fn messages_of(app: &TestApp, update: i64, status: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM messages WHERE update_id = $1 AND status = $2")
        .bind(update)
        .bind(status)
        .fetch_one(&app.kodo.pool)
        .await
        .unwrap()
}

async fn update_ids(app: &TestApp, incident: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM incident_updates WHERE incident_id = $1 ORDER BY id")
        .bind(incident)
        .fetch_all(&app.kodo.pool)
        .await
        .unwrap()
}

/// Makes messages of every waiting recipient, as a dispatcher does.
async fn expand_all(app: &TestApp) -> u64 {
    let mut total = 0;
    loop {
        let expanded = fanout::expand_waiting(&app.kodo, fanout::DISPATCH_BATCH).await.unwrap();
        if expanded == 0 {
            return total;
        }
        total += expanded;
    }
}

#[tokio::test]
async fn large_event_leaves_rest_to_dispatchers() {
    let app = TestApp::spawn().await;
    add_subscribers(&app).await;
    let incident = app.open_incident("API down", "major", &[]).await;
    let update = update_ids(&app, incident).await[0];

    assert_eq!(messages_of(&app, update, "queued").await, fanout::INLINE_BATCH);
    assert_eq!(waiting(&app).await, SUBSCRIBERS - fanout::INLINE_BATCH);

    // Waiting recipients count as queued wherever the queue is shown.
    let status: Value = json_body(app.get("/api/v1/dispatch/status").await).await;
    assert_eq!(status["queue"]["queued"], json!(SUBSCRIBERS));
    let progress = delivery::recent_events(&app.kodo.pool, 5).await.unwrap();
    assert_eq!(progress[0].update_id, update);
    assert_eq!(progress[0].queued, SUBSCRIBERS);

    // The dispatcher sends and makes the rest; every subscriber gets one.
    app.drain().await;
    assert_eq!(waiting(&app).await, 0);
    assert_eq!(app.count("SELECT count(*) FROM fanout_events").await, 0);
    assert_eq!(messages_of(&app, update, "sent").await, SUBSCRIBERS);
    assert_eq!(
        app.count("SELECT count(DISTINCT subscriber_id) FROM messages WHERE kind = 'notification'").await,
        SUBSCRIBERS
    );
    app.stop().await;
}

#[tokio::test]
async fn update_waits_for_older_event() {
    let app = TestApp::spawn().await;
    add_subscribers(&app).await;
    let incident = app.open_incident("API down", "major", &[]).await;
    post_update(&app, incident, "identified", "Bad deploy found.").await;
    let [opened, identified] = update_ids(&app, incident).await[..] else { panic!("two updates") };

    // The update makes no message while the opening still has recipients
    // waiting, so its messages can replace theirs.
    assert_eq!(messages_of(&app, identified, "queued").await, 0);
    assert_eq!(waiting(&app).await, 2 * SUBSCRIBERS - fanout::INLINE_BATCH);

    assert_eq!(expand_all(&app).await as i64, 2 * SUBSCRIBERS - fanout::INLINE_BATCH);
    assert_eq!(messages_of(&app, opened, "canceled").await, SUBSCRIBERS);
    assert_eq!(messages_of(&app, identified, "queued").await, SUBSCRIBERS);
    app.stop().await;
}

#[tokio::test]
async fn resolution_drops_older_recipients() {
    let app = TestApp::spawn().await;
    add_subscribers(&app).await;
    let incident = app.open_incident("API down", "major", &[]).await;
    post_update(&app, incident, "resolved", "Fixed.").await;
    let [opened, resolved] = update_ids(&app, incident).await[..] else { panic!("two updates") };

    let wanting_resolutions = SUBSCRIBERS - SUBSCRIBERS / 8;
    assert_eq!(waiting(&app).await, wanting_resolutions - fanout::INLINE_BATCH);
    expand_all(&app).await;

    // Nothing of the opening is left to send, also to those who do not
    // want resolutions, and the resolution goes to those who do.
    assert_eq!(messages_of(&app, opened, "queued").await, 0);
    assert_eq!(messages_of(&app, opened, "canceled").await, fanout::INLINE_BATCH);
    assert_eq!(messages_of(&app, resolved, "queued").await, wanting_resolutions);
    assert_eq!(app.count("SELECT count(*) FROM fanout_events").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn departed_recipient_gets_nothing() {
    let app = TestApp::spawn().await;
    add_subscribers(&app).await;
    let incident = app.open_incident("API down", "major", &[]).await;
    let update = update_ids(&app, incident).await[0];

    let stopped: i64 = sqlx::query_scalar(
        "UPDATE subscribers SET status = 'unsubscribed' WHERE phone = '+14150002400' RETURNING id",
    )
    .fetch_one(&app.kodo.pool)
    .await
    .unwrap();
    let removed: i64 = sqlx::query_scalar("SELECT id FROM subscribers WHERE phone = '+14150002450'")
        .fetch_one(&app.kodo.pool)
        .await
        .unwrap();
    let response = app.delete(&format!("/api/v1/subscribers/{removed}")).await;
    assert_eq!(response.status(), reqwest::StatusCode::NO_CONTENT);

    expand_all(&app).await;
    assert_eq!(messages_of(&app, update, "queued").await, SUBSCRIBERS - 2);
    let reached: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages WHERE subscriber_id = ANY($1) OR to_phone IN ('+14150002400', '+14150002450')",
    )
    .bind([stopped, removed])
    .fetch_one(&app.kodo.pool)
    .await
    .unwrap();
    assert_eq!(reached, 0);
    app.stop().await;
}

#[tokio::test]
async fn racing_dispatchers_expand_once() {
    let app = TestApp::spawn().await;
    add_subscribers(&app).await;
    let incident = app.open_incident("API down", "major", &[]).await;
    let update = update_ids(&app, incident).await[0];

    let (first, second) = tokio::join!(
        fanout::expand_waiting(&app.kodo, 700),
        fanout::expand_waiting(&app.kodo, 700)
    );
    let expanded = first.unwrap() + second.unwrap() + expand_all(&app).await;
    assert_eq!(expanded as i64, SUBSCRIBERS - fanout::INLINE_BATCH);
    assert_eq!(messages_of(&app, update, "queued").await, SUBSCRIBERS);
    assert_eq!(
        app.count("SELECT count(*) FROM (SELECT subscriber_id FROM messages GROUP BY 1 HAVING count(*) > 1) d")
            .await,
        0
    );
    app.stop().await;
}
