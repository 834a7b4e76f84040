//! Twilio's webhooks: inbound SMS and message status callbacks.
//!
//! Both check `X-Twilio-Signature` before anything else reads the request,
//! and a request that fails the check gets 403 and is never recorded.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use kodo_core::{inbound, messages, settings};
use kodo_domain::signature;

use crate::state::AppState;

const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/twilio/sms", post(inbound_sms))
        .route("/webhooks/twilio/status", post(status_callback))
}

/// A webhook request whose signature has been checked.
struct SignedForm {
    params: Vec<(String, String)>,
}

impl SignedForm {
    fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn require(&self, name: &str) -> Result<&str, Response> {
        self.get(name).ok_or_else(|| {
            (
                StatusCode::BAD_REQUEST,
                format!("{name} is missing; this endpoint takes Twilio's webhook form."),
            )
                .into_response()
        })
    }
}

async fn verify(state: &AppState, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Result<SignedForm, Response> {
    let forbidden = |reason: &str| {
        tracing::warn!(path = uri.path(), reason, "webhook rejected");
        (StatusCode::FORBIDDEN, "Invalid Twilio signature.").into_response()
    };
    let Some(signature) = headers
        .get("x-twilio-signature")
        .and_then(|value| value.to_str().ok())
    else {
        return Err(forbidden("missing signature"));
    };
    let auth_token = match settings::twilio_auth_token(&state.kodo.pool).await {
        Ok(Some(token)) => token,
        Ok(None) => return Err(forbidden("no Twilio auth token is configured")),
        Err(error) => {
            tracing::error!(%error, "loading the Twilio auth token failed");
            return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
        }
    };
    let Ok(params) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) else {
        return Err(forbidden("body is not a form"));
    };
    let path_and_query = uri.path_and_query().map_or("/", |value| value.as_str());
    let url = format!("{}{}", state.kodo.public_url, path_and_query);
    if !signature::is_valid(&auth_token, &url, &params, signature) {
        return Err(forbidden("signature does not match"));
    }
    Ok(SignedForm { params })
}

async fn inbound_sms(State(state): State<AppState>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let form = match verify(&state, &uri, &headers, &body).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let (from, text, sid) = match (form.require("From"), form.require("Body"), form.require("MessageSid")) {
        (Ok(from), Ok(text), Ok(sid)) => (from, text, sid),
        (Err(response), _, _) | (_, Err(response), _) | (_, _, Err(response)) => return response,
    };
    // A repeated delivery carries the same MessageSid or the same
    // I-Twilio-Idempotency-Token, so it is handled once.
    let idempotency_token = headers
        .get("i-twilio-idempotency-token")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|token| !token.is_empty());
    match inbound::handle_delivery(&state.kodo, from, text, sid, idempotency_token).await {
        Ok(_) => twiml(),
        Err(error) => crate::api::internal_error(&error),
    }
}

async fn status_callback(State(state): State<AppState>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let form = match verify(&state, &uri, &headers, &body).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let (sid, status) = match (form.require("MessageSid"), form.require("MessageStatus")) {
        (Ok(sid), Ok(status)) => (sid, status),
        (Err(response), _) | (_, Err(response)) => return response,
    };
    let error_code = form.get("ErrorCode").and_then(|code| code.parse::<i32>().ok());
    match messages::record_status(&state.kodo.pool, sid, status, error_code).await {
        Ok(changed) => {
            tracing::info!(message.sid = sid, status, changed, "delivery status received");
            twiml()
        }
        Err(error) => crate::api::internal_error(&error),
    }
}

fn twiml() -> Response {
    ([(header::CONTENT_TYPE, "text/xml")], EMPTY_TWIML).into_response()
}
