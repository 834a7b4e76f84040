#![recursion_limit = "256"]
//! The hydrate entry of the public pages: makes the server-rendered status
//! page, incident pages and subscription manager interactive. The admin
//! dashboard has an entry of its own (crate `admin-frontend`).

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(kodo_app::App);
}
