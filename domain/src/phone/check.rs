//! The check that the phone field runs as the visitor types. The server's
//! `check_phone` function and the browser's phone module (crate
//! `kodo-phone-wasm`) both call [`check`], and both send its result as JSON,
//! so the field gets the same outcome from either.

use serde::{Deserialize, Serialize};

use super::PhoneNumber;

/// The problem code of a valid number whose country is not in the page's
/// list of allowed countries.
pub const COUNTRY_NOT_ALLOWED: &str = "country_not_allowed";

/// A typed number and the page's allowed countries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneCheckRequest {
    /// The text in the phone field, as typed.
    pub text: String,
    /// ISO 3166-1 alpha-2 codes, or `None` when every country may subscribe.
    pub allowed: Option<Vec<String>>,
}

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
        /// The kind of problem: a [`PhoneError::code`](super::PhoneError::code)
        /// value or [`COUNTRY_NOT_ALLOWED`].
        problem: String,
        /// The message the server would return.
        message: String,
    },
}

/// Checks a typed number as the sign-up does: [`PhoneNumber::parse`], then
/// [`PhoneNumber::ensure_country_allowed`] when the request lists countries.
pub fn check(request: &PhoneCheckRequest) -> PhoneCheck {
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
                problem: COUNTRY_NOT_ALLOWED.to_owned(),
                message: error.to_string(),
            };
        }
    }
    PhoneCheck::Valid {
        international: phone.international(),
        region: phone.region(),
    }
}

#[cfg(test)]
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
        assert_eq!(
            problem(check(&request("07911 123456", None))),
            "missing_country_code"
        );
        assert_eq!(
            problem(check(&request("+1 201 555 0123 ext. 4", None))),
            "extension"
        );
        assert_eq!(problem(check(&request("+1 201 555", None))), "invalid");
        assert_eq!(
            problem(check(&request("+44 20 7946 0958", None))),
            "not_mobile"
        );
        assert_eq!(problem(check(&request("", None))), "empty");
    }

    #[test]
    fn problem_message_is_parse_error() {
        let expected = PhoneNumber::parse("+1 201 555").unwrap_err().to_string();
        let PhoneCheck::Invalid { message, .. } = check(&request("+1 201 555", None)) else {
            panic!("+1 201 555 passed");
        };
        assert_eq!(message, expected);
    }

    #[test]
    fn unlisted_country_rejected() {
        let check = check(&request("+44 7400 123456", Some(&["US"])));
        assert_eq!(
            check,
            PhoneCheck::Invalid {
                problem: COUNTRY_NOT_ALLOWED.to_owned(),
                message:
                    "Numbers from GB cannot subscribe to this page; it accepts numbers from US."
                        .to_owned(),
            }
        );
    }

    #[test]
    fn listed_country_passes() {
        let check = check(&request("+1 415 555 2671", Some(&["US", "CA"])));
        assert!(matches!(check, PhoneCheck::Valid { .. }), "{check:?}");
    }

    #[test]
    fn empty_list_rejects_every_country() {
        let check = check(&request("+1 415 555 2671", Some(&[])));
        assert_eq!(problem(check), COUNTRY_NOT_ALLOWED);
    }

    #[test]
    fn parse_problem_before_country() {
        // A number that is not valid reports that, not its country.
        assert_eq!(
            problem(check(&request("+44 20 7946 0958", Some(&["US"])))),
            "not_mobile"
        );
    }

    #[test]
    fn json_shape_is_stable() {
        let valid = serde_json::to_value(check(&request("+44 7400 123456", None))).unwrap();
        assert_eq!(
            valid,
            serde_json::json!({"Valid": {"international": "+44 7400 123456", "region": "GB"}})
        );
        let invalid = serde_json::to_value(check(&request("+1 201 555", None))).unwrap();
        assert_eq!(invalid["Invalid"]["problem"], "invalid");
        assert!(invalid["Invalid"]["message"].is_string(), "{invalid}");

        let request: PhoneCheckRequest =
            serde_json::from_str(r#"{"text": "+1 415 555 2671", "allowed": null}"#).unwrap();
        assert_eq!(request.allowed, None);
    }
}
