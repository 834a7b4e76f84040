//! Facts only the browser has: the visitor's time zone and region names in
//! their language. Both come from the `Intl` API, so
//! they add no data to the WASM bundle. On the server they return `None`.

/// Returns the browser's IANA time zone, such as `Europe/Berlin`.
pub fn time_zone() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use js_sys::{Array, Intl, Object, Reflect};

        let options = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
        Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|zone| zone.as_string())
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// Returns a function that names an ISO 3166-1 alpha-2 region in the
/// browser's language, such as "United Kingdom" for `GB`.
pub fn region_namer() -> impl Fn(&str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use js_sys::{Array, Intl, Object, Reflect};

        let options = Object::new();
        let names = Reflect::set(&options, &"type".into(), &"region".into())
            .ok()
            .map(|_| Intl::DisplayNames::new(&Array::new(), &options));
        move |region: &str| names.as_ref().and_then(|names| names.of(region)).map(String::from)
    }
    #[cfg(not(feature = "hydrate"))]
    |_: &str| None
}
