//! Runs the phone field's check in the browser, in the phone module (crate
//! `kodo-phone-wasm`, built by `scripts/build-phone-wasm` into
//! `pkg/phone/`). The page imports that module on the first check (the
//! first keystroke, or a country pick with a number in the field) and never
//! before, so a first page load fetches no phone metadata. When the module
//! fails to load or to run, the check goes to the `check_phone` server
//! function instead.

use crate::phone_check::{check_phone, PhoneCheck, PhoneCheckRequest};

/// Checks a typed number in the phone module, or on the server when the
/// module is not available. Returns `None` when both fail. The sign-up
/// checks the number again on submit in any case.
///
/// NOTE: checks that start while the module downloads (about 544 KB
/// gzipped) wait for it, so on a slow connection the field shows no result
/// until the download ends.
pub async fn check_number(request: PhoneCheckRequest) -> Option<PhoneCheck> {
    #[cfg(feature = "hydrate")]
    if let Some(check) = browser::check(&request).await {
        return Some(check);
    }
    check_phone(request).await.ok()
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::prelude::wasm_bindgen;
    use wasm_bindgen_futures::JsFuture;

    use super::{PhoneCheck, PhoneCheckRequest};

    /// URL of the module's JavaScript, which `scripts/build-phone-wasm`
    /// writes under the site's `pkg` folder (`site-pkg-dir` in Cargo.toml).
    const MODULE_URL: &str = "/pkg/phone/kodo_phone.js";

    // The module is imported and initialised once, on the first call, and
    // every later call reuses it. After a failure to load it, or an
    // exception from a check (such as a panic), it stays unused for the rest
    // of the page's life, so each check rejects at once and the caller asks
    // the server. Each failure is logged once to the console.
    #[wasm_bindgen(inline_js = r#"
let phoneModule;

function stopUsing(url, error) {
  console.warn(`The phone module ${url} failed to load or run. The phone field checks numbers on the server instead.`, error);
  phoneModule = Promise.reject(error);
  phoneModule.catch(() => {});
}

export function checkPhoneInModule(url, request) {
  if (phoneModule === undefined) {
    phoneModule = import(url).then(async (module) => {
      await module.default();
      return module;
    });
    phoneModule.catch((error) => stopUsing(url, error));
  }
  return phoneModule.then((module) => {
    try {
      return module.checkPhone(request);
    } catch (error) {
      stopUsing(url, error);
      throw error;
    }
  });
}
"#)]
    extern "C" {
        /// Returns a promise of the module's `checkPhone(request)`: the
        /// `PhoneCheck` JSON for the `PhoneCheckRequest` JSON `request`.
        #[wasm_bindgen(js_name = checkPhoneInModule)]
        fn check_phone_in_module(url: &str, request: &str) -> js_sys::Promise;
    }

    /// Checks a typed number in the phone module, or returns `None` when the
    /// module failed to load or to run, or returned JSON of another shape.
    pub async fn check(request: &PhoneCheckRequest) -> Option<PhoneCheck> {
        let request = serde_json::to_string(request).ok()?;
        let outcome = JsFuture::from(check_phone_in_module(MODULE_URL, &request))
            .await
            .ok()?;
        // Parses with `from_slice`, as server function responses do, so the
        // bundle carries one copy of the parser for `PhoneCheck`.
        serde_json::from_slice(outcome.as_string()?.as_bytes()).ok()
    }
}
