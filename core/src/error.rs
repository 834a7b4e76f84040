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

    /// `fix` is the step the message suggests, such as the valid names.
    /// Without one, the message asks the user to check the id.
    #[error("{what} not found")]
    NotFound { what: &'static str, fix: Option<String> },

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

    /// Several invalid inputs at once (see [`Checks`]). The first one's
    /// status, field and message represent the whole, and
    /// [`field_errors`](Error::field_errors) lists every one.
    #[error("{}", .0.first().map(ToString::to_string).unwrap_or_default())]
    Several(Vec<Error>),
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
        Error::NotFound { what, fix: None }
    }

    /// Creates a not-found error whose message ends with `fix`, such as the
    /// names that do exist.
    pub fn not_found_with_fix(what: &'static str, fix: impl Into<String>) -> Self {
        Error::NotFound { what, fix: Some(fix.into()) }
    }

    /// Returns the HTTP status code this error maps to.
    pub fn status_code(&self) -> u16 {
        match self {
            Error::Several(errors) => errors.first().map_or(400, Error::status_code),
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
            Error::Several(errors) => errors.first().and_then(Error::field),
            Error::Invalid { field, .. }
            | Error::InvalidTemplate { field, .. }
            | Error::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The character offset of the problem in a rejected template.
    pub fn position(&self) -> Option<usize> {
        match self {
            Error::Several(errors) => errors.first().and_then(Error::position),
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
            Error::NotFound { what, fix } => {
                let mut message = format!("{what} not found");
                if let Some(first) = message.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                message.push_str(". ");
                message.push_str(fix.as_deref().unwrap_or("Check the id."));
                message
            }
            Error::Several(errors) => errors.first().map(Error::public_message).unwrap_or_default(),
            other => other.to_string(),
        }
    }

    /// Returns each input field at fault with its message, in the order
    /// they were checked.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        match self {
            Error::Several(errors) => errors.iter().flat_map(Error::field_errors).collect(),
            other => other
                .field()
                .map(|field| vec![(field.to_owned(), other.public_message())])
                .unwrap_or_default(),
        }
    }

    /// Whether the error is the server's fault and should be logged as such.
    pub fn is_internal(&self) -> bool {
        matches!(self, Error::Database(_) | Error::Internal(_))
    }
}

/// Runs independent input checks and reports every failure together, so a
/// form can mark each wrong field at once instead of one per attempt.
#[derive(Debug, Default)]
pub struct Checks {
    errors: Vec<Error>,
}

impl Checks {
    pub fn new() -> Self {
        Checks::default()
    }

    /// Returns the value of a passed check and keeps the error of a failed
    /// one.
    pub fn take<T>(&mut self, result: Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(error);
                None
            }
        }
    }

    /// Fails with the errors kept: one as itself, several as
    /// [`Error::Several`]. A server-side error wins over input errors.
    pub fn finish(mut self) -> Result<()> {
        if let Some(index) = self.errors.iter().position(Error::is_internal) {
            return Err(self.errors.swap_remove(index));
        }
        match self.errors.len() {
            0 => Ok(()),
            1 => Err(self.errors.remove(0)),
            _ => Err(Error::Several(self.errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_report_every_failure() {
        let mut checks = Checks::new();
        assert_eq!(checks.take(Ok::<_, Error>(3)), Some(3));
        assert_eq!(checks.take::<i32>(Err(Error::invalid("a", "A is wrong."))), None);
        checks.take::<i32>(Err(Error::invalid("b", "B is wrong.")));
        let error = checks.finish().unwrap_err();
        assert_eq!(error.status_code(), 400);
        assert_eq!(error.field(), Some("a"));
        assert_eq!(error.public_message(), "A is wrong.");
        assert_eq!(
            error.field_errors(),
            [("a".to_owned(), "A is wrong.".to_owned()), ("b".to_owned(), "B is wrong.".to_owned())]
        );
    }

    #[test]
    fn one_failure_stays_itself() {
        let mut checks = Checks::new();
        checks.take::<()>(Err(Error::invalid("a", "A is wrong.")));
        assert!(matches!(checks.finish(), Err(Error::Invalid { .. })));
        assert!(Checks::new().finish().is_ok());
    }
}
