//! Incident severity and status, shared by the server, the browser and the
//! message templates.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Impact of an incident on the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Major,
    Minor,
}

/// Stage of an incident, in lifecycle order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IncidentStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

/// Text that names no known severity or status.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid {field} {value:?}; use one of: {allowed}")]
pub struct ParseEnumError {
    /// The kind of value, such as `severity`.
    pub field: &'static str,
    /// The rejected text.
    pub value: String,
    /// The accepted values, comma separated.
    pub allowed: String,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 3] = [Severity::Critical, Severity::Major, Severity::Minor];

    /// Returns the lowercase name used in storage and APIs, such as
    /// `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Major => "major",
            Severity::Minor => "minor",
        }
    }

    /// Returns the name for display, such as `Critical`.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Critical => "Critical",
            Severity::Major => "Major",
            Severity::Minor => "Minor",
        }
    }
}

impl IncidentStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [IncidentStatus; 4] = [
        IncidentStatus::Investigating,
        IncidentStatus::Identified,
        IncidentStatus::Monitoring,
        IncidentStatus::Resolved,
    ];

    /// Returns the lowercase name used in storage and APIs, such as
    /// `investigating`.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::Investigating => "investigating",
            IncidentStatus::Identified => "identified",
            IncidentStatus::Monitoring => "monitoring",
            IncidentStatus::Resolved => "resolved",
        }
    }

    /// Returns the name for display, such as `Investigating`.
    pub fn label(self) -> &'static str {
        match self {
            IncidentStatus::Investigating => "Investigating",
            IncidentStatus::Identified => "Identified",
            IncidentStatus::Monitoring => "Monitoring",
            IncidentStatus::Resolved => "Resolved",
        }
    }
}

impl FromStr for Severity {
    type Err = ParseEnumError;

    /// Parses a severity name in any case, ignoring surrounding spaces.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_name(text, "severity", &Severity::ALL, |severity| {
            severity.as_str()
        })
    }
}

impl FromStr for IncidentStatus {
    type Err = ParseEnumError;

    /// Parses a status name in any case, ignoring surrounding spaces.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_name(text, "status", &IncidentStatus::ALL, |status| {
            status.as_str()
        })
    }
}

impl fmt::Display for Severity {
    /// Writes the lowercase name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for IncidentStatus {
    /// Writes the lowercase name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn parse_name<T: Copy>(
    text: &str,
    field: &'static str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<T, ParseEnumError> {
    let trimmed = text.trim();
    all.iter()
        .copied()
        .find(|&value| name(value).eq_ignore_ascii_case(trimmed))
        .ok_or_else(|| ParseEnumError {
            field,
            value: text.to_owned(),
            allowed: all
                .iter()
                .map(|&value| name(value))
                .collect::<Vec<_>>()
                .join(", "),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_round_trips_through_names() {
        for severity in Severity::ALL {
            assert_eq!(severity.as_str().parse::<Severity>(), Ok(severity));
            assert_eq!(severity.label().parse::<Severity>(), Ok(severity));
        }
    }

    #[test]
    fn status_round_trips_through_names() {
        for status in IncidentStatus::ALL {
            assert_eq!(status.as_str().parse::<IncidentStatus>(), Ok(status));
            assert_eq!(status.label().parse::<IncidentStatus>(), Ok(status));
        }
    }

    #[test]
    fn parse_ignores_case_and_spaces() {
        assert_eq!(" MAJOR ".parse::<Severity>(), Ok(Severity::Major));
        assert_eq!(
            "Monitoring".parse::<IncidentStatus>(),
            Ok(IncidentStatus::Monitoring)
        );
    }

    #[test]
    fn unknown_severity_lists_allowed_values() {
        let error = "urgent".parse::<Severity>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid severity \"urgent\"; use one of: critical, major, minor"
        );
    }

    #[test]
    fn unknown_status_lists_allowed_values() {
        let error = "fixed".parse::<IncidentStatus>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid status \"fixed\"; use one of: investigating, identified, monitoring, resolved"
        );
    }

    #[test]
    fn serde_uses_lowercase_names() {
        assert_eq!(
            serde_json::to_string(&Severity::Critical).unwrap(),
            "\"critical\""
        );
        assert_eq!(
            serde_json::from_str::<IncidentStatus>("\"resolved\"").unwrap(),
            IncidentStatus::Resolved
        );
        assert!(serde_json::from_str::<IncidentStatus>("\"Resolved\"").is_err());
    }
}
