//! The data the pages show, shared by the server and the browser. On the
//! server each is built from the core's record of the same name.

use kodo_domain::incident::{IncidentStatus, Severity};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceView {
    pub id: i64,
    pub name: String,
    /// `operational`, `degraded`, `partial_outage` or `major_outage`.
    pub status: String,
}

impl ServiceView {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "degraded" => "Degraded performance",
            "partial_outage" => "Partial outage",
            "major_outage" => "Major outage",
            _ => "Operational",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentView {
    pub id: i64,
    pub title: String,
    pub severity: Severity,
    pub status: IncidentStatus,
    pub services: Vec<String>,
    pub updates: Vec<UpdateView>,
    /// When it was opened, formatted for display.
    pub created_at: String,
    pub resolved_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateView {
    pub status: IncidentStatus,
    pub message: String,
    /// Formatted for display, in UTC.
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriberView {
    pub id: i64,
    pub phone: String,
    pub status: String,
    pub preferences: kodo_domain::preferences::Preferences,
    /// Formatted for display, in UTC.
    pub created_at: String,
}

/// A sign-up waiting for its code, formatted for the admin dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingSignupView {
    pub phone: String,
    pub preferences: kodo_domain::preferences::Preferences,
    /// `web` or `api`.
    pub method: String,
    pub attempts: i32,
    /// Formatted for display, in UTC.
    pub created_at: String,
    /// When the code stops working, formatted for display, in UTC.
    pub expires_at: String,
}

/// One record of the consent log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentView {
    /// `opt_in` or `opt_out`.
    pub action: String,
    /// `web`, `admin`, `api`, `sms_keyword` or `carrier`.
    pub method: String,
    /// The consent text agreed to, or a note on how the change arrived.
    pub consent_text: Option<String>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The admin's email or the API token's name that acted, if any.
    pub actor: Option<String>,
    /// Formatted for display, in UTC.
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: i64,
    pub to: String,
    pub kind: String,
    pub body: String,
    pub status: String,
    pub channel: Option<String>,
    pub twilio_sid: Option<String>,
    pub error_code: Option<i32>,
    pub error_message: Option<String>,
    /// Formatted for display, in UTC.
    pub created_at: String,
}

/// Formats a time for display, in UTC. Times reach the browser formatted,
/// so the WASM bundle carries no date library.
#[cfg(feature = "ssr")]
pub fn format_time(time: &chrono::DateTime<chrono::Utc>) -> String {
    time.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(feature = "ssr")]
mod from_core {
    use super::*;

    impl From<kodo_core::services::Service> for ServiceView {
        fn from(service: kodo_core::services::Service) -> Self {
            ServiceView {
                id: service.id,
                name: service.name,
                status: service.status,
            }
        }
    }

    impl From<kodo_core::incidents::Incident> for IncidentView {
        fn from(incident: kodo_core::incidents::Incident) -> Self {
            IncidentView {
                id: incident.id,
                title: incident.title,
                severity: incident.severity,
                status: incident.status,
                services: incident.services.into_iter().map(|service| service.name).collect(),
                updates: incident
                    .updates
                    .into_iter()
                    .map(|update| UpdateView {
                        status: update.status,
                        message: update.message,
                        created_at: format_time(&update.created_at),
                    })
                    .collect(),
                created_at: format_time(&incident.created_at),
                resolved_at: incident.resolved_at.as_ref().map(format_time),
            }
        }
    }

    impl From<kodo_core::subscribers::Subscriber> for SubscriberView {
        fn from(subscriber: kodo_core::subscribers::Subscriber) -> Self {
            SubscriberView {
                id: subscriber.id,
                phone: subscriber.phone,
                status: subscriber.status,
                preferences: subscriber.preferences,
                created_at: format_time(&subscriber.created_at),
            }
        }
    }

    impl From<kodo_core::subscribers::PendingSignup> for PendingSignupView {
        fn from(signup: kodo_core::subscribers::PendingSignup) -> Self {
            PendingSignupView {
                phone: signup.phone,
                preferences: signup.preferences,
                method: signup.method,
                attempts: signup.attempts,
                created_at: format_time(&signup.created_at),
                expires_at: format_time(&signup.expires_at),
            }
        }
    }

    impl From<kodo_core::consent::Event> for ConsentView {
        fn from(event: kodo_core::consent::Event) -> Self {
            ConsentView {
                action: event.action,
                method: event.method,
                consent_text: event.consent_text,
                client_ip: event.client_ip,
                user_agent: event.user_agent,
                actor: event.actor,
                created_at: format_time(&event.created_at),
            }
        }
    }

    impl From<kodo_core::messages::Message> for MessageView {
        fn from(message: kodo_core::messages::Message) -> Self {
            MessageView {
                id: message.id,
                to: message.to,
                kind: message.kind,
                body: message.body,
                status: message.status,
                channel: message.channel,
                twilio_sid: message.twilio_sid,
                error_code: message.error_code,
                error_message: message.error_message,
                created_at: format_time(&message.created_at),
            }
        }
    }
}
