//! The phone number input with a country picker and a check as the visitor
//! types. The check runs in the phone module that the page imports on the
//! first keystroke ([`crate::phone_module`]), and the picker's list comes
//! from the `calling_codes` server function, so the main bundle carries no
//! phone metadata.

use leptos::prelude::*;

use crate::phone_check::{calling_codes, CallingCode, PhoneCheck, PhoneCheckRequest};
use crate::phone_module::check_number;

/// A picker option: a region, its calling code and its name.
#[derive(Debug, Clone, PartialEq)]
struct CountryOption {
    region: String,
    code: u16,
    name: String,
}

/// A phone number input with a country picker that fills in the calling
/// code, and a line under it that shows the number in international format
/// or names its problem. `check` contains the last result, so the form can
/// stop a submit that the server would reject.
#[component]
pub fn PhoneField(
    id: &'static str,
    test: &'static str,
    phone: RwSignal<String>,
    check: RwSignal<Option<PhoneCheck>>,
    /// ISO 3166-1 alpha-2 codes, or `None` when every country may subscribe.
    allowed: Option<Vec<String>>,
) -> impl IntoView {
    let countries = RwSignal::new(Vec::<CountryOption>::new());
    let selected = RwSignal::new(String::new());
    let loading = StoredValue::new(false);
    let allowed = StoredValue::new(allowed);
    let picker_id = format!("{id}-country");
    let check_id = format!("{id}-check");

    let load_countries = move || {
        if loading.get_value() {
            return;
        }
        loading.set_value(true);
        leptos::task::spawn_local(async move {
            match calling_codes(allowed.get_value()).await {
                Ok(codes) => countries.set(named_options(codes)),
                // Without the list the field still takes a typed number.
                Err(_) => loading.set_value(false),
            }
        });
    };

    let run_check = move |text: String| {
        // A calling code alone, as the picker leaves it, is not yet an error.
        if text.trim().is_empty() || is_calling_code_only(&text) {
            check.set(None);
            return;
        }
        let request = PhoneCheckRequest {
            text: text.clone(),
            allowed: allowed.get_value(),
        };
        leptos::task::spawn_local(async move {
            // Without a check the server still validates on submit.
            let Some(result) = check_number(request).await else {
                return;
            };
            // A slower check of older text must not overwrite a newer one.
            if phone.get_untracked() != text {
                return;
            }
            if let PhoneCheck::Valid { region: Some(region), .. } = &result {
                if countries.with_untracked(|list| list.iter().any(|option| &option.region == region)) {
                    selected.set(region.clone());
                }
            }
            check.set(Some(result));
        });
    };

    let pick = move |event: leptos::ev::Event| {
        let region = event_target_value(&event);
        let previous = countries.with_untracked(|list| code_of(list, &selected.get_untracked()));
        let Some(code) = countries.with_untracked(|list| code_of(list, &region)) else {
            selected.set(String::new());
            return;
        };
        selected.set(region);
        let text = with_calling_code(&phone.get_untracked(), code, previous);
        phone.set(text.clone());
        run_check(text);
    };

    let problem = move || match check.get() {
        Some(PhoneCheck::Invalid { problem, .. }) => problem,
        _ => String::new(),
    };

    view! {
        <div class="phone-field" on:focusin=move |_| load_countries() on:pointerover=move |_| load_countries()>
            <label for=picker_id.clone()>"Country"</label>
            // `prop:value` follows the signal after the visitor has picked an
            // option, which the options' `selected` attributes would not.
            <select id=picker_id data-test="phone-country" prop:value=move || selected.get() on:change=pick>
                <option value="">
                    {move || if countries.read().is_empty() { "Loading countries…" } else { "Choose a country" }}
                </option>
                <For each=move || countries.get() key=|option| option.region.clone() let:option>
                    <option value=option.region.clone()>{format!("{} (+{})", option.name, option.code)}</option>
                </For>
            </select>
            <label for=id>"Mobile number, with country code"</label>
            <input
                id=id
                type="tel"
                autocomplete="tel"
                inputmode="tel"
                placeholder="+1 415 555 2671"
                data-test=test
                aria-describedby=check_id.clone()
                aria-invalid=move || (!problem().is_empty()).to_string()
                prop:value=phone
                on:input=move |event| {
                    let text = event_target_value(&event);
                    phone.set(text.clone());
                    run_check(text);
                }
            />
            <p
                id=check_id
                class="phone-check"
                class:error=move || !problem().is_empty()
                data-test="phone-check"
                data-problem=problem
                aria-live="polite"
                hidden=move || check.read().is_none()
            >
                {move || match check.get() {
                    Some(PhoneCheck::Valid { international, .. }) => format!("We will text {international}."),
                    Some(PhoneCheck::Invalid { message, .. }) => message,
                    None => String::new(),
                }}
            </p>
        </div>
    }
}

/// Names each region in the browser's language and sorts by name.
fn named_options(codes: Vec<CallingCode>) -> Vec<CountryOption> {
    let name_of = crate::browser::region_namer();
    let mut options: Vec<CountryOption> = codes
        .into_iter()
        .map(|CallingCode { region, code }| CountryOption {
            name: name_of(&region).unwrap_or_else(|| region.clone()),
            region,
            code,
        })
        .collect();
    options.sort_by(|a, b| a.name.cmp(&b.name));
    options
}

fn code_of(options: &[CountryOption], region: &str) -> Option<u16> {
    options.iter().find(|option| option.region == region).map(|option| option.code)
}

/// Returns whether the text is a `+` with at most 3 digits, the length of
/// the longest calling code.
fn is_calling_code_only(text: &str) -> bool {
    text.trim()
        .strip_prefix('+')
        .is_some_and(|digits| digits.len() <= 3 && digits.chars().all(|c| c.is_ascii_digit()))
}

/// Puts `+code` in front of typed text. An empty field, or a lone `+` with
/// up to 3 digits, becomes `+code `. Text that starts with the previously
/// picked code gets the new code instead. Text without `+` or `00` is a
/// national number and gets the code in front. Any other international
/// number stays as typed.
fn with_calling_code(text: &str, code: u16, previous: Option<u16>) -> String {
    let trimmed = text.trim();
    let prefix = format!("+{code} ");
    let Some(international) = trimmed.strip_prefix('+') else {
        if trimmed.starts_with("00") {
            return text.to_owned();
        }
        return format!("{prefix}{trimmed}");
    };
    if is_calling_code_only(trimmed) {
        return prefix;
    }
    if let Some(rest) = previous.and_then(|old| international.strip_prefix(&old.to_string())) {
        return format!("{prefix}{}", rest.trim_start());
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::{is_calling_code_only, with_calling_code};

    #[test]
    fn empty_field_gets_code() {
        assert_eq!(with_calling_code("", 44, None), "+44 ");
        assert_eq!(with_calling_code("+", 44, None), "+44 ");
        assert_eq!(with_calling_code("+1", 44, Some(1)), "+44 ");
    }

    #[test]
    fn calling_code_alone_detected() {
        assert!(is_calling_code_only("+44 "));
        assert!(is_calling_code_only("+"));
        assert!(!is_calling_code_only("+44 7"));
        assert!(!is_calling_code_only("44"));
    }

    #[test]
    fn national_number_gets_code() {
        assert_eq!(with_calling_code("07911 123456", 44, None), "+44 07911 123456");
    }

    #[test]
    fn previous_code_replaced() {
        assert_eq!(with_calling_code("+1 7911 123456", 44, Some(1)), "+44 7911 123456");
    }

    #[test]
    fn other_international_number_kept() {
        assert_eq!(with_calling_code("+33 6 12 34 56 78", 44, Some(1)), "+33 6 12 34 56 78");
        assert_eq!(with_calling_code("0033 612345678", 44, None), "0033 612345678");
    }
}
