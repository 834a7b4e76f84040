//! The choice of what a subscriber hears about, shared by the subscribe
//! widget and the manage page.

use kodo_domain::preferences::{Preferences, Scope};
use leptos::prelude::*;

use crate::model::ServiceView;
use crate::service_checkboxes::ServiceCheckboxes;

/// The form state of a [`Preferences`] value, one signal per control.
#[derive(Debug, Clone, Copy)]
pub struct PreferenceFields {
    all_services: RwSignal<bool>,
    services: RwSignal<Vec<i64>>,
    critical_only: RwSignal<bool>,
    resolutions: RwSignal<bool>,
    maintenance: RwSignal<bool>,
}

impl PreferenceFields {
    pub fn new(preferences: &Preferences) -> Self {
        PreferenceFields {
            all_services: RwSignal::new(preferences.scope == Scope::All),
            services: RwSignal::new(preferences.services.clone()),
            critical_only: RwSignal::new(preferences.critical_only),
            resolutions: RwSignal::new(preferences.resolutions),
            maintenance: RwSignal::new(preferences.maintenance),
        }
    }

    /// Returns the chosen preferences, without tracking the signals.
    pub fn value(&self) -> Preferences {
        let all = self.all_services.get_untracked();
        Preferences {
            scope: if all { Scope::All } else { Scope::Services },
            services: if all { Vec::new() } else { self.services.get_untracked() },
            critical_only: self.critical_only.get_untracked(),
            resolutions: self.resolutions.get_untracked(),
            maintenance: self.maintenance.get_untracked(),
        }
    }
}

/// Checkboxes for the services, all incidents or chosen services, and the
/// kinds of message a subscriber wants.
#[component]
pub fn PreferencesPicker(services: Vec<ServiceView>, fields: PreferenceFields) -> impl IntoView {
    let all_services = fields.all_services;
    view! {
        <fieldset class="preferences">
            <legend>"What to hear about"</legend>
            <Toggle label="All incidents" signal=all_services test="pref-all" />
            <Show when=move || !all_services.get()>
                <div class="service-picker" role="group" aria-label="Services">
                    <ServiceCheckboxes services=services.clone() chosen=fields.services test="pref-service" />
                </div>
            </Show>
            <Toggle label="Critical incidents only" signal=fields.critical_only test="pref-critical" />
            <Toggle label="When an incident is resolved" signal=fields.resolutions test="pref-resolutions" />
            <Toggle label="Scheduled maintenance" signal=fields.maintenance test="pref-maintenance" />
        </fieldset>
    }
}

#[component]
fn Toggle(label: &'static str, signal: RwSignal<bool>, test: &'static str) -> impl IntoView {
    view! {
        <label class="checkbox">
            <input
                type="checkbox"
                data-test=test
                // The attribute shows the state in the server's markup, the
                // property keeps it in the browser.
                checked=signal
                prop:checked=signal
                on:change=move |event| signal.set(event_target_checked(&event))
            />
            <span>{label}</span>
        </label>
    }
}
