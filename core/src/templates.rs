//! Message templates as stored: a kind with no row uses its default text.

use kodo_domain::template::{Template, TemplateKind};
use sqlx::{PgPool, Postgres, Transaction};

use crate::{Error, Result};

/// Loads the template of a kind, or its default when none was saved.
pub async fn get(pool: &PgPool, kind: TemplateKind) -> Result<Template> {
    let source: Option<String> = sqlx::query_scalar("SELECT body FROM templates WHERE name = $1")
        .bind(kind.name())
        .fetch_optional(pool)
        .await?;
    match source {
        // A stored template was checked when saved; should a later release
        // reject it, the default is used and the fault logged.
        Some(source) => Template::parse(kind, &source).or_else(|error| {
            tracing::error!(template = kind.name(), %error, "stored template is invalid; using the default");
            default_template(kind)
        }),
        None => default_template(kind),
    }
}

/// Parses a template source, naming `field` in the error.
pub fn parse(field: &str, kind: TemplateKind, source: &str) -> Result<Template> {
    Template::parse(kind, source).map_err(|error| Error::invalid(field, error.to_string()))
}

pub async fn save(pool: &PgPool, kind: TemplateKind, source: &str) -> Result<Template> {
    let template = parse("template", kind, source)?;
    let mut tx = pool.begin().await?;
    store(&mut tx, kind, template.source()).await?;
    tx.commit().await?;
    Ok(template)
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

fn default_template(kind: TemplateKind) -> Result<Template> {
    Template::parse(kind, kind.default_source())
        .map_err(|error| Error::Internal(format!("default {} template: {error}", kind.name())))
}
