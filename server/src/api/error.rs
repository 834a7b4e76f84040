use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An API error: the status, a message saying what is wrong and what to
/// do, and the input field at fault where there is one.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub field: Option<String>,
    /// The character offset of the problem in a rejected template.
    pub position: Option<usize>,
    pub retry_after_secs: Option<u64>,
    /// Every input field at fault with its message, when several are.
    pub errors: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            field: None,
            position: None,
            retry_after_secs: None,
            errors: Vec::new(),
        }
    }

    pub fn bad_request(field: Option<String>, message: impl Into<String>) -> Self {
        ApiError {
            field,
            ..ApiError::new(StatusCode::BAD_REQUEST, message)
        }
    }
}

impl From<kodo_core::Error> for ApiError {
    fn from(error: kodo_core::Error) -> Self {
        if error.is_internal() {
            tracing::error!(%error, "request failed");
        }
        let retry_after_secs = match &error {
            kodo_core::Error::TooManyRequests { retry_after_secs, .. } => Some(*retry_after_secs),
            _ => None,
        };
        let errors = error.field_errors();
        ApiError {
            errors: if errors.len() > 1 { errors } else { Vec::new() },
            status: StatusCode::from_u16(error.status_code())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            message: error.public_message(),
            field: error.field().map(str::to_owned),
            position: error.position(),
            retry_after_secs,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if let Some(field) = &self.field {
            body["field"] = json!(field);
        }
        if let Some(position) = self.position {
            body["position"] = json!(position);
        }
        if !self.errors.is_empty() {
            body["errors"] = self
                .errors
                .iter()
                .map(|(field, message)| json!({ "field": field, "error": message }))
                .collect();
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after_secs {
            if let Ok(value) = seconds.to_string().parse() {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// Responds to a failure that is the server's fault, logging the error.
pub fn internal_error(error: &kodo_core::Error) -> Response {
    tracing::error!(%error, "request failed");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side. Try again in a moment.",
    )
    .into_response()
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "This endpoint does not take that HTTP method; see the README for the methods under /api/v1.",
    )
}

pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "No such API endpoint; see the README for the endpoints under /api/v1.",
    )
}
