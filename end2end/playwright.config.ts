import { defineConfig } from "@playwright/test";

import { ENV_BASE_URL } from "./support/e2e";

// The tests run in Debian's Chromium (apt package "chromium") because
// Playwright's own browser download is not available everywhere Kodo is
// tested. global-setup.ts starts the server and sets KODO_E2E_BASE_URL before
// the workers start, and each worker reads this file again, so baseURL is
// set there.
export default defineConfig({
  testDir: "./tests",
  globalSetup: "./global-setup.ts",
  globalTeardown: "./global-teardown.ts",
  // All specs share the one server and database that global-setup.ts starts.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: process.env[ENV_BASE_URL],
    browserName: "chromium",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        // Everything runs as root in CI, where Chromium's sandbox cannot start.
        "--no-sandbox",
        "--disable-gpu",
        // The background-networking flags stop Chromium from contacting
        // Google's update, sync and field-trial servers during the tests.
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
