//! Phone number checks for the widget as the visitor types, with the rules
//! the sign-up applies (`kodo_domain::phone`), run by server functions.
//!
//! NOTE: the rules are not compiled into the browser's WASM. Behind
//! `#[lazy]` functions, `cargo leptos build --release --split` (cargo-leptos
//! 0.3.10, wasm_split_cli_support 0.2.3) moved their code to a chunk but
//! left libphonenumber's metadata, a 1.4 MB data segment, in the main
//! `kodo.wasm`, which grew from 352 KB to 720 KB gzipped.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// The outcome of checking a typed number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhoneCheck {
    /// A number that can subscribe.
    Valid {
        /// The number in libphonenumber's INTERNATIONAL format, such as
        /// `+44 7911 123456`.
        international: String,
        /// ISO 3166-1 alpha-2 region, if the number has one.
        region: Option<String>,
    },
    /// A number the server would reject.
    Invalid {
        /// The kind of problem: a `PhoneError::code` value or
        /// `country_not_allowed`.
        problem: String,
        /// The message the server would return.
        message: String,
    },
}

/// A typed number and the page's allowed countries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneCheckRequest {
    pub text: String,
    /// ISO 3166-1 alpha-2 codes, or `None` when every country may subscribe.
    pub allowed: Option<Vec<String>>,
}

/// A region of the country picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallingCode {
    /// ISO 3166-1 alpha-2 code, such as `GB`.
    pub region: String,
    /// Country calling code, such as 44.
    pub code: u16,
}

/// Checks a typed number as the sign-up does on the server.
#[cfg(feature = "ssr")]
pub fn check(request: &PhoneCheckRequest) -> PhoneCheck {
    use kodo_domain::phone::PhoneNumber;

    let phone = match PhoneNumber::parse(&request.text) {
        Ok(phone) => phone,
        Err(error) => {
            return PhoneCheck::Invalid {
                problem: error.code().to_owned(),
                message: error.to_string(),
            }
        }
    };
    if let Some(allowed) = &request.allowed {
        if let Err(error) = phone.ensure_country_allowed(allowed) {
            return PhoneCheck::Invalid {
                problem: "country_not_allowed".to_owned(),
                message: error.to_string(),
            };
        }
    }
    PhoneCheck::Valid {
        international: phone.international(),
        region: phone.region(),
    }
}

/// Lists the regions with their calling codes, only the allowed ones when
/// a list is given.
#[cfg(feature = "ssr")]
pub fn list_calling_codes(allowed: Option<&[String]>) -> Vec<CallingCode> {
    kodo_domain::phone::country_calling_codes()
        .into_iter()
        .filter(|(region, _)| allowed.is_none_or(|allowed| allowed.contains(region)))
        .map(|(region, code)| CallingCode { region, code })
        .collect()
}

/// Checks a typed number for the phone field. The sign-up checks the
/// number again, with the page's own list of allowed countries.
#[server(input = Json, endpoint = "check_phone")]
pub async fn check_phone(request: PhoneCheckRequest) -> Result<PhoneCheck, AppError> {
    Ok(check(&request))
}

/// Lists the regions and calling codes for the country picker.
#[server(input = Json, endpoint = "calling_codes")]
pub async fn calling_codes(allowed: Option<Vec<String>>) -> Result<Vec<CallingCode>, AppError> {
    Ok(list_calling_codes(allowed.as_deref()))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn request(text: &str, allowed: Option<&[&str]>) -> PhoneCheckRequest {
        PhoneCheckRequest {
            text: text.to_owned(),
            allowed: allowed.map(|codes| codes.iter().map(|code| (*code).to_owned()).collect()),
        }
    }

    fn problem(check: PhoneCheck) -> String {
        match check {
            PhoneCheck::Invalid { problem, .. } => problem,
            PhoneCheck::Valid { international, .. } => panic!("{international} passed"),
        }
    }

    #[test]
    fn valid_number_in_international_format() {
        assert_eq!(
            check(&request("+44 07400 123456", None)),
            PhoneCheck::Valid {
                international: "+44 7400 123456".to_owned(),
                region: Some("GB".to_owned()),
            }
        );
    }

    #[test]
    fn problems_are_named() {
        assert_eq!(problem(check(&request("07911 123456", None))), "missing_country_code");
        assert_eq!(problem(check(&request("+1 201 555 0123 ext. 4", None))), "extension");
        assert_eq!(problem(check(&request("+1 201 555", None))), "invalid");
        assert_eq!(problem(check(&request("+44 20 7946 0958", None))), "not_mobile");
    }

    #[test]
    fn unlisted_country_rejected() {
        let check = check(&request("+44 7911 123456", Some(&["US"])));
        assert_eq!(problem(check), "country_not_allowed");
    }

    #[test]
    fn calling_codes_follow_allowed_list() {
        let allowed = ["GB".to_owned(), "US".to_owned()];
        let codes = list_calling_codes(Some(&allowed));
        assert_eq!(
            codes,
            vec![
                CallingCode { region: "GB".to_owned(), code: 44 },
                CallingCode { region: "US".to_owned(), code: 1 },
            ]
        );
        assert!(list_calling_codes(None).len() > 200);
    }
}
