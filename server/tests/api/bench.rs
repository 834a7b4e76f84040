//! Dispatch benchmarks, ignored in normal runs because they take minutes.
//! Run them in an optimised build with
//! `cargo nextest run --release -p server --test api --run-ignored only -E 'test(bench_)' --no-capture`
//! and record their output in BENCHMARKS.md. Everything runs on 127.0.0.1:
//! PostgreSQL, the test server, the fake Twilio and `kodo worker` processes.
//! They print numbers and assert only that every message arrived once.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;
use crate::recovery::{spawn_worker_with_lease, wait_until};

const SUBSCRIBERS: i64 = 100_000;

/// A sending lease well above any batch's send time, as in production.
const LEASE_SECS: u32 = 60;

/// Returns the peak resident memory (VmHWM) of process `pid`, in KiB.
fn peak_memory_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn add_subscribers(app: &TestApp, count: i64) {
    sqlx::query(
        "INSERT INTO subscribers (phone, status, confirmed_at) \
         SELECT '+1415' || lpad(i::text, 7, '0'), 'active', now() FROM generate_series(1, $1) i",
    )
    .bind(count)
    .execute(&app.kodo.pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(&app.kodo.pool).await.unwrap();
}

async fn open_incident(app: &TestApp, title: &str) {
    let response = app
        .post(
            "/api/v1/incidents",
            json!({
                "title": title,
                "severity": "major",
                "status": "investigating",
                "message": "We are looking into it.",
                "services": [],
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::test]
#[ignore = "benchmark: run on demand, see BENCHMARKS.md"]
async fn bench_fanout_100k() {
    let app = TestApp::spawn_with_twilio().await;
    add_subscribers(&app, SUBSCRIBERS).await;

    // A worker process waits on LISTEN, as in production.
    let mut worker = spawn_worker_with_lease(&app, LEASE_SECS);
    let pid = worker.id().expect("worker pid");
    tokio::time::sleep(Duration::from_secs(2)).await;

    let began = Instant::now();
    open_incident(&app, "API down").await;
    let enqueue = began.elapsed();
    let committed = Utc::now();

    let first_sent = wait_until(Duration::from_secs(30), async || app.twilio.received_count() > 0).await;
    assert!(first_sent, "no message reached the fake Twilio");
    let first_arrival = app.twilio.arrival_times()[0];

    // The fake counts its requests in memory; counting unsent rows instead
    // would scan `messages` every 50 ms and take CPU from the dispatch
    // being measured. The database is asked only once every request is in.
    let all_requested = wait_until(Duration::from_secs(600), async || {
        app.twilio.received_count() as i64 >= SUBSCRIBERS
    })
    .await;
    let drained = all_requested
        && wait_until(Duration::from_secs(60), async || {
            app.count(
                "SELECT (SELECT count(*) FROM messages WHERE channel IS NULL OR status = 'sending') \
                   + (SELECT count(*) FROM fanout_recipients)",
            )
            .await
                == 0
        })
        .await;
    let peak_kib = peak_memory_kib(pid);
    worker.start_kill().expect("stop the worker");
    let _ = worker.wait().await;
    assert!(drained, "the worker did not drain the queue in 600 s");
    let arrivals = app.twilio.arrival_times();
    assert_eq!(arrivals.len() as i64, SUBSCRIBERS, "each subscriber got one message");

    // The last outcome was stored at most 50 ms (the poll) before `drained`.
    let stored_all = Utc::now();
    let sending = (stored_all - first_arrival).as_seconds_f64();
    let requests = (arrivals[arrivals.len() - 1] - first_arrival).as_seconds_f64();
    println!("subscribers: {SUBSCRIBERS}");
    println!("enqueue (POST /api/v1/incidents, 100,000 rows): {} ms", enqueue.as_millis());
    println!(
        "first SMS request after the POST returned: {} ms",
        (first_arrival - committed).num_milliseconds()
    );
    println!("dispatch throughput, first request to last outcome stored: {:.0} messages/s", SUBSCRIBERS as f64 / sending);
    println!("request rate at the fake Twilio: {:.0} messages/s", SUBSCRIBERS as f64 / requests);
    println!("worker peak RSS (VmHWM): {} KiB", peak_kib.unwrap_or(0));
    app.stop().await;
}

#[tokio::test]
#[ignore = "benchmark: run on demand, see BENCHMARKS.md"]
async fn bench_first_sms_latency() {
    let app = TestApp::spawn_with_twilio().await;
    add_subscribers(&app, 1).await;
    let mut worker = spawn_worker_with_lease(&app, LEASE_SECS);
    tokio::time::sleep(Duration::from_secs(2)).await;

    let samples = 21;
    let mut latencies = Vec::with_capacity(samples);
    for sample in 0..samples {
        let began: DateTime<Utc> = Utc::now();
        open_incident(&app, &format!("API down {sample}")).await;
        let arrived = wait_until(Duration::from_secs(10), async || app.twilio.received_count() > sample).await;
        assert!(arrived, "incident {sample} sent nothing");
        let arrival = app.twilio.arrival_times()[sample];
        latencies.push((arrival - began).as_seconds_f64() * 1_000.0);
    }
    worker.start_kill().expect("stop the worker");
    let _ = worker.wait().await;

    println!("samples: {samples}");
    println!("first SMS request after the POST began, median: {:.1} ms", median(&mut latencies));
    println!("min {:.1} ms, max {:.1} ms", latencies[0], latencies[samples - 1]);
    app.stop().await;
}

#[tokio::test]
#[ignore = "benchmark: run on demand, see BENCHMARKS.md"]
async fn bench_rate_three_workers() {
    const RATE: usize = 100;
    const SECONDS: usize = 60;
    let app = TestApp::spawn_with_twilio().await;
    let response = app.put("/api/v1/settings/sms", json!({ "segments_per_second": RATE })).await;
    assert_eq!(response.status(), StatusCode::OK);
    // More than the workers may send in the measured time, so the queue
    // never runs dry.
    let queued = (RATE * (SECONDS + 10)) as i64;
    sqlx::query(
        "INSERT INTO messages (to_phone, kind, body) \
         SELECT '+1415' || lpad(i::text, 7, '0'), 'notification', 'API down' FROM generate_series(1, $1) i",
    )
    .bind(queued)
    .execute(&app.kodo.pool)
    .await
    .unwrap();

    let started = Instant::now();
    let mut workers: Vec<_> = (0..3).map(|_| spawn_worker_with_lease(&app, LEASE_SECS)).collect();
    let measured = Duration::from_secs(SECONDS as u64 + 3);
    tokio::time::sleep(measured.saturating_sub(started.elapsed())).await;
    for worker in &mut workers {
        worker.start_kill().expect("stop a worker");
        let _ = worker.wait().await;
    }

    let arrivals = app.twilio.arrival_times();
    let first = arrivals[0];
    let mut per_second = vec![0usize; SECONDS];
    for arrival in &arrivals {
        let second = (*arrival - first).num_milliseconds() / 1_000;
        if let Some(count) = usize::try_from(second).ok().and_then(|second| per_second.get_mut(second)) {
            *count += 1;
        }
    }
    let total: usize = per_second.iter().sum();
    let average = total as f64 / SECONDS as f64;
    let busiest = per_second.iter().max().copied().unwrap_or(0);
    let quietest = per_second.iter().min().copied().unwrap_or(0);
    println!("configured: {RATE} segments/s, 3 kodo worker processes, {SECONDS} s from the first request");
    println!("sent: {total}, average {average:.2} messages/s ({:+.2} %)", (average / RATE as f64 - 1.0) * 100.0);
    println!("busiest second: {busiest}, quietest second: {quietest}");
    println!("per second: {per_second:?}");
    let numbers: std::collections::HashSet<String> =
        app.twilio.received().into_iter().map(|message| message.to).collect();
    assert_eq!(numbers.len(), arrivals.len(), "no number got two messages");
    app.stop().await;
}
