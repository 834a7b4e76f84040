//! Facts about the HTTP request a server function runs for, kept as
//! consent evidence and for the sign-up limits.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap};

/// Returns the client's IP address, if the server recorded it.
pub async fn client_ip() -> Option<String> {
    leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|ConnectInfo(address)| address.ip().to_string())
}

/// Returns the request's User-Agent header, if it is valid text.
pub async fn user_agent() -> Option<String> {
    let headers = leptos_axum::extract::<HeaderMap>().await.ok()?;
    headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// Gives a limited request 429 with Retry-After, as the REST API does.
pub fn report_too_many_requests<T>(result: &Result<T, kodo_core::Error>) {
    use axum::http::{HeaderValue, StatusCode};

    let Err(kodo_core::Error::TooManyRequests { retry_after_secs, .. }) = result else {
        return;
    };
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(StatusCode::TOO_MANY_REQUESTS);
        if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
            response.insert_header(header::RETRY_AFTER, value);
        }
    }
}
