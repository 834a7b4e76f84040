//! Where the subscribe widget sits on the status page, and when its code
//! loads.
//!
//! The server renders the whole widget inside the slot, so the page reads
//! the same without JavaScript. The browser hydrates the slot alone and
//! leaves the widget's markup as it is. The widget's code (about a third
//! of the status page's WASM) is a lazy chunk that the first focus or
//! touch inside the slot fetches; it then renders the widget in place of
//! that markup, with what the visitor already typed, ticked or chose, and
//! the focus where it was. A visitor who only reads the page never
//! downloads it.

use leptos::prelude::*;

use crate::model::ServiceView;

/// What the widget shows, as the status page loaded it.
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

/// The subscribe widget's place on the status page. Its `data-hydrated`
/// turns true when the page has hydrated; the widget's own turns true when
/// its code has loaded.
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
        let load = move || {
            if requested.get_value() {
                return;
            }
            requested.set_value(true);
            let props = props.get_value();
            // NOTE: a chunk that fails to download leaves the server's
            // markup in place without its code, as a failed download of
            // kodo.wasm leaves the whole page; a reload tries again.
            leptos::task::spawn_local(async move {
                let widget = widget_view(props).await;
                if let Some(slot) = slot.get_untracked() {
                    browser::replace_markup(slot, widget);
                }
            });
        };
        view! {
            <div
                class="subscribe-slot"
                data-test="subscribe-slot"
                data-hydrated=hydrated
                node_ref=slot
                on:focusin=move |_| load()
                on:pointerdown=move |_| load()
                // A submit before the code is there would reload the page
                // and lose what was typed; the widget's own submit follows.
                on:submit=move |event| {
                    event.prevent_default();
                    load();
                }
            ></div>
        }
    }
}

/// The widget's view. Under `cargo leptos build --split` its code, and the
/// code only the widget uses, is a chunk of its own.
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

// Puts the taken changes into the widget's fields, choices first, then
// text, then ticks, each with the event a visitor's change fires.
export function restoreFields(slot, taken) {
  const ticks = (field) => field.type === "checkbox" || field.type === "radio";
  const rank = (field) => (field.tagName === "SELECT" ? 0 : ticks(field) ? 2 : 1);
  const found = [];
  for (const [name, index, value] of taken.changed) {
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
  if (taken.focused) slot.querySelector(`[data-test="${CSS.escape(taken.focused)}"]`)?.focus();
}
"#)]
    extern "C" {
        #[wasm_bindgen(js_name = takeFields)]
        fn take_fields(slot: &JsValue) -> JsValue;
        #[wasm_bindgen(js_name = restoreFields)]
        fn restore_fields(slot: &JsValue, taken: &JsValue);
    }

    /// Renders `widget` in the slot in place of the server's markup.
    pub fn replace_markup(slot: leptos::web_sys::HtmlDivElement, widget: AnyView) {
        let taken = take_fields(&slot);
        let parent: leptos::web_sys::HtmlElement = slot.clone().unchecked_into();
        // The widget lives as long as the page.
        leptos::mount::mount_to(parent, move || widget).forget();
        restore_fields(&slot, &taken);
    }
}
