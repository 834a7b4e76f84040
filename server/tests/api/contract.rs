//! Kodo's Twilio requests checked against Twilio's own OpenAPI description
//! (`twilio_api_v2010.json` from the npm package `@twilio-alpha/mcp`
//! 0.7.0) by an independent validator: Prism in mock mode returns 201 for
//! a request that follows the description and 422 for one that does not.
//!
//! Install both with `npm ci --prefix tools/contract`; without them the
//! test prints how and passes without checking.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use kodo_core::settings::TwilioCredentials;
use kodo_server::twilio::TwilioClient;
use tokio::process::{Child, Command};

use crate::fake_twilio;

fn contract_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tools/contract")
}

/// Starts Prism on a free port and returns it with its base URL, or `None`
/// when it is not installed.
async fn start_prism() -> Option<(Child, String)> {
    let dir = contract_dir();
    let prism = dir.join("node_modules/.bin/prism");
    let description = dir.join("node_modules/@twilio-alpha/mcp/twilio-oai/spec/json/twilio_api_v2010.json");
    if !prism.exists() || !description.exists() {
        eprintln!(
            "skipping the Twilio contract check: Prism or Twilio's OpenAPI description is not \
             installed; run `npm ci --prefix tools/contract`"
        );
        return None;
    }
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        listener.local_addr().expect("address").port()
    };
    let child = Command::new(prism)
        .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
        .arg(description)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start prism");
    let base_url = format!("http://127.0.0.1:{port}");
    // Prism takes about 20 s to load the description on 2 cores.
    for _ in 0..240 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Some((child, base_url));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("Prism did not start listening on port {port} within 120 s");
}

fn credentials(from: &str) -> TwilioCredentials {
    TwilioCredentials {
        account_sid: fake_twilio::ACCOUNT_SID.to_owned(),
        auth_token: fake_twilio::AUTH_TOKEN.to_owned(),
        from: from.to_owned(),
    }
}

#[tokio::test]
async fn twilio_requests_match_openapi() {
    let Some((mut prism, base_url)) = start_prism().await else {
        return;
    };
    let client = TwilioClient::new(&base_url);
    let callback = "http://127.0.0.1:3000/webhooks/twilio/status";

    for from in [fake_twilio::FROM, "MG0123456789abcdef0123456789abcdef"] {
        let sent = client.send(&credentials(from), "+14155552671", "API down: we are on it.", callback).await;
        let sent = sent.unwrap_or_else(|error| panic!("create from {from}: Prism rejected it: {error}"));
        assert!(!sent.sid.is_empty());
    }
    let since = chrono::Utc::now() - chrono::Duration::minutes(5);
    let listed = client.list_sent_to(&credentials(fake_twilio::FROM), "+14155552671", since).await;
    assert!(listed.is_ok(), "list: Prism rejected it: {:?}", listed.err());

    // The validator is live: a request without To breaks the description.
    let response = reqwest::Client::new()
        .post(format!("{base_url}/2010-04-01/Accounts/{}/Messages.json", fake_twilio::ACCOUNT_SID))
        .basic_auth(fake_twilio::ACCOUNT_SID, Some(fake_twilio::AUTH_TOKEN))
        .form(&[("From", fake_twilio::FROM), ("Body", "API down")])
        .send()
        .await
        .expect("POST to Prism");
    assert_eq!(response.status().as_u16(), 422, "a create without To");

    prism.start_kill().expect("stop prism");
    let _ = prism.wait().await;
}
