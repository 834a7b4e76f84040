//! A client for Twilio's Messages API (2010-04-01).

use std::time::Duration;

use kodo_core::settings::TwilioCredentials;
use serde::Deserialize;

#[derive(Clone)]
pub struct TwilioClient {
    http: reqwest::Client,
    api_base: String,
}

/// The part of Twilio's message resource Kodo keeps.
#[derive(Debug, Deserialize)]
pub struct SentMessage {
    pub sid: String,
    pub status: String,
}

/// A failed send, with whether trying again may help.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// Twilio's error code, such as 21211 (invalid To number).
    pub code: Option<i32>,
    pub message: String,
    /// The HTTP status, or `None` when no response arrived.
    pub http_status: Option<u16>,
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
}

#[derive(Deserialize)]
struct ErrorBody {
    code: Option<i32>,
    message: Option<String>,
}

impl TwilioClient {
    pub fn new(api_base: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        TwilioClient {
            http,
            api_base: api_base.trim_end_matches('/').to_owned(),
        }
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
            .map_err(|error| SendError {
                code: None,
                message: format!("request to Twilio failed: {error}"),
                http_status: None,
            })?;

        let status = response.status();
        let text = response.text().await.map_err(|error| SendError {
            code: None,
            message: format!("reading Twilio's response failed: {error}"),
            http_status: Some(status.as_u16()),
        })?;
        if status.is_success() {
            return serde_json::from_str(&text).map_err(|error| SendError {
                code: None,
                message: format!("Twilio's response is not a message resource: {error}"),
                http_status: Some(status.as_u16()),
            });
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
        })
    }
}
