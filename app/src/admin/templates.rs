//! Admin: the texts of the messages Kodo sends, with a live preview.
//!
//! The preview runs the domain crate's template parser, fitting and segment
//! counter in the browser, the same code the server sends with. It lives
//! only in this lazy route, so that code stays out of the first page load.

use kodo_domain::segments::{self, Encoding};
use kodo_domain::template::{Template, TemplateError, TemplateKind, Values, Variable};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_router::{lazy_route, LazyRoute};
use serde::{Deserialize, Serialize};

use crate::AppError;

/// A template as stored, or its kind's default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateView {
    /// The kind's name, such as `incident_created`.
    pub name: String,
    pub template: String,
    /// Whether the text is the kind's default.
    pub default: bool,
}

/// The editor's data: every template, and the settings the preview
/// renders with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplatesData {
    pub page_name: String,
    /// The status page's address, which `{{url}}` links to.
    pub public_url: String,
    pub replace_typographic: bool,
    pub templates: Vec<TemplateView>,
}

#[cfg(feature = "ssr")]
impl From<kodo_core::templates::TemplateInfo> for TemplateView {
    fn from(info: kodo_core::templates::TemplateInfo) -> Self {
        TemplateView {
            name: info.name,
            template: info.template,
            default: info.default,
        }
    }
}

#[server]
pub async fn load_templates() -> Result<TemplatesData, AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let templates = kodo_core::templates::list(&kodo.pool).await?;
    Ok(TemplatesData {
        page_name: kodo_core::settings::page_name(&kodo.pool).await?,
        public_url: kodo.public_url.clone(),
        replace_typographic: kodo_core::settings::replace_typographic(&kodo.pool).await?,
        templates: templates.into_iter().map(Into::into).collect(),
    })
}

/// Checks and saves a template, as `PUT /api/v1/templates/{name}` does.
#[server(input = Json)]
pub async fn save_template(name: String, template: String) -> Result<TemplateView, AppError> {
    let admin = super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let kind = kodo_core::templates::kind_named(&name)?;
    let saved = kodo_core::templates::save(&kodo.pool, kind, &template).await?;
    tracing::info!(admin.id = admin.id, template = kind.name(), "template saved by an admin");
    Ok(saved.into())
}

/// Deletes a saved template, so its kind's default applies again.
#[server]
pub async fn reset_template(name: String) -> Result<TemplateView, AppError> {
    let admin = super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let kind = kodo_core::templates::kind_named(&name)?;
    let reset = kodo_core::templates::reset(&kodo.pool, kind).await?;
    tracing::info!(admin.id = admin.id, template = kind.name(), "template reset by an admin");
    Ok(reset.into())
}

/// A template rendered as it would be sent, or why it cannot be.
#[derive(Debug, Clone, PartialEq)]
enum Preview {
    Sent {
        text: String,
        /// Whether fitting cut the message or the title.
        shortened: bool,
        characters: usize,
        encoding: Encoding,
        segments: usize,
        /// Septets for GSM-7, UTF-16 code units for UCS-2.
        units: usize,
    },
    Invalid(TemplateError),
}

/// Renders `source` with `values` the way the server sends it: fitted by
/// [`Template::render_fitted`], with typographic characters replaced when
/// `replace_typographic` is on.
fn preview(kind: TemplateKind, source: &str, values: &Values, replace_typographic: bool) -> Preview {
    let template = match Template::parse(kind, source) {
        Ok(template) => template,
        Err(error) => return Preview::Invalid(error),
    };
    let text = template.render_fitted(values, replace_typographic);
    let mut whole = template.render(values);
    if replace_typographic {
        whole = segments::replace_typographic(&whole);
    }
    let counted = segments::count(&text);
    Preview::Sent {
        shortened: text != whole,
        characters: text.chars().count(),
        encoding: counted.encoding,
        segments: counted.segments,
        units: counted.units,
        text,
    }
}

/// Returns the heading and the description of a kind.
fn describe(kind: TemplateKind) -> (&'static str, &'static str) {
    match kind {
        TemplateKind::Verification => (
            "Verification code",
            "Texted when someone subscribes on the status page. It must contain {{code}}. \
             The Settings page edits the same text.",
        ),
        TemplateKind::Confirmation => ("Subscription confirmed", "Sent once a number is verified."),
        TemplateKind::Welcome => (
            "Added by your team",
            "Sent to a number an admin or API client adds, in place of the confirmation.",
        ),
        TemplateKind::Help => ("Reply to HELP", "Sent when a subscriber texts HELP."),
        TemplateKind::IncidentCreated => ("Incident opened", "Sent when an incident is opened."),
        TemplateKind::IncidentUpdated => ("Incident updated", "Sent for each update of an open incident."),
        TemplateKind::IncidentResolved => ("Incident resolved", "Sent when an incident is resolved."),
        TemplateKind::MaintenanceScheduled => (
            "Maintenance scheduled",
            "Sent when maintenance is scheduled, to subscribers who want maintenance news.",
        ),
        TemplateKind::MaintenanceUpdated => (
            "Maintenance updated",
            "Sent when a scheduled window's time or title changes, to subscribers already notified of it.",
        ),
        TemplateKind::MaintenanceStarted => ("Maintenance started", "Sent when a maintenance window begins."),
        TemplateKind::MaintenanceCanceled => (
            "Maintenance canceled",
            "Sent when a window is canceled, to subscribers already notified of it.",
        ),
    }
}

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_templates());
    view! {
        <h1>"Message templates"</h1>
        <p class="muted">
            "Placeholders such as {{title}} are filled in when a message is sent. When a message is too long for one SMS segment, the {{message}} and then the {{title}} are shortened; links and codes are never cut."
        </p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <TemplateEditors data /> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TemplateEditors(data: TemplatesData) -> impl IntoView {
    let hydrated = crate::use_hydrated();
    let editors: Vec<(TemplateKind, TemplateView)> = data
        .templates
        .into_iter()
        .filter_map(|view| TemplateKind::from_name(&view.name).map(|kind| (kind, view)))
        .collect();
    let links = editors
        .iter()
        .map(|(kind, _)| {
            view! {
                <li>
                    <a href=format!("#template-{}", kind.name())>{describe(*kind).0}</a>
                </li>
            }
        })
        .collect_view();
    let page_name = data.page_name;
    let public_url = data.public_url;
    let replace = data.replace_typographic;
    view! {
        <nav class="template-index" aria-label="Templates">
            <ul>{links}</ul>
        </nav>
        <div class="template-editors" data-hydrated=hydrated>
            {editors
                .into_iter()
                .map(|(kind, saved)| {
                    let page_name = page_name.clone();
                    let url = kind.example_url(&public_url);
                    view! { <TemplateEditor kind saved page_name url replace_typographic=replace /> }
                })
                .collect_view()}
        </div>
    }
}

/// Shows the editor of one template: its text, the variables it may use,
/// sample values and the live preview.
#[component]
fn TemplateEditor(
    kind: TemplateKind,
    saved: TemplateView,
    page_name: String,
    url: String,
    replace_typographic: bool,
) -> impl IntoView {
    let name = kind.name();
    let (heading, description) = describe(kind);
    let source = RwSignal::new(saved.template.clone());
    let is_default = RwSignal::new(saved.default);
    let samples = SampleValues::new(kind, page_name, url);
    let save = ServerAction::<SaveTemplate>::new();
    let reset = ServerAction::<ResetTemplate>::new();
    let preview = Memo::new(move |_| preview(kind, &source.read(), &samples.values(), replace_typographic));

    Effect::new(move |_| {
        if let Some(Ok(view)) = save.value().get() {
            is_default.set(view.default);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(view)) = reset.value().get() {
            source.set(view.template);
            is_default.set(view.default);
        }
    });
    let save_error = super::action_failure(save);
    let saved_now = Signal::derive(move || matches!(save.value().get(), Some(Ok(_))));
    let field_id = format!("template-{name}-text");
    let variables_id = format!("template-{name}-variables");
    let error_id = format!("template-{name}-error");

    view! {
        <section
            class="card template-editor"
            id=format!("template-{name}")
            aria-labelledby=format!("template-{name}-heading")
            data-test="template-editor"
            data-name=name
        >
            <h2 id=format!("template-{name}-heading")>{heading}</h2>
            <p class="muted">{description}</p>
            <form
                class="form"
                on:submit=move |event| {
                    event.prevent_default();
                    save.dispatch(SaveTemplate { name: name.to_owned(), template: source.get_untracked() });
                }
            >
                <label for=field_id.clone()>{format!("Text of “{heading}”")}</label>
                <textarea
                    id=field_id.clone()
                    rows="4"
                    spellcheck="false"
                    data-test="template-text"
                    aria-describedby=format!("{variables_id} {error_id}")
                    aria-invalid=move || matches!(preview.get(), Preview::Invalid(_)).to_string()
                    prop:value=source
                    on:input=move |event| source.set(event_target_value(&event))
                ></textarea>
                <VariableList kind id=variables_id />
                <TemplateErrorView id=error_id source preview save_error />
                <PreviewView preview />
                <SampleValueFields kind samples />
                <p class="success" role="status" data-test="template-saved" hidden=move || !saved_now.get()>
                    "Saved."
                </p>
                <div class="actions">
                    <button type="submit" class="button primary" data-test="template-save" disabled=save.pending()>
                        "Save template"
                    </button>
                    <button
                        type="button"
                        class="button"
                        data-test="template-reset"
                        disabled=move || is_default.get()
                        on:click=move |_| {
                            reset.dispatch(ResetTemplate { name: name.to_owned() });
                        }
                    >
                        "Restore the default"
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn VariableList(kind: TemplateKind, id: String) -> impl IntoView {
    let required = kind.required_variables();
    view! {
        <p id=id class="template-variables" data-test="template-variables">
            "Variables: "
            {kind
                .allowed_variables()
                .iter()
                .map(|variable| {
                    let note = if required.contains(variable) { " (required)" } else { "" };
                    view! {
                        <code>{variable.placeholder()}</code>
                        {note}
                        " "
                    }
                })
                .collect_view()}
        </p>
    }
}

/// Shows why the text does not parse, as the browser finds while the admin
/// types, and why the server rejected the last save.
#[component]
fn TemplateErrorView(
    id: String,
    source: RwSignal<String>,
    preview: Memo<Preview>,
    save_error: Signal<Option<AppError>>,
) -> impl IntoView {
    let live = move || match preview.get() {
        Preview::Invalid(error) => Some(error),
        Preview::Sent { .. } => None,
    };
    view! {
        <div id=id class="template-errors">
            {move || {
                live()
                    .map(|error| {
                        view! {
                            <div class="error" role="alert" data-test="template-error">
                                <p>{error.message.clone()}</p>
                                <ErrorContext source=source.get() position=error.position />
                            </div>
                        }
                    })
            }}
            {move || {
                save_error
                    .get()
                    .map(|error| {
                        view! {
                            <div class="error" role="alert" data-test="template-save-error">
                                <p>"Not saved: " {error.message.clone()}</p>
                                {error.position.map(|position| view! { <ErrorContext source=source.get_untracked() position /> })}
                            </div>
                        }
                    })
            }}
        </div>
    }
}

/// Shows the template text around `position` with that character marked.
#[component]
fn ErrorContext(source: String, position: usize) -> impl IntoView {
    const CONTEXT_CHARS: usize = 24;
    let chars: Vec<char> = source.chars().collect();
    let position = position.min(chars.len());
    let start = position.saturating_sub(CONTEXT_CHARS);
    let end = (position + CONTEXT_CHARS).min(chars.len());
    let before: String = chars[start..position].iter().collect();
    let marked: String = chars.get(position).map_or(" ".to_owned(), char::to_string);
    let after: String = chars[(position + 1).min(end)..end].iter().collect();
    view! {
        <p class="error-context" data-test="template-error-context">
            <span class="visually-hidden">{format!("Character {} of the text: ", position + 1)}</span>
            <code>
                {if start > 0 { "…" } else { "" }}
                {before}
                <mark data-test="template-error-mark">{marked}</mark>
                {after}
                {if end < chars.len() { "…" } else { "" }}
            </code>
        </p>
    }
}

#[component]
fn PreviewView(preview: Memo<Preview>) -> impl IntoView {
    let sent = move || match preview.get() {
        Preview::Sent { text, shortened, characters, encoding, segments, units } => {
            Some((text, shortened, characters, encoding, segments, units))
        }
        Preview::Invalid(_) => None,
    };
    view! {
        <div class="template-preview" data-test="template-preview">
            <h3 class="preview-heading">"Preview with the sample values"</h3>
            {move || match sent() {
                None => view! { <p class="muted">"No preview until the text is fixed."</p> }.into_any(),
                Some((text, shortened, characters, encoding, segments, units)) => {
                    let limit = match (encoding, segments) {
                        (Encoding::Gsm7, 1) => segments::GSM7_SINGLE_SEGMENT,
                        (Encoding::Gsm7, _) => segments::GSM7_PER_SEGMENT * segments,
                        (Encoding::Ucs2, 1) => segments::UCS2_SINGLE_SEGMENT,
                        (Encoding::Ucs2, _) => segments::UCS2_PER_SEGMENT * segments,
                    };
                    let unit_name = match encoding {
                        Encoding::Gsm7 => "septets",
                        Encoding::Ucs2 => "UTF-16 units",
                    };
                    view! {
                        <p class="preview-text" data-test="preview-text">{text}</p>
                        <p class="preview-stats" aria-live="polite">
                            <span>
                                <strong data-test="preview-characters">{characters}</strong>
                                " characters"
                            </span>
                            <span>
                                <strong data-test="preview-encoding">{encoding.as_str()}</strong>
                                {format!(" ({units} of {limit} {unit_name})")}
                            </span>
                            <span>
                                <strong data-test="preview-segments">{segments}</strong>
                                {if segments == 1 { " segment" } else { " segments" }}
                            </span>
                        </p>
                        <p class="notice" data-test="preview-shortened" hidden=!shortened>
                            "Shortened to fit: the message, then the title, are cut short and end with “...”."
                        </p>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

/// The sample value of each variable the preview fills in, one signal each.
#[derive(Clone, Copy)]
struct SampleValues {
    fields: StoredValue<Vec<(Variable, RwSignal<String>)>>,
}

impl SampleValues {
    fn new(kind: TemplateKind, page_name: String, url: String) -> Self {
        let examples = kind.example_values().with(Variable::Page, page_name).with(Variable::Url, url);
        let fields = kind
            .allowed_variables()
            .iter()
            .map(|&variable| (variable, RwSignal::new(examples.get(variable).unwrap_or_default().to_owned())))
            .collect();
        SampleValues {
            fields: StoredValue::new(fields),
        }
    }

    /// Returns the current values, tracking each field.
    fn values(self) -> Values {
        let mut values = Values::new();
        for (variable, value) in self.fields.get_value() {
            values.set(variable, value.get());
        }
        values
    }
}

#[component]
fn SampleValueFields(kind: TemplateKind, samples: SampleValues) -> impl IntoView {
    view! {
        <details class="sample-values">
            <summary>"Sample values"</summary>
            {samples
                .fields
                .get_value()
                .into_iter()
                .map(|(variable, value)| {
                    let id = format!("sample-{}-{}", kind.name(), variable.name());
                    view! {
                        <label for=id.clone()>{variable.placeholder()}</label>
                        <input
                            id=id
                            data-test=format!("sample-{}", variable.name())
                            prop:value=value
                            on:input=move |event| value.set(event_target_value(&event))
                        />
                    }
                })
                .collect_view()}
        </details>
    }
}

/// The templates page as a lazy route: its code, with the template parser
/// and segment counter, is a separate WASM chunk that the browser fetches
/// on the first visit.
pub struct TemplatesRoute;

#[lazy_route]
impl LazyRoute for TemplatesRoute {
    fn data() -> Self {
        TemplatesRoute
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <TemplatesPage /> }.into_any()
    }
}
