//! Admin: the countries whose numbers may subscribe.

use leptos::prelude::*;

use super::{action_error, ActionError};
use crate::AppError;

/// Returns the allowed ISO 3166-1 alpha-2 codes, or `None` for every
/// country.
#[server]
pub async fn load_allowed_countries() -> Result<Option<Vec<String>>, AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    Ok(kodo_core::settings::get(&kodo.pool).await?.allowed_countries)
}

/// Saves the allowed countries from a list of codes separated by commas or
/// spaces; an empty list allows every country.
#[server]
pub async fn save_allowed_countries(countries: String) -> Result<(), AppError> {
    let admin = super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let codes: Vec<String> = countries
        .split([',', ' ', '\n'])
        .filter(|code| !code.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let allowed = (!codes.is_empty()).then_some(codes);
    kodo_core::settings::update(
        &kodo,
        kodo_core::settings::SmsSettingsUpdate {
            allowed_countries: Some(allowed),
            ..Default::default()
        },
    )
    .await?;
    tracing::info!(admin.id = admin.id, "allowed countries saved");
    Ok(())
}

/// Shows the allowed countries in a form of their own, which works without
/// JavaScript.
#[component]
pub fn AllowedCountriesForm() -> impl IntoView {
    let save = ServerAction::<SaveAllowedCountries>::new();
    let current = Resource::new(move || save.version().get(), |_| load_allowed_countries());
    let saved = Signal::derive(move || matches!(save.value().get(), Some(Ok(()))));
    view! {
        <ActionForm action=save attr:class="form card" attr:data-test="allowed-countries-form">
            <h2>"Allowed countries"</h2>
            <label for="allowed-countries">"Countries whose numbers may subscribe"</label>
            <Transition fallback=|| view! { <input id="allowed-countries" name="countries" disabled /> }>
                {move || Suspend::new(async move {
                    let value = match current.await {
                        Ok(codes) => codes.map(|codes| codes.join(", ")).unwrap_or_default(),
                        Err(_) => String::new(),
                    };
                    view! {
                        <input
                            id="allowed-countries"
                            name="countries"
                            value=value
                            placeholder="US, CA, GB"
                            autocomplete="off"
                            data-test="allowed-countries"
                            aria-describedby="allowed-countries-hint"
                        />
                    }
                })}
            </Transition>
            <p id="allowed-countries-hint" class="muted">
                "Two-letter ISO 3166-1 codes separated by commas, such as US, CA, GB. "
                "Leave it empty to accept every country. The subscribe widget lists only these countries."
            </p>
            <ActionError error=action_error(save) test="allowed-countries-error" />
            <p class="success" role="status" data-test="allowed-countries-saved" hidden=move || !saved.get()>
                "Saved."
            </p>
            <button type="submit" class="button primary" data-test="allowed-countries-save">
                "Save allowed countries"
            </button>
        </ActionForm>
    }
}
