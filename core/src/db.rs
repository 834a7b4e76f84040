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

/// The advisory lock key that orders subscriber removals against fan-outs.
///
/// `messages.subscriber_id` has no foreign key, because its per-row check
/// made fan-outs slow. A fan-out holds this lock shared from before it reads
/// the subscribers until it commits. A removal takes it exclusively, so it
/// waits for running fan-outs, and fan-outs that start later no longer find
/// the removed subscriber.
const SUBSCRIBER_REMOVAL_LOCK: i64 = 0x6b6f_646f_0001;

/// Takes the subscriber-removal lock shared, until the transaction ends.
/// Call it before reading the subscribers a message is queued for.
pub async fn share_subscriber_removal_lock(executor: impl sqlx::PgExecutor<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock_shared($1)")
        .bind(SUBSCRIBER_REMOVAL_LOCK)
        .execute(executor)
        .await?;
    Ok(())
}

/// Takes the subscriber-removal lock exclusively, until the transaction
/// ends. Call it first in the transaction, before any row lock, so that a
/// waiting removal holds nothing a fan-out needs.
pub async fn lock_subscriber_removals(executor: impl sqlx::PgExecutor<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(SUBSCRIBER_REMOVAL_LOCK)
        .execute(executor)
        .await?;
    Ok(())
}

/// The `LISTEN` channel that announces newly queued messages.
pub const DISPATCH_CHANNEL: &str = "kodo_messages";
