//! The services a status page reports on, each with a status derived from
//! its open incidents.

use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Row};

use crate::text_field::{Lines, TextField};
use crate::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
pub struct Service {
    pub id: i64,
    pub name: String,
    /// `operational`, `degraded` (a minor incident is open),
    /// `partial_outage` (major) or `major_outage` (critical).
    pub status: String,
}

const NAME: TextField = TextField {
    field: "name",
    label: "Service name",
    max_chars: 100,
    lines: Lines::One,
    missing_fix: "enter a name",
};

pub async fn list(pool: &PgPool) -> Result<Vec<Service>> {
    let services = sqlx::query_as::<_, Service>(
        "SELECT s.id, s.name, \
           CASE MIN(CASE i.severity WHEN 'critical' THEN 1 WHEN 'major' THEN 2 \
                                    WHEN 'minor' THEN 3 END) \
             WHEN 1 THEN 'major_outage' WHEN 2 THEN 'partial_outage' \
             WHEN 3 THEN 'degraded' ELSE 'operational' END AS status \
         FROM services s \
         LEFT JOIN incident_services x ON x.service_id = s.id \
         LEFT JOIN incidents i ON i.id = x.incident_id AND i.status <> 'resolved' \
         GROUP BY s.id ORDER BY s.name",
    )
    .fetch_all(pool)
    .await?;
    Ok(services)
}

pub async fn create(pool: &PgPool, name: &str) -> Result<Service> {
    let name = NAME.clean(name)?;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO services (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id",
    )
    .bind(&name)
    .fetch_optional(pool)
    .await?;
    let id = id.ok_or_else(|| duplicate_name(&name))?;
    tracing::info!(service.id = id, "service created");
    Ok(Service {
        id,
        name,
        status: "operational".to_owned(),
    })
}

pub async fn rename(pool: &PgPool, id: i64, name: &str) -> Result<()> {
    let name = NAME.clean(name)?;
    let result = sqlx::query("UPDATE services SET name = $2 WHERE id = $1")
        .bind(id)
        .bind(&name)
        .execute(pool)
        .await;
    match result {
        Ok(done) if done.rows_affected() == 0 => Err(Error::not_found("service")),
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            Err(duplicate_name(&name))
        }
        Err(error) => Err(error.into()),
    }
}

pub async fn delete(pool: &PgPool, id: i64) -> Result<()> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query("DELETE FROM services WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found("service"));
    }
    // Subscribers who chose this service no longer hear about it. One whose
    // last chosen service this was would hear about nothing at all, so they
    // get every incident instead, until they choose again.
    let widened = sqlx::query(
        "WITH chosen AS ( \
             SELECT id, scope = 'services' AND cardinality(array_remove(service_ids, $1)) = 0 AS widen \
             FROM subscribers WHERE $1 = ANY(service_ids) FOR UPDATE \
         ) \
         UPDATE subscribers \
         SET service_ids = array_remove(subscribers.service_ids, $1), \
             scope = CASE WHEN chosen.widen THEN 'all' ELSE subscribers.scope END, \
             updated_at = now() \
         FROM chosen WHERE subscribers.id = chosen.id \
         RETURNING chosen.widen AS widened",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .filter(|row| row.get::<bool, _>("widened"))
    .count();
    tx.commit().await?;
    tracing::info!(service.id = id, subscribers.widened = widened, "service removed");
    Ok(())
}

/// Checks that every id names a service; `field` is named in the error.
pub async fn ensure_exist(pool: &PgPool, field: &str, ids: &[i64]) -> Result<()> {
    let missing: Vec<i64> = sqlx::query_scalar(
        "SELECT wanted.id FROM unnest($1::bigint[]) AS wanted(id) \
         WHERE NOT EXISTS (SELECT 1 FROM services s WHERE s.id = wanted.id)",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    if missing.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = missing.iter().map(i64::to_string).collect();
    Err(Error::invalid(
        field,
        format!(
            "unknown service id {}; use the ids from GET /api/v1/services.",
            list.join(", ")
        ),
    ))
}

fn duplicate_name(name: &str) -> Error {
    Error::conflict(
        "name",
        format!("A service named {name:?} already exists; choose another name."),
    )
}
