//! The subscribe widget's slot on the status page, and the loading of the
//! widget's code.
//!
//! The server renders the whole widget inside the slot, so the page reads
//! the same without JavaScript. The browser hydrates the slot alone and
//! leaves the widget's markup as it is. The widget's code (about a third
//! of the status page's WASM) is a lazy chunk that the first focus, touch,
//! keystroke or submit inside the slot fetches, or the hydration itself
//! when the focus is already inside. The widget then renders in place of
//! that markup, with what the visitor already typed, ticked or chose, and
//! the focus where it was, and a submit made while the code loaded goes
//! out. A visitor who only reads the page never downloads it.

use leptos::prelude::*;

use crate::model::ServiceView;

/// The widget's contents, as the status page loaded them.
#[derive(Debug, Clone)]
pub struct WidgetProps {
    pub services: Vec<ServiceView>,
    pub consent_text: String,
    pub sender: Option<String>,
    /// ISO 3166-1 alpha-2 codes, or `None` when every country may subscribe.
    pub allowed_countries: Option<Vec<String>>,
}

impl WidgetProps {
    /// Returns the widget's view.
    fn into_widget(self) -> AnyView {
        let WidgetProps {
            services,
            consent_text,
            sender,
            allowed_countries,
        } = self;
        view! { <crate::subscribe::SubscribeWidget services consent_text sender allowed_countries /> }.into_any()
    }
}

/// Renders the subscribe widget's slot. Its `data-hydrated` turns true when
/// the page has hydrated, and the widget's own when its code has loaded.
#[component]
pub fn SubscribeSlot(props: WidgetProps) -> impl IntoView {
    let hydrated = crate::use_hydrated();
    #[cfg(not(feature = "hydrate"))]
    view! {
        <div class="subscribe-slot" data-test="subscribe-slot" data-hydrated=hydrated>
            {props.into_widget()}
        </div>
    }
    #[cfg(feature = "hydrate")]
    {
        let slot = NodeRef::<leptos::html::Div>::new();
        let props = StoredValue::new(props);
        let requested = StoredValue::new(false);
        let submitted = StoredValue::new(false);
        let load = move || {
            if requested.get_value() {
                return;
            }
            requested.set_value(true);
            let props = props.get_value();
            // NOTE: when the chunk fails to download, the server's markup
            // stays without its code, as the whole page does when kodo.wasm
            // fails. A reload tries again.
            leptos::task::spawn_local(async move {
                let widget = widget_view(props).await;
                if let Some(slot) = slot.get_untracked() {
                    browser::replace_markup(slot, widget, submitted.get_value());
                }
            });
        };
        // The visitor may have focused a field while the page's own code
        // was still loading, and then no focus event comes.
        Effect::new(move |_| {
            if slot.get().is_some_and(|slot| browser::has_focus_inside(&slot)) {
                load();
            }
        });
        view! {
            <div
                class="subscribe-slot"
                data-test="subscribe-slot"
                data-hydrated=hydrated
                node_ref=slot
                on:focusin=move |_| load()
                on:pointerdown=move |_| load()
                on:keydown=move |_| load()
                // A submit before the widget's code is there is made again
                // by the widget once it has rendered.
                on:submit=move |event| {
                    event.prevent_default();
                    submitted.set_value(true);
                    load();
                }
            ></div>
        }
    }
}

/// Returns the widget's view. Under `cargo leptos build --split`, this
/// function and the code only the widget uses are a chunk of their own.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
fn widget_view(props: WidgetProps) -> AnyView {
    props.into_widget()
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::prelude::wasm_bindgen;
    use wasm_bindgen::{JsCast, JsValue};

    #[wasm_bindgen(inline_js = r#"
// Empties the slot and returns what the visitor changed in its fields,
// each field named by its data-test and its place among fields of that
// name, and the field that has the focus.
export function takeFields(slot) {
  const changed = [];
  const seen = new Map();
  for (const field of slot.querySelectorAll("input[data-test], select[data-test], textarea[data-test]")) {
    const name = field.dataset.test;
    const index = seen.get(name) || 0;
    seen.set(name, index + 1);
    if (field.type === "checkbox" || field.type === "radio") {
      if (field.checked !== field.defaultChecked) changed.push([name, index, field.checked]);
    } else if (field.tagName === "SELECT") {
      const option = field.selectedOptions[0];
      if (option && !option.defaultSelected) changed.push([name, index, field.value]);
    } else if (field.value !== field.defaultValue) {
      changed.push([name, index, field.value]);
    }
  }
  const active = document.activeElement;
  const focused = active && slot.contains(active) && active.dataset.test ? active.dataset.test : null;
  slot.replaceChildren();
  return { changed, focused };
}

// Tells whether the focus is on an element inside the slot.
export function hasFocusInside(slot) {
  return slot.contains(document.activeElement);
}

// Puts the saved changes into the widget's fields, choices first, then
// text, then ticks, each with the event a visitor's change fires, and
// submits the widget's form when the visitor already submitted.
export function restoreFields(slot, saved, submit) {
  const ticks = (field) => field.type === "checkbox" || field.type === "radio";
  const rank = (field) => (field.tagName === "SELECT" ? 0 : ticks(field) ? 2 : 1);
  const found = [];
  for (const [name, index, value] of saved.changed) {
    const field = slot.querySelectorAll(`[data-test="${CSS.escape(name)}"]`)[index];
    if (field) found.push([field, value]);
  }
  found.sort((a, b) => rank(a[0]) - rank(b[0]));
  for (const [field, value] of found) {
    if (ticks(field)) {
      field.checked = value;
      field.dispatchEvent(new Event("change", { bubbles: true }));
    } else {
      field.value = value;
      field.dispatchEvent(new Event(field.tagName === "SELECT" ? "change" : "input", { bubbles: true }));
    }
  }
  if (saved.focused) slot.querySelector(`[data-test="${CSS.escape(saved.focused)}"]`)?.focus();
  if (submit) slot.querySelector("form")?.requestSubmit();
}
"#)]
    extern "C" {
        #[wasm_bindgen(js_name = takeFields)]
        fn take_fields(slot: &JsValue) -> JsValue;
        #[wasm_bindgen(js_name = restoreFields)]
        fn restore_fields(slot: &JsValue, saved: &JsValue, submit: bool);
        #[wasm_bindgen(js_name = hasFocusInside)]
        fn has_focus_inside_js(slot: &JsValue) -> bool;
    }

    /// Tells whether the focus is on an element inside `slot`.
    pub fn has_focus_inside(slot: &leptos::web_sys::HtmlDivElement) -> bool {
        has_focus_inside_js(slot)
    }

    /// Renders `widget` in the slot in place of the server's markup, and
    /// submits its form when `submitted`.
    pub fn replace_markup(slot: leptos::web_sys::HtmlDivElement, widget: AnyView, submitted: bool) {
        let saved = take_fields(&slot);
        let parent: leptos::web_sys::HtmlElement = slot.clone().unchecked_into();
        // The widget lives as long as the page.
        leptos::mount::mount_to(parent, move || widget).forget();
        restore_fields(&slot, &saved, submitted);
    }
}
