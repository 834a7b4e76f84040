use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// The error every server function returns: a message for the user and the
/// input field at fault, where there is one. Internal details never reach
/// the browser; they are logged on the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub message: String,
    pub field: Option<String>,
    /// The character offset of the problem in a rejected template.
    #[serde(default)]
    pub position: Option<usize>,
}

impl AppError {
    pub fn new(message: impl Into<String>) -> Self {
        AppError {
            message: message.into(),
            field: None,
            position: None,
        }
    }

    pub fn for_field(field: &str, message: impl Into<String>) -> Self {
        AppError {
            message: message.into(),
            field: Some(field.to_owned()),
            position: None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::new(format!("The request failed: {value}. Try again."))
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
            position: error.position(),
        }
    }
}

/// Returns the server's shared core, provided as context by the router.
#[cfg(feature = "ssr")]
pub fn kodo() -> Result<kodo_core::Kodo, AppError> {
    leptos::prelude::use_context::<kodo_core::Kodo>()
        .ok_or_else(|| AppError::new("The server is not set up: no core context."))
}
