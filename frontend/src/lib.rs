#![recursion_limit = "256"]
//! The hydrate entry: makes the server-rendered pages interactive.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(kodo_app::App);
}
