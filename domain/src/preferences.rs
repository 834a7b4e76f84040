//! Subscriber notification preferences.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Range of services a subscriber follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Every service on the page.
    #[default]
    All,
    /// Only the services listed in [`Preferences::services`].
    Services,
}

/// A subscriber's notification preferences.
///
/// Every field may be left out when deserializing and takes its default
/// then. Unknown fields are rejected, so a misspelt field such as
/// `critical_ony` fails instead of silently keeping the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Preferences {
    pub scope: Scope,
    /// Service ids the subscriber follows when the scope is
    /// [`Scope::Services`]; ignored otherwise.
    pub services: Vec<i64>,
    /// Only incidents of critical severity.
    pub critical_only: bool,
    /// A message when an incident is resolved.
    pub resolutions: bool,
    /// Messages about scheduled and started maintenance.
    pub maintenance: bool,
}

impl Default for Preferences {
    /// Returns preferences for every service and severity, with resolution
    /// messages on and maintenance messages off.
    fn default() -> Self {
        Preferences {
            scope: Scope::All,
            services: Vec::new(),
            critical_only: false,
            resolutions: true,
            maintenance: false,
        }
    }
}

/// Preferences that contradict themselves.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PreferencesError {
    #[error("preferences.services is empty but preferences.scope is \"services\"; choose at least one service or set the scope to \"all\"")]
    NoServices,
}

impl PreferencesError {
    /// Returns the path of the field at fault, such as
    /// `preferences.services`.
    pub fn field(&self) -> &'static str {
        match self {
            PreferencesError::NoServices => "preferences.services",
        }
    }
}

impl Preferences {
    /// Checks that the preferences can select any message.
    pub fn validate(&self) -> Result<(), PreferencesError> {
        if self.scope == Scope::Services && self.services.is_empty() {
            return Err(PreferencesError::NoServices);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_object_gives_defaults() {
        let preferences: Preferences = serde_json::from_str("{}").unwrap();
        assert_eq!(preferences, Preferences::default());
        assert!(preferences.resolutions);
        assert!(!preferences.maintenance);
    }

    #[test]
    fn fields_deserialize() {
        let preferences: Preferences = serde_json::from_str(
            r#"{"scope":"services","services":[3,7],"critical_only":true,"resolutions":false,"maintenance":true}"#,
        )
        .unwrap();
        assert_eq!(preferences.scope, Scope::Services);
        assert_eq!(preferences.services, vec![3, 7]);
        assert!(preferences.critical_only);
        assert!(!preferences.resolutions);
        assert!(preferences.maintenance);
    }

    #[test]
    fn unknown_field_rejected() {
        let error = serde_json::from_str::<Preferences>(r#"{"critical_ony":true}"#).unwrap_err();
        assert!(error.to_string().contains("critical_ony"), "{error}");
    }

    #[test]
    fn unknown_scope_rejected() {
        assert!(serde_json::from_str::<Preferences>(r#"{"scope":"some"}"#).is_err());
    }

    #[test]
    fn serializes_scope_lowercase() {
        let json = serde_json::to_string(&Preferences::default()).unwrap();
        assert_eq!(
            json,
            r#"{"scope":"all","services":[],"critical_only":false,"resolutions":true,"maintenance":false}"#
        );
    }

    #[test]
    fn services_scope_needs_services() {
        let preferences = Preferences {
            scope: Scope::Services,
            ..Preferences::default()
        };
        let error = preferences.validate().unwrap_err();
        assert_eq!(error.field(), "preferences.services");
        assert!(error
            .to_string()
            .starts_with("preferences.services is empty"));
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(Preferences::default().validate(), Ok(()));
        let with_services = Preferences {
            scope: Scope::Services,
            services: vec![1],
            ..Preferences::default()
        };
        assert_eq!(with_services.validate(), Ok(()));
    }
}
