// Stops the server that global-setup.ts started and drops its database.
// Playwright runs this also when the global setup failed part-way, so each
// step checks whether there is anything to undo.

import { DATABASE_NAME_PATTERN, ENV_DATABASE, ENV_KEEP_DATABASE, ENV_SERVER_PID, dropDatabase } from "./support/e2e";

const STOP_TIMEOUT_MS = 10_000;
const STOP_POLL_INTERVAL_MS = 100;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends SIGTERM, and SIGKILL when the server is still running after STOP_TIMEOUT_MS. */
async function stopServer(pid: number): Promise<void> {
  if (!isRunning(pid)) {
    return;
  }
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isRunning(pid) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, STOP_POLL_INTERVAL_MS));
  }
  if (isRunning(pid)) {
    console.warn(`The Kodo server (pid ${pid}) ignored SIGTERM for ${STOP_TIMEOUT_MS / 1000} s, so it gets SIGKILL.`);
    process.kill(pid, "SIGKILL");
  }
}

export default async function globalTeardown(): Promise<void> {
  const pid = Number(process.env[ENV_SERVER_PID]);
  if (Number.isInteger(pid) && pid > 0) {
    await stopServer(pid);
    delete process.env[ENV_SERVER_PID];
  }

  const database = process.env[ENV_DATABASE];
  if (database && DATABASE_NAME_PATTERN.test(database)) {
    if (process.env[ENV_KEEP_DATABASE] === "1") {
      console.log(`Keeping the test database ${database} because ${ENV_KEEP_DATABASE}=1.`);
    } else {
      dropDatabase(database);
    }
    delete process.env[ENV_DATABASE];
  }
}
