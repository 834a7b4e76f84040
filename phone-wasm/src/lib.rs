//! The phone field's number check, built as a WASM module of its own.
//!
//! libphonenumber's metadata is a data segment of about 1.4 MB, and the
//! main bundle (`kodo.wasm`) would carry all of it even with the check
//! behind a lazy split, so the page imports this module on the visitor's
//! first keystroke instead. `scripts/build-phone-wasm` builds it into the
//! site's `pkg/phone/`.

use kodo_domain::phone::{check, PhoneCheckRequest};
use wasm_bindgen::prelude::{wasm_bindgen, JsError};

/// Checks a typed number with the rules the server's sign-up applies.
///
/// Takes a `PhoneCheckRequest` as JSON (`{"text": "+44 7911 123456",
/// "allowed": ["GB"]}`, with `allowed` null for every country) and returns
/// the `PhoneCheck` as JSON, the same body the `check_phone` server function
/// returns. Throws an `Error` when the request is not such JSON.
#[wasm_bindgen(js_name = checkPhone)]
pub fn check_phone(request: &str) -> Result<String, JsError> {
    let request: PhoneCheckRequest = serde_json::from_str(request).map_err(|error| {
        JsError::new(&format!(
            "invalid phone check request, expected JSON with \"text\" and \"allowed\": {error}"
        ))
    })?;
    Ok(serde_json::to_string(&check(&request))?)
}

#[cfg(test)]
mod tests {
    use kodo_domain::phone::PhoneCheck;

    use super::*;

    fn checked(request: &str) -> PhoneCheck {
        let Ok(json) = check_phone(request) else {
            panic!("{request} was rejected");
        };
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn valid_number_formatted() {
        assert_eq!(
            check_phone(r#"{"text": "+33612345678", "allowed": null}"#)
                .ok()
                .as_deref(),
            Some(r#"{"Valid":{"international":"+33 6 12 34 56 78","region":"FR"}}"#)
        );
    }

    #[test]
    fn same_outcome_as_domain_check() {
        let cases = [
            (
                r#"{"text": "2015550123", "allowed": null}"#,
                "2015550123",
                None,
            ),
            (
                r#"{"text": "+1 201 555", "allowed": null}"#,
                "+1 201 555",
                None,
            ),
            (
                r#"{"text": "+44 20 7946 0958", "allowed": null}"#,
                "+44 20 7946 0958",
                None,
            ),
            (
                r#"{"text": "+44 7400 123456", "allowed": ["US", "CA"]}"#,
                "+44 7400 123456",
                Some(vec!["US".to_owned(), "CA".to_owned()]),
            ),
        ];
        for (json, text, allowed) in cases {
            let expected = check(&PhoneCheckRequest {
                text: text.to_owned(),
                allowed,
            });
            assert_eq!(checked(json), expected, "{json}");
        }
    }
}
