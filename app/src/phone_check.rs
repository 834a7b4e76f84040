//! Phone number checks for the widget as the visitor types, with the rules
//! the sign-up applies (`kodo_domain::phone`).
//!
//! The phone field runs [`kodo_domain::phone::check`] in the browser, in a
//! WASM module of its own (crate `kodo-phone-wasm`, built by
//! `scripts/build-phone-wasm` into `pkg/phone/`) that the page imports on the
//! first keystroke. The [`check_phone`] server function runs the same check
//! for a page that fails to load that module.
//!
//! NOTE: the rules are not compiled into the main `kodo.wasm`. Behind
//! `#[lazy]` functions, `cargo leptos build --release --split` (cargo-leptos
//! 0.3.10, wasm_split_cli_support 0.2.3) moved their code to a chunk but
//! left libphonenumber's metadata, a 1.4 MB data segment, in the main
//! `kodo.wasm`, which grew from 352 KB to 720 KB gzipped. A separate module
//! keeps that data out of the first page load.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

pub use kodo_domain::phone::{PhoneCheck, PhoneCheckRequest};

use crate::AppError;

/// A region of the country picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallingCode {
    /// ISO 3166-1 alpha-2 code, such as `GB`.
    pub region: String,
    /// Country calling code, such as 44.
    pub code: u16,
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
    Ok(kodo_domain::phone::check(&request))
}

/// Lists the regions and calling codes for the country picker.
#[server(input = Json, endpoint = "calling_codes")]
pub async fn calling_codes(allowed: Option<Vec<String>>) -> Result<Vec<CallingCode>, AppError> {
    Ok(list_calling_codes(allowed.as_deref()))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

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
