//! A checkbox per service, for the subscriber's choice of services and
//! the services an incident or maintenance window affects.

use leptos::prelude::*;

use crate::model::ServiceView;

/// Shows one labelled checkbox per service. `chosen` contains the ids of
/// the ticked ones.
#[component]
pub fn ServiceCheckboxes(
    services: Vec<ServiceView>,
    chosen: RwSignal<Vec<i64>>,
    test: &'static str,
) -> impl IntoView {
    services
        .into_iter()
        .map(|service| {
            let id = service.id;
            view! {
                <label class="checkbox">
                    <input
                        type="checkbox"
                        data-test=test
                        value=id.to_string()
                        checked=move || chosen.read().contains(&id)
                        prop:checked=move || chosen.read().contains(&id)
                        on:change=move |event| {
                            let on = event_target_checked(&event);
                            chosen.update(|ids| {
                                ids.retain(|other| *other != id);
                                if on {
                                    ids.push(id);
                                }
                            });
                        }
                    />
                    <span>{service.name}</span>
                </label>
            }
        })
        .collect_view()
}
