// Settings shared by the global setup, the global teardown and the specs.

import { spawnSync } from "node:child_process";
import * as path from "node:path";

/** The admin account that the global setup creates in the test database. */
export const ADMIN_EMAIL = "admin@e2e.test";
export const ADMIN_PASSWORD = "e2e-password-123";

/** Environment variables through which the global setup passes its state on. */
export const ENV_BASE_URL = "KODO_E2E_BASE_URL";
export const ENV_SERVER_PID = "KODO_E2E_SERVER_PID";
export const ENV_DATABASE = "KODO_E2E_DATABASE";
/** Set to 1 to keep the test database after the run, for debugging. */
export const ENV_KEEP_DATABASE = "KODO_E2E_KEEP_DATABASE";

/** Test databases are named kodo_e2e_<hex>, and the teardown drops no other name. */
export const DATABASE_NAME_PATTERN = /^kodo_e2e_[0-9a-f]+$/;

export const POSTGRES_HOST = "127.0.0.1";
export const POSTGRES_PORT = 5432;
export const POSTGRES_USER = "postgres";

/** The repository root: the cargo-leptos workspace. */
export const REPO_DIR = path.resolve(__dirname, "..", "..");

/** Returns the connection URL of a database on the test PostgreSQL server. */
export function databaseUrl(database: string): string {
  return `postgres://${POSTGRES_USER}@${POSTGRES_HOST}:${POSTGRES_PORT}/${database}`;
}

/**
 * Runs one SQL statement with psql as the postgres user, connected to
 * `database` (the maintenance database by default). Throws with psql's error
 * output when it fails.
 */
export function runAdminSql(sql: string, database = "postgres"): void {
  const result = spawnSync(
    "psql",
    [
      "-X",
      "-q",
      "-v",
      "ON_ERROR_STOP=1",
      "-h",
      POSTGRES_HOST,
      "-p",
      String(POSTGRES_PORT),
      "-U",
      POSTGRES_USER,
      "-d",
      database,
      "-c",
      sql,
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  if (result.error) {
    throw new Error(`Failed to run psql (is the PostgreSQL client installed?): ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new Error(`psql failed on "${sql}" with exit code ${result.status}: ${result.stderr.trim()}`);
  }
}

/** Drops a test database, closing any connections that are still open. */
export function dropDatabase(database: string): void {
  if (!DATABASE_NAME_PATTERN.test(database)) {
    throw new Error(`Did not drop "${database}" because its name does not match kodo_e2e_<hex>, the name of a test database.`);
  }
  runAdminSql(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
}
