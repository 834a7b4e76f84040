//! Message templates as stored: a kind with no row uses its default text.

use std::collections::BTreeMap;

use kodo_domain::segments::{self, Encoding};
use kodo_domain::template::{Template, TemplateError, TemplateKind, Variable};
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, Transaction};

use crate::{settings, Error, Kodo, Result};

/// A template as the API shows it: its text, whether that text is the
/// default, and the variables a template of its kind may use.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TemplateInfo {
    pub name: String,
    pub template: String,
    pub default: bool,
    pub variables: Vec<String>,
}

/// A template rendered as it would be sent, with its encoding and size.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Preview {
    pub text: String,
    pub encoding: Encoding,
    pub segments: usize,
    /// Characters (Unicode scalar values) in the text.
    pub characters: usize,
    /// Septets for GSM-7, UTF-16 code units for UCS-2: what segment limits
    /// count.
    pub units: usize,
}

/// Loads the template of a kind, or its default when none was saved.
pub async fn get(pool: &PgPool, kind: TemplateKind) -> Result<Template> {
    Ok(load(pool, kind).await?.0)
}

/// Loads a template with whether it is the kind's default.
async fn load(pool: &PgPool, kind: TemplateKind) -> Result<(Template, bool)> {
    let source: Option<String> = sqlx::query_scalar("SELECT body FROM templates WHERE name = $1")
        .bind(kind.name())
        .fetch_optional(pool)
        .await?;
    match source {
        // A stored template was checked when saved; should a later release
        // reject it, the default is used and the fault logged.
        Some(source) => match Template::parse(kind, &source) {
            Ok(template) => Ok((template, false)),
            Err(error) => {
                tracing::error!(template = kind.name(), %error, "stored template is invalid; using the default");
                Ok((default_template(kind)?, true))
            }
        },
        None => Ok((default_template(kind)?, true)),
    }
}

/// Returns the kind named `name`, or a not-found error.
pub fn kind_named(name: &str) -> Result<TemplateKind> {
    TemplateKind::from_name(name)
        .ok_or_else(|| Error::not_found_with_fix("template", format!("Use one of: {}.", known_names())))
}

/// Returns the template names of the API, comma separated.
pub fn known_names() -> String {
    let names: Vec<&str> = TemplateKind::ALL.iter().map(|kind| kind.name()).collect();
    names.join(", ")
}

/// Loads a template for the API.
pub async fn info(pool: &PgPool, kind: TemplateKind) -> Result<TemplateInfo> {
    let (template, default) = load(pool, kind).await?;
    Ok(TemplateInfo {
        name: kind.name().to_owned(),
        template: template.source().to_owned(),
        default,
        variables: kind
            .allowed_variables()
            .iter()
            .map(|variable| variable.name().to_owned())
            .collect(),
    })
}

/// Lists every kind's template, in [`TemplateKind::ALL`] order.
pub async fn list(pool: &PgPool) -> Result<Vec<TemplateInfo>> {
    let mut templates = Vec::with_capacity(TemplateKind::ALL.len());
    for kind in TemplateKind::ALL {
        templates.push(info(pool, kind).await?);
    }
    Ok(templates)
}

/// Parses a template source, naming `field` in the error.
/// Parses template text as typed, with Windows line breaks (`\r\n`) read
/// as plain ones.
pub fn parse(field: &str, kind: TemplateKind, source: &str) -> Result<Template> {
    Template::parse(kind, &source.replace("\r\n", "\n")).map_err(|error| invalid_template(field, error))
}

fn invalid_template(field: &str, error: TemplateError) -> Error {
    Error::InvalidTemplate {
        field: field.to_owned(),
        message: error.message,
        position: error.position,
    }
}

/// Checks and saves a kind's template.
pub async fn save(pool: &PgPool, kind: TemplateKind, source: &str) -> Result<TemplateInfo> {
    let template = parse("template", kind, source)?;
    let mut tx = pool.begin().await?;
    store(&mut tx, kind, template.source()).await?;
    tx.commit().await?;
    tracing::info!(template = kind.name(), "template saved");
    info(pool, kind).await
}

/// Deletes a kind's saved template, so its default applies again.
pub async fn reset(pool: &PgPool, kind: TemplateKind) -> Result<TemplateInfo> {
    sqlx::query("DELETE FROM templates WHERE name = $1")
        .bind(kind.name())
        .execute(pool)
        .await?;
    tracing::info!(template = kind.name(), "template reset to the default");
    info(pool, kind).await
}

pub(crate) async fn store(
    tx: &mut Transaction<'_, Postgres>,
    kind: TemplateKind,
    source: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO templates (name, body) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body, updated_at = now()",
    )
    .bind(kind.name())
    .bind(source)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Renders `source` as a template of `kind` the way a message would be
/// sent: shortened to one segment where it can be, and with typographic
/// characters replaced when the setting is on.
///
/// Variables missing from `values` take the kind's example values, and
/// `{{page}}` the page's name, so a template can be previewed before any
/// value is chosen.
pub async fn preview(
    kodo: &Kodo,
    kind: TemplateKind,
    source: &str,
    values: &BTreeMap<String, String>,
) -> Result<Preview> {
    let template = parse("template", kind, source)?;
    let mut filled = kind.example_values();
    filled.set(Variable::Page, settings::page_name(&kodo.pool).await?);
    filled.set(Variable::Url, kind.example_url(&kodo.public_url));
    for (name, value) in values {
        let field = format!("values.{name}");
        let variable = Variable::from_name(name).ok_or_else(|| {
            Error::invalid(
                &field,
                format!("{name} is not a template variable; use one of: {}.", variable_names(kind)),
            )
        })?;
        if !kind.allowed_variables().contains(&variable) {
            return Err(Error::invalid(
                &field,
                format!(
                    "{} templates cannot use {{{{{name}}}}}; use one of: {}.",
                    kind.name(),
                    variable_names(kind)
                ),
            ));
        }
        filled.set(variable, value.clone());
    }
    let replace = settings::replace_typographic(&kodo.pool).await?;
    Ok(measure(template.render_fitted(&filled, replace)))
}

fn measure(text: String) -> Preview {
    let count = segments::count(&text);
    Preview {
        characters: text.chars().count(),
        encoding: count.encoding,
        segments: count.segments,
        units: count.units,
        text,
    }
}

fn variable_names(kind: TemplateKind) -> String {
    kind.allowed_variables()
        .iter()
        .map(|variable| variable.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn default_template(kind: TemplateKind) -> Result<Template> {
    Template::parse(kind, kind.default_source())
        .map_err(|error| Error::Internal(format!("default {} template: {error}", kind.name())))
}
