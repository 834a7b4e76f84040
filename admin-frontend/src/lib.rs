#![recursion_limit = "256"]
//! The hydrate entry of the admin dashboard: makes the server-rendered
//! /admin pages interactive. The public pages have an entry of their own
//! (crate `frontend`), so a visitor never loads this bundle.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(kodo_app::App);
}
