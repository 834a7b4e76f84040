//! Spawns the server for one test: its own database, a free port, a fake
//! Twilio, an API token and a dispatcher the test drains on demand.

use std::sync::Once;

use kodo_core::Kodo;
use kodo_server::config::Config;
use kodo_server::dispatch::Dispatcher;
use kodo_server::{Dispatch, Server};
use rand::Rng;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};

use crate::fake_twilio::{self, FakeTwilio};

static TRACING: Once = Once::new();

/// The `KODO_SECRET_KEY` of every test server.
pub const TEST_SECRET_KEY: &str = "test secret key that is long enough to use";

pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    pub token: String,
    pub kodo: Kodo,
    pub dispatcher: Dispatcher,
    pub twilio: FakeTwilio,
    pub database_url: String,
    server: Option<Server>,
}

/// The admin connection tests create their databases through.
fn admin_database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

async fn create_database() -> String {
    let name = format!("kodo_test_{:016x}", rand::thread_rng().gen::<u64>());
    let admin_url = admin_database_url();
    let mut connection = PgConnection::connect(&admin_url)
        .await
        .expect("connect to PostgreSQL on DATABASE_URL (start it with pg_ctlcluster)");
    connection
        .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
        .await
        .expect("create test database");
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}

async fn drop_database(database_url: &str) {
    let Some((_, name)) = database_url.rsplit_once('/') else {
        return;
    };
    let mut connection = PgConnection::connect(&admin_database_url())
        .await
        .expect("connect to PostgreSQL on DATABASE_URL");
    // FORCE ends connections that a worker process of the test left open.
    connection
        .execute(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str())
        .await
        .expect("drop test database");
}

impl TestApp {
    /// Starts a server in development-outbox mode (no Twilio account).
    pub async fn spawn() -> TestApp {
        TRACING.call_once(|| {
            if std::env::var("TEST_LOG").is_ok() {
                tracing_subscriber::fmt().with_env_filter("info").init();
            }
        });
        let twilio = FakeTwilio::start().await;
        let database_url = create_database().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let base_url = format!("http://{address}");
        let config = Config {
            database_url: database_url.clone(),
            public_url: base_url.clone(),
            twilio_api_base: twilio.base_url.clone(),
            keys: kodo_core::Keys::derive(TEST_SECRET_KEY).expect("keys"),
            sending_lease: std::time::Duration::from_secs(60),
        };
        let options = leptos::config::LeptosOptions::builder()
            .output_name("kodo")
            .site_addr(address)
            .build();
        let server = Server::start(&config, options, listener, Dispatch::OnDemand)
            .await
            .expect("start server");
        let (_, token) = kodo_core::api_tokens::create(&server.kodo, "tests").await.expect("token");
        TestApp {
            base_url,
            client: reqwest::Client::new(),
            token,
            kodo: server.kodo.clone(),
            dispatcher: server.dispatcher.clone(),
            twilio,
            database_url,
            server: Some(server),
        }
    }

    /// Starts a server whose SMS settings point at the fake Twilio, with a
    /// send rate high enough that only the rate limit's own tests meet it.
    pub async fn spawn_with_twilio() -> TestApp {
        let app = TestApp::spawn().await;
        let response = app
            .put(
                "/api/v1/settings/sms",
                json!({
                    "account_sid": fake_twilio::ACCOUNT_SID,
                    "auth_token": fake_twilio::AUTH_TOKEN,
                    "from": fake_twilio::FROM,
                    "segments_per_second": 1_000_000_000,
                }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "saving Twilio settings");
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).bearer_auth(&self.token).send().await.expect("GET")
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.client.post(self.url(path)).bearer_auth(&self.token).json(&body).send().await.expect("POST")
    }

    pub async fn put(&self, path: &str, body: Value) -> Response {
        self.client.put(self.url(path)).bearer_auth(&self.token).json(&body).send().await.expect("PUT")
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.client.delete(self.url(path)).bearer_auth(&self.token).send().await.expect("DELETE")
    }

    /// Posts without a token, as a public widget would.
    pub async fn post_public(&self, path: &str, body: Value) -> Response {
        self.client.post(self.url(path)).json(&body).send().await.expect("POST")
    }

    /// Runs a `SELECT count(*) ...` query and returns the count.
    pub async fn count(&self, query: &str) -> i64 {
        sqlx::query_scalar(query).fetch_one(&self.kodo.pool).await.expect(query)
    }

    /// Sends every due message now.
    pub async fn drain(&self) -> usize {
        self.dispatcher.drain().await.expect("drain the queue")
    }

    pub async fn create_service(&self, name: &str) -> i64 {
        let response = self.post("/api/v1/services", json!({ "name": name })).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        json_body(response).await["id"].as_i64().expect("service id")
    }

    /// Signs a number up through the public API and returns the sign-up id.
    pub async fn sign_up(&self, phone: &str, preferences: Value) -> String {
        let response = self
            .post_public(
                "/api/v1/subscriptions",
                json!({ "phone": phone, "preferences": preferences, "consent": true }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        json_body(response).await["id"].as_str().expect("sign-up id").to_owned()
    }

    /// Returns the latest code texted to `phone`, from the outbox or the
    /// fake Twilio, whichever received it.
    pub async fn latest_code(&self, phone: &str) -> String {
        self.drain().await;
        let from_twilio = self.twilio.received_by(phone).into_iter().map(|message| message.body).last();
        let body = match from_twilio {
            Some(body) => body,
            None => {
                let messages = self.messages_to(phone).await;
                messages
                    .iter()
                    .find(|message| message["kind"] == "verification")
                    .and_then(|message| message["body"].as_str())
                    .expect("a verification message")
                    .to_owned()
            }
        };
        extract_code(&body).expect("a 6-digit code in the verification text")
    }

    /// Signs a number up and confirms it, returning the subscriber's id.
    pub async fn subscribe(&self, phone: &str, preferences: Value) -> i64 {
        let signup_id = self.sign_up(phone, preferences).await;
        self.confirm(phone, &signup_id).await
    }

    /// Confirms a sign-up with the code texted to `phone`, returning the
    /// subscriber's id.
    pub async fn confirm(&self, phone: &str, signup_id: &str) -> i64 {
        let code = self.latest_code(phone).await;
        let response = self
            .post_public(&format!("/api/v1/subscriptions/{signup_id}/verify"), json!({ "code": code }))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "verify");
        let subscribers = json_body(self.get(&format!("/api/v1/subscribers?phone={}", urlencode(phone))).await).await;
        subscribers[0]["id"].as_i64().expect("subscriber id")
    }

    /// Lists messages to a number, newest first.
    pub async fn messages_to(&self, phone: &str) -> Vec<Value> {
        let response = self.get(&format!("/api/v1/messages?phone={}", urlencode(phone))).await;
        assert_eq!(response.status(), StatusCode::OK);
        json_body(response).await.as_array().cloned().expect("array")
    }

    pub async fn open_incident(&self, title: &str, severity: &str, services: &[i64]) -> i64 {
        let response = self
            .post(
                "/api/v1/incidents",
                json!({
                    "title": title,
                    "severity": severity,
                    "status": "investigating",
                    "message": "We are looking into it.",
                    "services": services,
                }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "open incident");
        json_body(response).await["id"].as_i64().expect("incident id")
    }

    /// Posts a Twilio webhook form, signed as Twilio would sign it.
    pub async fn post_signed_webhook(&self, path: &str, params: &[(&str, &str)]) -> Response {
        let owned: Vec<(String, String)> =
            params.iter().map(|(key, value)| (key.to_string(), value.to_string())).collect();
        let signature = kodo_domain::signature::compute(fake_twilio::AUTH_TOKEN, &self.url(path), &owned);
        self.client
            .post(self.url(path))
            .header("X-Twilio-Signature", signature)
            .form(&owned)
            .send()
            .await
            .expect("POST webhook")
    }

    /// Stops the server and drops the test's database. A test that fails
    /// before this keeps its database for a look afterwards.
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
        self.kodo.pool.close().await;
        drop_database(&self.database_url).await;
    }
}

pub async fn json_body(response: Response) -> Value {
    response.json().await.expect("a JSON body")
}

pub fn extract_code(body: &str) -> Option<String> {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|part| part.len() == 6)
        .map(str::to_owned)
}

pub fn urlencode(value: &str) -> String {
    value.replace('+', "%2B")
}

/// Counts the rows of a table.
pub async fn count_rows(pool: &sqlx::PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .expect("count rows")
}

/// Moves every recorded sign-up attempt `seconds` into the past, as if that
/// much time had passed since the codes were texted.
pub async fn age_signup_attempts(pool: &sqlx::PgPool, seconds: i64) {
    sqlx::query("UPDATE signup_attempts SET created_at = created_at - make_interval(secs => $1)")
        .bind(seconds as f64)
        .execute(pool)
        .await
        .expect("age sign-up attempts");
}

/// Returns the Retry-After header of a response in seconds.
pub fn retry_after(response: &Response) -> u64 {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .expect("a Retry-After header")
        .to_str()
        .expect("an ASCII Retry-After header")
        .parse()
        .expect("Retry-After in whole seconds")
}

/// Creates an admin and signs in through the dashboard's sign-in form with
/// `client`, which keeps the session cookie when it has a cookie store.
pub async fn sign_in_admin(app: &TestApp, client: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
    use leptos::server_fn::ServerFn;

    kodo_core::admins::create(&app.kodo.pool, email, password).await.expect("create admin");
    client
        .post(app.url(kodo_app::admin::login::Login::PATH))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("sign in")
}
