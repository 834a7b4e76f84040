//! Sets each server function error response to the HTTP status in its
//! `AppError`.
//!
//! Leptos responds to every server function error with 500, so a typo in a
//! form would look like a server fault. The error's JSON body contains the
//! right status, and this layer copies it into the response.

use axum::body::{self, Body};
use axum::http::StatusCode;
use axum::response::Response;
use kodo_app::AppError;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

/// Maximum size of an error body that is read back. Error messages are far smaller.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// Replaces the 500 of a server function error response with the error's status.
pub async fn apply(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match body::to_bytes(body, MAX_ERROR_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "reading a server function error failed");
            return Response::from_parts(parts, Body::empty());
        }
    };
    let status = serde_json::from_slice::<AppError>(&bytes)
        .ok()
        .and_then(|error| StatusCode::from_u16(error.status).ok())
        .filter(|status| status.is_client_error() || status.is_server_error());
    if let Some(status) = status {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}
