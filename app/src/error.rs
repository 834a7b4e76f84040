use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// The error every server function returns: a message for the user, the
/// input field at fault where there is one, and the HTTP status of the
/// response. Internal details never reach the browser; they are logged on the
/// server.
///
/// Leptos responds to every server function error with 500, and the server rewrites
/// that status to `status` (see `kodo_server`'s router), so bad input gets a
/// 4xx there too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub message: String,
    pub field: Option<String>,
    #[serde(default = "internal_status")]
    pub status: u16,
    /// The character offset of the problem in a rejected template.
    #[serde(default)]
    pub position: Option<usize>,
    /// Every input field at fault, when several are; `field` and
    /// `message` repeat the first.
    #[serde(default)]
    pub errors: Vec<FieldMessage>,
}

/// One input field at fault and what to do about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
}

fn internal_status() -> u16 {
    500
}

impl AppError {
    /// An error on the server's side.
    pub fn new(message: impl Into<String>) -> Self {
        AppError {
            message: message.into(),
            field: None,
            status: internal_status(),
            position: None,
            errors: Vec::new(),
        }
    }

    /// Input that the user can correct in `field`.
    pub fn for_field(field: &str, message: impl Into<String>) -> Self {
        AppError {
            message: message.into(),
            field: Some(field.to_owned()),
            status: 400,
            position: None,
            errors: Vec::new(),
        }
    }

    /// Returns the error for a request that needs a signed-in admin (401).
    /// Its field is `session`.
    pub fn sign_in_required() -> Self {
        AppError {
            status: 401,
            ..AppError::for_field("session", "Sign in as an admin first.")
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        AppError {
            status: 404,
            ..AppError::new(message)
        }
    }

    /// Returns the error for a request that the current state does not
    /// allow (409).
    pub fn conflict(message: impl Into<String>) -> Self {
        AppError {
            status: 409,
            ..AppError::new(message)
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let status = match &value {
            // Arguments that do not decode are the caller's fault. On the
            // server, Deserialization means the request's arguments.
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => 400,
            _ => internal_status(),
        };
        AppError {
            status,
            ..AppError::new(format!("The request failed: {value}. Try again."))
        }
    }
}

#[cfg(feature = "ssr")]
impl From<kodo_core::Error> for AppError {
    fn from(error: kodo_core::Error) -> Self {
        if error.is_internal() {
            tracing::error!(%error, "server function failed");
        }
        AppError {
            message: error.public_message(),
            field: error.field().map(str::to_owned),
            status: error.status_code(),
            position: error.position(),
            errors: error
                .field_errors()
                .into_iter()
                .map(|(field, message)| FieldMessage { field, message })
                .collect(),
        }
    }
}

/// Sets the HTTP status of the page being rendered on the server, such as
/// 404 for an unknown incident. Does nothing in the browser.
pub fn set_response_status(status: u16) {
    #[cfg(feature = "ssr")]
    {
        let status = axum::http::StatusCode::from_u16(status);
        if let (Some(response), Ok(status)) = (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), status) {
            response.set_status(status);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}

/// Returns the server's shared core, provided as context by the router.
#[cfg(feature = "ssr")]
pub fn kodo() -> Result<kodo_core::Kodo, AppError> {
    leptos::prelude::use_context::<kodo_core::Kodo>()
        .ok_or_else(|| AppError::new("The server is not set up: no core context."))
}
