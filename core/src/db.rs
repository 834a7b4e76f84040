//! Connecting to PostgreSQL and applying the migrations.

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

/// The migrations under `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

pub async fn connect(database_url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(database_url)
        .await
}

/// Applies every pending migration.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// Wakes the dispatchers: delivered to every `LISTEN`er when the
/// surrounding transaction commits.
pub async fn notify_dispatchers(
    executor: impl sqlx::PgExecutor<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(DISPATCH_CHANNEL)
        .execute(executor)
        .await?;
    Ok(())
}

/// The `LISTEN` channel that announces newly queued messages.
pub const DISPATCH_CHANNEL: &str = "kodo_messages";
