//! The fan-out benchmark, ignored in normal runs because it takes about a
//! minute. Run it with
//! `cargo nextest run -p server --run-ignored only -E 'test(bench_)' --no-capture`
//! and record its output in BENCHMARKS.md. Everything runs on 127.0.0.1:
//! PostgreSQL, the test server, the fake Twilio and a `kodo worker` process.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;
use crate::recovery::{spawn_worker, wait_until};

const SUBSCRIBERS: i64 = 100_000;

/// Returns the peak resident memory (VmHWM) of process `pid`, in KiB.
fn peak_memory_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test]
#[ignore = "benchmark: run on demand, see BENCHMARKS.md"]
async fn bench_fanout_100k() {
    let app = TestApp::spawn_with_twilio().await;
    app.put("/api/v1/settings/sms", json!({ "segments_per_second": 1_000_000_000 })).await;
    sqlx::query(
        "INSERT INTO subscribers (phone, status, confirmed_at) \
         SELECT '+1415' || lpad(i::text, 7, '0'), 'active', now() FROM generate_series(1, $1) i",
    )
    .bind(SUBSCRIBERS)
    .execute(&app.kodo.pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(&app.kodo.pool).await.unwrap();

    // A worker process waits on LISTEN, as in production.
    let mut worker = spawn_worker(&app);
    let pid = worker.id().expect("worker pid");
    tokio::time::sleep(Duration::from_secs(2)).await;

    let opened = Instant::now();
    let response = app
        .post(
            "/api/v1/incidents",
            json!({
                "title": "API down",
                "severity": "major",
                "status": "investigating",
                "message": "We are looking into it.",
                "services": [],
            }),
        )
        .await;
    let enqueue = opened.elapsed();
    assert_eq!(response.status(), StatusCode::CREATED);

    let first_sent = wait_until(Duration::from_secs(30), async || !app.twilio.received().is_empty()).await;
    let first_latency = opened.elapsed();
    assert!(first_sent, "no message reached the fake Twilio");

    let pool = app.kodo.pool.clone();
    let drained = wait_until(Duration::from_secs(600), async || {
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE channel IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
        left == 0
    })
    .await;
    let total = opened.elapsed();
    let peak_kib = peak_memory_kib(pid);
    worker.start_kill().expect("stop the worker");
    let _ = worker.wait().await;
    assert!(drained, "the worker did not drain the queue in 600 s");
    assert_eq!(app.twilio.received().len() as i64, SUBSCRIBERS);

    let rate = SUBSCRIBERS as f64 / (total - first_latency).as_secs_f64();
    println!("subscribers: {SUBSCRIBERS}");
    println!("enqueue (POST /api/v1/incidents, 100,000 rows): {} ms", enqueue.as_millis());
    println!("first SMS request after the POST began: {} ms", first_latency.as_millis());
    println!("all sent after: {} ms", total.as_millis());
    println!("dispatch throughput: {rate:.0} messages/s");
    println!("worker peak RSS (VmHWM): {} KiB", peak_kib.unwrap_or(0));
    app.stop().await;
}
