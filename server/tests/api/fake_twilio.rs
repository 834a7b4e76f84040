//! A fake of Twilio's Messages API (2010-04-01), following Twilio's
//! OpenAPI description: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`
//! with HTTP basic auth (Account SID and Auth Token) and a form that needs
//! `To`, one of `From` or `MessagingServiceSid`, and one of `Body` or
//! `MediaUrl`. It answers 201 with a message resource, or Twilio's error
//! body `{"code", "message", "more_info", "status"}`.
//!
//! `GET /2010-04-01/Accounts/{AccountSid}/Messages.json` lists accepted
//! messages newest first, filtered by `To`, `DateSent` (a `YYYY-MM-DD`
//! day) and `DateSent>` (on or after a date-time), as Twilio's list does.
//! Tests inject failures per number, outages and slow answers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use base64::Engine;
use serde_json::json;

pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const AUTH_TOKEN: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
pub const FROM: &str = "+15005550006";

/// A message the fake accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub sid: String,
    pub to: String,
    pub body: String,
    pub status_callback: Option<String>,
    pub date_sent: DateTime<Utc>,
}

/// An error the fake answers for one destination number.
#[derive(Debug, Clone)]
pub struct Failure {
    pub http_status: u16,
    pub code: i32,
    pub message: &'static str,
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    failures: HashMap<String, Failure>,
    /// When set, every request answers this failure, as during an outage.
    outage: Option<Failure>,
    requests: usize,
    list_requests: usize,
    /// How long to wait before answering a create request that was
    /// accepted, as a slow or stalled Twilio does.
    answer_delay: Duration,
}

#[derive(Clone, Default)]
pub struct FakeTwilio {
    inner: Arc<Mutex<Inner>>,
    pub base_url: String,
}

impl FakeTwilio {
    pub async fn start() -> FakeTwilio {
        let mut fake = FakeTwilio::default();
        let app = Router::new()
            .route(
                "/2010-04-01/Accounts/{account_sid}/Messages.json",
                get(list_messages).post(create_message),
            )
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake Twilio");
        fake.base_url = format!("http://{}", listener.local_addr().expect("fake address"));
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake Twilio stopped");
        });
        fake
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    /// How many messages the fake accepted.
    pub fn received_count(&self) -> usize {
        self.inner.lock().unwrap().received.len()
    }

    /// When each accepted message arrived, in order of arrival.
    pub fn arrival_times(&self) -> Vec<DateTime<Utc>> {
        self.inner.lock().unwrap().received.iter().map(|message| message.date_sent).collect()
    }

    pub fn received_by(&self, to: &str) -> Vec<Received> {
        self.received().into_iter().filter(|message| message.to == to).collect()
    }

    /// How many requests arrived, accepted or not.
    pub fn request_count(&self) -> usize {
        self.inner.lock().unwrap().requests
    }

    pub fn fail_for(&self, to: &str, failure: Failure) {
        self.inner.lock().unwrap().failures.insert(to.to_owned(), failure);
    }

    pub fn clear_failures(&self) {
        self.inner.lock().unwrap().failures.clear();
    }

    pub fn set_outage(&self, failure: Option<Failure>) {
        self.inner.lock().unwrap().outage = failure;
    }

    /// Delays the answer to every accepted message by `delay`; the message
    /// is recorded before the wait.
    pub fn set_answer_delay(&self, delay: Duration) {
        self.inner.lock().unwrap().answer_delay = delay;
    }

    /// Returns how many list requests arrived.
    pub fn list_request_count(&self) -> usize {
        self.inner.lock().unwrap().list_requests
    }

    /// Records a message as accepted without a request, as if an earlier
    /// send had reached Twilio. Returns its SID.
    pub fn add_accepted(&self, to: &str, body: &str) -> String {
        let mut inner = self.inner.lock().unwrap();
        let sid = next_sid(&inner);
        inner.received.push(Received {
            sid: sid.clone(),
            to: to.to_owned(),
            body: body.to_owned(),
            status_callback: None,
            date_sent: Utc::now(),
        });
        sid
    }
}

fn next_sid(inner: &Inner) -> String {
    format!("SM{:032x}", inner.received.len() as u128 + 1)
}

fn error(status: u16, code: i32, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        Json(json!({
            "code": code,
            "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status.as_u16(),
        })),
    )
        .into_response()
}

fn authorized(headers: &HeaderMap, account_sid: &str) -> bool {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
        return false;
    };
    decoded == format!("{account_sid}:{AUTH_TOKEN}").into_bytes() && account_sid == ACCOUNT_SID
}

async fn create_message(
    State(fake): State<FakeTwilio>,
    Path(account_sid): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (response, delay) = accept_message(&fake, &account_sid, &headers, &form);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    response
}

fn accept_message(
    fake: &FakeTwilio,
    account_sid: &str,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> (Response, Duration) {
    let no_delay = Duration::ZERO;
    let mut inner = fake.inner.lock().unwrap();
    inner.requests += 1;
    if !authorized(headers, account_sid) {
        return (error(401, 20003, "Authenticate"), no_delay);
    }
    if let Some(failure) = inner.outage.clone() {
        return (error(failure.http_status, failure.code, failure.message), no_delay);
    }
    let Some(to) = form.get("To").filter(|to| !to.is_empty()) else {
        return (error(400, 21604, "A 'To' phone number is required."), no_delay);
    };
    if !form.contains_key("From") && !form.contains_key("MessagingServiceSid") {
        return (error(400, 21603, "A 'From' phone number is required."), no_delay);
    }
    let Some(body) = form.get("Body").or(form.get("MediaUrl")) else {
        return (error(400, 21602, "Message body is required."), no_delay);
    };
    if let Some(failure) = inner.failures.get(to).cloned() {
        return (error(failure.http_status, failure.code, failure.message), no_delay);
    }
    let sid = next_sid(&inner);
    inner.received.push(Received {
        sid: sid.clone(),
        to: to.clone(),
        body: body.clone(),
        status_callback: form.get("StatusCallback").cloned(),
        date_sent: Utc::now(),
    });
    let resource = json!({
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": "Thu, 03 Dec 2026 16:00:00 +0000",
        "date_sent": null,
        "date_updated": "Thu, 03 Dec 2026 16:00:00 +0000",
        "direction": "outbound-api",
        "error_code": null,
        "error_message": null,
        "from": form.get("From"),
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "num_media": "0",
        "num_segments": "1",
        "price": null,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {
            "media": format!("/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media.json")
        },
        "to": to,
        "uri": format!("/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json"),
    });
    ((StatusCode::CREATED, Json(resource)).into_response(), inner.answer_delay)
}

/// The list filters Kodo uses; others are ignored.
#[derive(serde::Deserialize)]
struct ListQuery {
    #[serde(rename = "To")]
    to: Option<String>,
    #[serde(rename = "DateSent")]
    date_sent: Option<String>,
    #[serde(rename = "DateSent>")]
    date_sent_after: Option<String>,
    #[serde(rename = "PageSize")]
    page_size: Option<usize>,
}

async fn list_messages(
    State(fake): State<FakeTwilio>,
    Path(account_sid): Path<String>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Response {
    let mut inner = fake.inner.lock().unwrap();
    inner.list_requests += 1;
    if !authorized(&headers, &account_sid) {
        return error(401, 20003, "Authenticate");
    }
    let day = match query.date_sent.as_deref().map(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d")) {
        Some(Err(_)) => return error(400, 20001, "Invalid DateSent"),
        Some(Ok(day)) => Some(day),
        None => None,
    };
    let after = match query.date_sent_after.as_deref().map(DateTime::parse_from_rfc3339) {
        Some(Err(_)) => return error(400, 20001, "Invalid DateSent>"),
        Some(Ok(after)) => Some(after.with_timezone(&Utc)),
        None => None,
    };
    let page_size = query.page_size.unwrap_or(50).clamp(1, 1000);
    let messages: Vec<_> = inner
        .received
        .iter()
        .rev()
        .filter(|message| query.to.as_ref().is_none_or(|to| &message.to == to))
        .filter(|message| day.is_none_or(|day| message.date_sent.date_naive() == day))
        .filter(|message| after.is_none_or(|after| message.date_sent >= after))
        .take(page_size)
        .map(|message| {
            json!({
                "account_sid": account_sid,
                "body": message.body,
                "date_sent": message.date_sent.to_rfc2822(),
                "direction": "outbound-api",
                "from": FROM,
                "sid": message.sid,
                "status": "sent",
                "to": message.to,
            })
        })
        .collect();
    let uri = format!("/2010-04-01/Accounts/{account_sid}/Messages.json?PageSize={page_size}&Page=0");
    Json(json!({
        "end": messages.len().saturating_sub(1),
        "first_page_uri": uri,
        "next_page_uri": null,
        "page": 0,
        "page_size": page_size,
        "previous_page_uri": null,
        "start": 0,
        "uri": uri,
        "messages": messages,
    }))
    .into_response()
}
