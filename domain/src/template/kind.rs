use serde::{Deserialize, Serialize};

use super::variable::{Values, Variable};

/// Variables every incident and maintenance template may use.
const EVENT_VARIABLES: [Variable; 7] = [
    Variable::Title,
    Variable::Severity,
    Variable::Status,
    Variable::Message,
    Variable::Service,
    Variable::Url,
    Variable::Page,
];

/// Maintenance has no severity, so `{{severity}}` is not offered.
const MAINTENANCE_VARIABLES: [Variable; 8] = [
    Variable::Title,
    Variable::Status,
    Variable::Message,
    Variable::Service,
    Variable::Url,
    Variable::Page,
    Variable::StartsAt,
    Variable::EndsAt,
];

const VERIFICATION_VARIABLES: [Variable; 3] = [Variable::Page, Variable::Url, Variable::Code];

const PAGE_VARIABLES: [Variable; 2] = [Variable::Page, Variable::Url];

/// The incident id in example links.
const EXAMPLE_INCIDENT_ID: i64 = 10_000;

/// Returns the link to an incident's page on the status page at
/// `public_url`.
pub fn incident_url(public_url: &str, incident_id: i64) -> String {
    format!("{public_url}/incidents/{incident_id}")
}

/// The messages Kodo sends, each with its own template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateKind {
    /// The code that proves the subscriber owns the number.
    Verification,
    /// Sent once the number is verified.
    Confirmation,
    /// Sent to a subscriber an admin or API client added, in place of the
    /// confirmation.
    Welcome,
    /// The reply to HELP.
    Help,
    IncidentCreated,
    IncidentUpdated,
    IncidentResolved,
    MaintenanceScheduled,
    /// Sent to subscribers already notified of a window when its time or title changes.
    MaintenanceUpdated,
    MaintenanceStarted,
    /// Sent to subscribers already notified of a window when it is canceled.
    MaintenanceCanceled,
}

impl TemplateKind {
    pub const ALL: [TemplateKind; 11] = [
        TemplateKind::Verification,
        TemplateKind::Confirmation,
        TemplateKind::Welcome,
        TemplateKind::Help,
        TemplateKind::IncidentCreated,
        TemplateKind::IncidentUpdated,
        TemplateKind::IncidentResolved,
        TemplateKind::MaintenanceScheduled,
        TemplateKind::MaintenanceUpdated,
        TemplateKind::MaintenanceStarted,
        TemplateKind::MaintenanceCanceled,
    ];

    /// Returns the name used in storage and APIs, such as
    /// `incident_created`.
    pub fn name(self) -> &'static str {
        match self {
            TemplateKind::Verification => "verification",
            TemplateKind::Confirmation => "confirmation",
            TemplateKind::Welcome => "welcome",
            TemplateKind::Help => "help",
            TemplateKind::IncidentCreated => "incident_created",
            TemplateKind::IncidentUpdated => "incident_updated",
            TemplateKind::IncidentResolved => "incident_resolved",
            TemplateKind::MaintenanceScheduled => "maintenance_scheduled",
            TemplateKind::MaintenanceUpdated => "maintenance_updated",
            TemplateKind::MaintenanceStarted => "maintenance_started",
            TemplateKind::MaintenanceCanceled => "maintenance_canceled",
        }
    }

    /// Returns the kind with this exact name.
    pub fn from_name(name: &str) -> Option<TemplateKind> {
        TemplateKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
    }

    /// Returns the template text used until a page owner writes their own.
    ///
    /// Every default is GSM-7 text that fits one segment with
    /// [`example_values`](Self::example_values). The confirmation and help
    /// texts carry the disclosures that US 10DLC campaign reviews check for:
    /// the sender's name, the message frequency, "Msg & data rates may
    /// apply", and the HELP and STOP keywords.
    pub fn default_source(self) -> &'static str {
        match self {
            TemplateKind::Verification => {
                "Your {{page}} verification code is {{code}}. It expires in 10 minutes."
            }
            TemplateKind::Confirmation => {
                "{{page}}: you're subscribed to status alerts by SMS. Msg frequency varies. Msg & data rates may apply. Reply HELP for help, STOP to cancel."
            }
            TemplateKind::Welcome => {
                "{{page}}: the {{page}} team subscribed this number to status alerts. Msg frequency varies. Msg & data rates may apply. Reply HELP for help, STOP to cancel."
            }
            TemplateKind::Help => {
                "{{page}} status alerts: {{url}} Msg frequency varies. Msg & data rates may apply. Reply STOP to cancel."
            }
            TemplateKind::IncidentCreated => {
                "[{{page}}] {{severity}} incident: {{title}}. {{message}} {{url}}"
            }
            TemplateKind::IncidentUpdated => "[{{page}}] {{status}}: {{title}}. {{message}} {{url}}",
            TemplateKind::IncidentResolved => "[{{page}}] Resolved: {{title}}. {{message}} {{url}}",
            TemplateKind::MaintenanceScheduled => {
                "[{{page}}] Maintenance {{starts_at}} to {{ends_at}}: {{title}}. {{message}} {{url}}"
            }
            TemplateKind::MaintenanceUpdated => {
                "[{{page}}] Maintenance rescheduled, now {{starts_at}} to {{ends_at}}: {{title}}. {{message}} {{url}}"
            }
            TemplateKind::MaintenanceStarted => {
                "[{{page}}] Maintenance started, until {{ends_at}}: {{title}}. {{message}} {{url}}"
            }
            TemplateKind::MaintenanceCanceled => {
                "[{{page}}] Canceled: maintenance {{title}} planned for {{starts_at}} will not happen. {{url}}"
            }
        }
    }

    /// Returns the variables a template of this kind may use.
    ///
    /// Incident templates may use the incident's title, severity, status,
    /// message and services, the URL and the page name. Maintenance
    /// templates may use the same but the severity, and the window's start
    /// and end. The
    /// verification template may use the page name, the URL and the code.
    /// The confirmation and help templates, which concern no incident, may
    /// use the page name and the URL.
    pub fn allowed_variables(self) -> &'static [Variable] {
        match self {
            TemplateKind::Verification => &VERIFICATION_VARIABLES,
            TemplateKind::Confirmation | TemplateKind::Welcome | TemplateKind::Help => &PAGE_VARIABLES,
            TemplateKind::IncidentCreated
            | TemplateKind::IncidentUpdated
            | TemplateKind::IncidentResolved => &EVENT_VARIABLES,
            TemplateKind::MaintenanceScheduled
            | TemplateKind::MaintenanceUpdated
            | TemplateKind::MaintenanceStarted
            | TemplateKind::MaintenanceCanceled => &MAINTENANCE_VARIABLES,
        }
    }

    /// Returns the variables a template of this kind must contain: the code
    /// for the verification template, none for the others.
    pub fn required_variables(self) -> &'static [Variable] {
        match self {
            TemplateKind::Verification => &[Variable::Code],
            _ => &[],
        }
    }

    /// Returns the `{{url}}` of a message of this kind on the page at
    /// `public_url`: an incident's page, with a five-digit example id as a
    /// busy page reaches, or the page itself. Previews use it so that they
    /// count the real link's length.
    pub fn example_url(self, public_url: &str) -> String {
        match self {
            TemplateKind::IncidentCreated | TemplateKind::IncidentUpdated | TemplateKind::IncidentResolved => {
                incident_url(public_url, EXAMPLE_INCIDENT_ID)
            }
            _ => public_url.to_owned(),
        }
    }

    /// Returns realistic values for previews of this kind's templates, such
    /// as a segment count in a template editor.
    pub fn example_values(self) -> Values {
        let mut values = Values::new()
            .with(Variable::Page, "Acme")
            .with(Variable::Url, "https://status.acme.com/i/42");
        match self {
            TemplateKind::Verification => {
                values.set(Variable::Code, "482913");
            }
            TemplateKind::Confirmation | TemplateKind::Welcome | TemplateKind::Help => {}
            TemplateKind::IncidentCreated
            | TemplateKind::IncidentUpdated
            | TemplateKind::IncidentResolved => {
                values = values
                    .with(Variable::Title, "API errors")
                    .with(Variable::Severity, "Major")
                    .with(Variable::Status, "Investigating")
                    .with(Variable::Service, "API, Dashboard")
                    .with(
                        Variable::Message,
                        "We are looking into elevated error rates.",
                    );
            }
            TemplateKind::MaintenanceScheduled
            | TemplateKind::MaintenanceUpdated
            | TemplateKind::MaintenanceStarted
            | TemplateKind::MaintenanceCanceled => {
                values = values
                    .with(Variable::Title, "Database upgrade")
                    .with(Variable::Status, "Scheduled")
                    .with(Variable::Service, "API")
                    .with(Variable::StartsAt, "Jun 3 22:00 UTC")
                    .with(Variable::EndsAt, "Jun 4 02:00 UTC")
                    .with(Variable::Message, "The API may be read-only.");
            }
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in TemplateKind::ALL {
            assert_eq!(TemplateKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(TemplateKind::from_name("incident"), None);
    }

    #[test]
    fn required_variables_are_allowed() {
        for kind in TemplateKind::ALL {
            for variable in kind.required_variables() {
                assert!(
                    kind.allowed_variables().contains(variable),
                    "{} requires {}",
                    kind.name(),
                    variable.name()
                );
            }
        }
    }
}
