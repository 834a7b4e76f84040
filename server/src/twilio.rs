//! A client for Twilio's Messages API (2010-04-01).

use std::time::Duration;

use kodo_core::settings::TwilioCredentials;
use serde::Deserialize;

#[derive(Clone)]
pub struct TwilioClient {
    http: reqwest::Client,
    api_base: String,
    timeout: Duration,
}

/// The part of Twilio's message resource Kodo keeps.
#[derive(Debug, Deserialize)]
pub struct SentMessage {
    pub sid: String,
    pub status: String,
}

/// A message as Twilio's list endpoint returns it.
#[derive(Debug, Clone, Deserialize)]
pub struct ListedMessage {
    pub sid: String,
    pub status: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub direction: Option<String>,
}

#[derive(Deserialize)]
struct MessagePage {
    messages: Vec<ListedMessage>,
}

/// Maximum time Kodo waits for Twilio's response to a request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A failed send, with whether trying again may help.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// Twilio's error code, such as 21211 (invalid To number).
    pub code: Option<i32>,
    pub message: String,
    /// The HTTP status, or `None` when no response arrived.
    pub http_status: Option<u16>,
    /// The connection failed, so the request never reached Twilio.
    pub connect_failed: bool,
}

impl SendError {
    /// Rate limits, server errors and network failures are worth a retry;
    /// anything else Twilio rejected will be rejected again.
    pub fn is_retryable(&self) -> bool {
        match self.http_status {
            None => true,
            Some(429) => true,
            Some(status) => status >= 500 || self.code == Some(20429),
        }
    }

    /// Whether Twilio may have accepted the message even though no response
    /// arrived (a timeout or a dropped connection after the request went
    /// out), so it must be looked up before it is sent again.
    pub fn is_ambiguous(&self) -> bool {
        self.http_status.is_none() && !self.connect_failed
    }

    fn transport(context: &str, error: reqwest::Error) -> SendError {
        let timed_out = if error.is_timeout() { " (timed out)" } else { "" };
        SendError {
            code: None,
            message: format!("{context}{timed_out}: {error}"),
            http_status: None,
            connect_failed: error.is_connect(),
        }
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    code: Option<i32>,
    message: Option<String>,
}

impl TwilioClient {
    pub fn new(api_base: &str) -> Self {
        TwilioClient::with_timeout(api_base, REQUEST_TIMEOUT)
    }

    /// Builds a client that gives up on a request after `timeout`.
    pub fn with_timeout(api_base: &str, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .pool_max_idle_per_host(256)
            .build()
            .unwrap_or_default();
        TwilioClient {
            http,
            api_base: api_base.trim_end_matches('/').to_owned(),
            timeout,
        }
    }

    /// Returns the time after which this client gives up on a request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Creates a message: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`.
    /// A `from` starting with MG is sent as a Messaging Service SID.
    pub async fn send(
        &self,
        credentials: &TwilioCredentials,
        to: &str,
        body: &str,
        status_callback: &str,
    ) -> Result<SentMessage, SendError> {
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.api_base, credentials.account_sid
        );
        let sender_field = if credentials.from.starts_with("MG") {
            "MessagingServiceSid"
        } else {
            "From"
        };
        let form = [
            ("To", to),
            (sender_field, credentials.from.as_str()),
            ("Body", body),
            ("StatusCallback", status_callback),
        ];
        let response = self
            .http
            .post(url)
            .basic_auth(&credentials.account_sid, Some(&credentials.auth_token))
            .form(&form)
            .send()
            .await
            .map_err(|error| SendError::transport("request to Twilio failed", error))?;
        let text = read_success(response).await?;
        serde_json::from_str(&text).map_err(|error| SendError {
            code: None,
            message: format!("Twilio's response is not a message resource: {error}"),
            http_status: Some(200),
            connect_failed: false,
        })
    }

    /// Lists the messages sent to `to` on or after `sent_after`, newest
    /// first, up to 1,000 (one page): `GET
    /// /2010-04-01/Accounts/{AccountSid}/Messages.json?To=&DateSent>=&PageSize=`.
    ///
    /// NOTE: Twilio filters on `date_sent`, which it sets once the message
    /// leaves its own queue, so a message still queued at Twilio is not
    /// listed yet.
    pub async fn list_sent_to(
        &self,
        credentials: &TwilioCredentials,
        to: &str,
        sent_after: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<ListedMessage>, SendError> {
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.api_base, credentials.account_sid
        );
        let after = sent_after.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let response = self
            .http
            .get(url)
            .basic_auth(&credentials.account_sid, Some(&credentials.auth_token))
            .query(&[("To", to), ("DateSent>", after.as_str()), ("PageSize", "1000")])
            .send()
            .await
            .map_err(|error| SendError::transport("listing messages at Twilio failed", error))?;
        let text = read_success(response).await?;
        let page: MessagePage = serde_json::from_str(&text).map_err(|error| SendError {
            code: None,
            message: format!("Twilio's response is not a message list: {error}"),
            http_status: Some(200),
            connect_failed: false,
        })?;
        Ok(page.messages)
    }
}

/// Returns the body of a successful response, or Twilio's error.
async fn read_success(response: reqwest::Response) -> Result<String, SendError> {
    let status = response.status();
    // A body lost on the way leaves the outcome unknown, like a timeout.
    let text = response
        .text()
        .await
        .map_err(|error| SendError::transport("reading Twilio's response failed", error))?;
    if status.is_success() {
        return Ok(text);
    }
    let parsed: Option<ErrorBody> = serde_json::from_str(&text).ok();
    let (code, message) = match parsed {
        Some(body) => (body.code, body.message),
        None => (None, None),
    };
    Err(SendError {
        code,
        message: message.unwrap_or_else(|| format!("Twilio responded HTTP {status}")),
        http_status: Some(status.as_u16()),
        connect_failed: false,
    })
}
