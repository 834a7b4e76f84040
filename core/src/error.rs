//! The error type of every core operation, with the HTTP status it maps to.

/// An operation's failure. `Invalid`, `NotFound`, `Conflict` and
/// `TooManyRequests` carry a message meant for the user. `Database` and
/// `Internal` are logged where they are handled and shown only as a
/// generic message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    Invalid { field: String, message: String },

    /// A template that does not parse, with the character offset of the
    /// problem in the template text.
    #[error("{message}")]
    InvalidTemplate {
        field: String,
        message: String,
        position: usize,
    },

    #[error("{what} not found")]
    NotFound { what: &'static str },

    #[error("{message}")]
    Conflict { field: String, message: String },

    /// The action is turned off, such as SMS sign-up while SMS is disabled.
    #[error("{message}")]
    Forbidden { message: String },

    #[error("{message}")]
    TooManyRequests { retry_after_secs: u64, message: String },

    #[error("database error: {0}")]
    Database(sqlx::Error),

    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    /// Converts a database error, turning text that PostgreSQL cannot store
    /// into an input error (400), also on paths where no earlier check names
    /// the field.
    fn from(error: sqlx::Error) -> Self {
        const CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";
        const UNTRANSLATABLE_CHARACTER: &str = "22P05";
        if let sqlx::Error::Database(database_error) = &error {
            if matches!(
                database_error.code().as_deref(),
                Some(CHARACTER_NOT_IN_REPERTOIRE | UNTRANSLATABLE_CHARACTER)
            ) {
                return Error::invalid(
                    "text",
                    "The text contains a NUL character (U+0000), which cannot be stored; remove it and try again.",
                );
            }
        }
        Error::Database(error)
    }
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Conflict {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(what: &'static str) -> Self {
        Error::NotFound { what }
    }

    /// Returns the HTTP status code this error maps to.
    pub fn status_code(&self) -> u16 {
        match self {
            Error::Invalid { .. } | Error::InvalidTemplate { .. } => 400,
            Error::NotFound { .. } => 404,
            Error::Conflict { .. } => 409,
            Error::Forbidden { .. } => 403,
            Error::TooManyRequests { .. } => 429,
            Error::Database(_) | Error::Internal(_) => 500,
        }
    }

    /// Returns the input field at fault, where there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. }
            | Error::InvalidTemplate { field, .. }
            | Error::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The character offset of the problem in a rejected template.
    pub fn position(&self) -> Option<usize> {
        match self {
            Error::InvalidTemplate { position, .. } => Some(*position),
            _ => None,
        }
    }

    /// Returns the message to show a user, keeping internal details for the log.
    pub fn public_message(&self) -> String {
        match self {
            Error::Database(_) | Error::Internal(_) => {
                "Something went wrong on our side. Try again in a moment.".to_owned()
            }
            Error::NotFound { what } => {
                let mut message = format!("{what} not found");
                if let Some(first) = message.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                message.push_str(". Check the id.");
                message
            }
            other => other.to_string(),
        }
    }

    /// Whether the error is the server's fault and should be logged as such.
    pub fn is_internal(&self) -> bool {
        matches!(self, Error::Database(_) | Error::Internal(_))
    }
}
