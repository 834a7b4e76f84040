use thiserror::Error;

/// A template that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct TemplateError {
    /// Character offset (0-based, in Unicode scalar values) of the problem
    /// in the template text. A missing required variable points at the end.
    pub position: usize,
    /// A sentence that names the problem, its position and the fix.
    pub message: String,
}
