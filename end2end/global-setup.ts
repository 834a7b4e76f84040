// Starts a Kodo release build against a fresh database before the tests:
// creates kodo_e2e_<random>, migrates it, adds the test admin, starts the
// server on a free port and publishes its URL in KODO_E2E_BASE_URL, which
// playwright.config.ts uses as baseURL. global-teardown.ts undoes all of it.

import type { FullConfig } from "@playwright/test";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";

import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  ENV_BASE_URL,
  ENV_DATABASE,
  ENV_SERVER_PID,
  REPO_DIR,
  databaseUrl,
  runAdminSql,
} from "./support/e2e";

const SERVER_START_TIMEOUT_MS = 60_000;
const SERVER_POLL_INTERVAL_MS = 250;

/**
 * Returns the server output file: kodo-server.log in the output folder
 * (test-results/, or --output), which Playwright empties before the global
 * setup runs. Runs with different --output folders keep separate logs.
 */
function serverLogPath(config: FullConfig): string {
  const outputDir = config.projects[0]?.outputDir ?? path.join(__dirname, "test-results");
  return path.join(outputDir, "kodo-server.log");
}

/**
 * Returns the path of the release binary: KODO_BIN when set (a copy kept apart
 * from a build directory that other builds share), else the one that
 * `cargo leptos build --release` writes.
 */
function kodoBinary(): string {
  if (process.env.KODO_BIN) {
    return path.resolve(process.env.KODO_BIN);
  }
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(REPO_DIR, "target");
  const binary = path.resolve(REPO_DIR, targetDir, "release", "kodo");
  if (!fs.existsSync(binary)) {
    throw new Error(`The Kodo binary ${binary} is missing. Build it with "cargo leptos build --release --split".`);
  }
  return binary;
}

/**
 * Returns the site root of the release build. cargo-leptos resolves the relative
 * site-root "target/site" against the workspace root even when
 * CARGO_TARGET_DIR points elsewhere, so that is the first candidate. Throws
 * when the site root has no phone module, which cargo-leptos does not build.
 */
function siteRoot(): string {
  const candidates = [path.join(REPO_DIR, "target", "site")];
  if (process.env.CARGO_TARGET_DIR) {
    candidates.push(path.resolve(REPO_DIR, process.env.CARGO_TARGET_DIR, "site"));
  }
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, "pkg", "kodo.js")));
  if (!found) {
    throw new Error(
      `No site files (pkg/kodo.js) in ${candidates.join(" or ")}. Build them with "cargo leptos build --release --split".`,
    );
  }
  const phoneModule = path.join(found, "pkg", "phone", "kodo_phone.js");
  if (!fs.existsSync(phoneModule)) {
    throw new Error(`The phone module ${phoneModule} is missing. Build it with "scripts/build-phone-wasm".`);
  }
  return found;
}

/** Finds a TCP port on 127.0.0.1 that is free right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("Failed to read the port of a listening socket."));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** Runs a kodo subcommand to completion and throws with its output when it fails. */
function runKodo(binary: string, args: string[], env: NodeJS.ProcessEnv): void {
  const result = spawnSync(binary, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (result.error) {
    throw new Error(`Failed to run "kodo ${args.join(" ")}": ${result.error.message}`);
  }
  if (result.status !== 0) {
    const output = `${result.stdout}${result.stderr}`.trim();
    throw new Error(`"kodo ${args.join(" ")}" failed with exit code ${result.status}:\n${output}`);
  }
}

function lastLines(file: string, count: number): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-count).join("\n");
  } catch {
    return "(no server output)";
  }
}

/** Polls the server until it returns any HTTP response, or fails when it exits or times out. */
async function waitForServer(baseUrl: string, serverLog: string, exited: () => string | null): Promise<void> {
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const exit = exited();
    if (exit !== null) {
      throw new Error(`The Kodo server exited (${exit}) before it responded. Its last output:\n${lastLines(serverLog, 30)}`);
    }
    try {
      await fetch(`${baseUrl}/`, { redirect: "manual" });
      return;
    } catch {
      // Connection refused: the server is still starting.
    }
    await new Promise((resolve) => setTimeout(resolve, SERVER_POLL_INTERVAL_MS));
  }
  throw new Error(
    `The Kodo server did not respond at ${baseUrl} within ${SERVER_START_TIMEOUT_MS / 1000} s. Its last output:\n${lastLines(serverLog, 30)}`,
  );
}

export default async function globalSetup(config: FullConfig): Promise<void> {
  const binary = kodoBinary();
  const site = siteRoot();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;

  const database = `kodo_e2e_${randomBytes(6).toString("hex")}`;
  runAdminSql(`CREATE DATABASE "${database}"`);
  // Published at once, so that global-teardown.ts drops the database even
  // when a later step of this setup fails.
  process.env[ENV_DATABASE] = database;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl(database),
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: site,
    LEPTOS_OUTPUT_NAME: "kodo",
    KODO_PUBLIC_URL: baseUrl,
    KODO_SECRET_KEY: randomBytes(32).toString("hex"),
    // The test database has no Twilio credentials, so messages go to the
    // outbox. Pointing the API at the discard port of this machine also keeps
    // any request meant for Twilio on 127.0.0.1.
    KODO_TWILIO_API_BASE: "http://127.0.0.1:9",
  };

  runKodo(binary, ["migrate"], env);
  // Every test signs up from 127.0.0.1, so the suite would soon meet the
  // default limit of 10 sign-ups per client address in 4 hours.
  runAdminSql("UPDATE settings SET signup_limit_per_ip = 1000", database);
  runKodo(binary, ["admin", "create", "--email", ADMIN_EMAIL], { ...env, KODO_ADMIN_PASSWORD: ADMIN_PASSWORD });

  const serverLog = serverLogPath(config);
  fs.mkdirSync(path.dirname(serverLog), { recursive: true });
  const log = fs.openSync(serverLog, "w");
  const server = spawn(binary, [], { env, stdio: ["ignore", log, log] });
  fs.closeSync(log);
  let exit: string | null = null;
  server.on("exit", (code, signal) => {
    exit = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  server.on("error", (error) => {
    exit = `failed to start: ${error.message}`;
  });
  if (server.pid !== undefined) {
    process.env[ENV_SERVER_PID] = String(server.pid);
  }

  await waitForServer(baseUrl, serverLog, () => exit);
  process.env[ENV_BASE_URL] = baseUrl;
  console.log(`Kodo is running at ${baseUrl} on database ${database}; server output: ${serverLog}`);
}
