use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A `{{name}}` placeholder in an SMS template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variable {
    /// Incident or maintenance title.
    Title,
    /// Incident severity label, such as `Critical`.
    Severity,
    /// Incident status label, such as `Investigating`.
    Status,
    /// Text of the latest update, the first thing shortened to fit a
    /// segment.
    Message,
    /// Names of the affected services, see
    /// [`service_list`](super::service_list).
    Service,
    /// Link to the incident or the status page; never shortened.
    Url,
    /// Name of the status page.
    Page,
    /// Verification code; never shortened.
    Code,
    /// Start of a maintenance window, already formatted for reading.
    StartsAt,
    /// End of a maintenance window, already formatted for reading.
    EndsAt,
}

impl Variable {
    /// Every variable, in the order error messages list them.
    pub const ALL: [Variable; 10] = [
        Variable::Title,
        Variable::Severity,
        Variable::Status,
        Variable::Message,
        Variable::Service,
        Variable::Url,
        Variable::Page,
        Variable::Code,
        Variable::StartsAt,
        Variable::EndsAt,
    ];

    /// Returns the name written between the braces, such as `starts_at`.
    pub fn name(self) -> &'static str {
        match self {
            Variable::Title => "title",
            Variable::Severity => "severity",
            Variable::Status => "status",
            Variable::Message => "message",
            Variable::Service => "service",
            Variable::Url => "url",
            Variable::Page => "page",
            Variable::Code => "code",
            Variable::StartsAt => "starts_at",
            Variable::EndsAt => "ends_at",
        }
    }

    /// Returns the variable with this exact (lowercase) name.
    pub fn from_name(name: &str) -> Option<Variable> {
        Variable::ALL
            .into_iter()
            .find(|variable| variable.name() == name)
    }

    /// Returns the placeholder as written in a template, such as `{{title}}`.
    pub fn placeholder(self) -> String {
        format!("{{{{{}}}}}", self.name())
    }
}

/// Values to fill a template's placeholders with. A variable without a
/// value renders as empty text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values {
    values: BTreeMap<Variable, String>,
}

impl Values {
    pub fn new() -> Values {
        Values::default()
    }

    /// Returns these values with `variable` set to `value`.
    #[must_use]
    pub fn with(mut self, variable: Variable, value: impl Into<String>) -> Values {
        self.set(variable, value);
        self
    }

    /// Sets `variable` to `value`, replacing any earlier value.
    pub fn set(&mut self, variable: Variable, value: impl Into<String>) {
        self.values.insert(variable, value.into());
    }

    /// Returns the value of `variable`, if set.
    pub fn get(&self, variable: Variable) -> Option<&str> {
        self.values.get(&variable).map(String::as_str)
    }

    /// Returns these values with `change` applied to each.
    pub(super) fn map(&self, change: impl Fn(&str) -> String) -> Values {
        let values = self
            .values
            .iter()
            .map(|(&variable, value)| (variable, change(value)))
            .collect();
        Values { values }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for variable in Variable::ALL {
            assert_eq!(Variable::from_name(variable.name()), Some(variable));
        }
    }

    #[test]
    fn names_are_case_sensitive() {
        assert_eq!(Variable::from_name("Title"), None);
    }

    #[test]
    fn placeholder_has_double_braces() {
        assert_eq!(Variable::StartsAt.placeholder(), "{{starts_at}}");
    }

    #[test]
    fn later_value_replaces_earlier() {
        let values = Values::new()
            .with(Variable::Title, "first")
            .with(Variable::Title, "second");
        assert_eq!(values.get(Variable::Title), Some("second"));
        assert_eq!(values.get(Variable::Url), None);
    }
}
