// The public pages and the admin dashboard hydrate with two WASM bundles:
// a visitor's status page fetches no admin code, and an admin page fetches
// the admin bundle. Links between the two load the other page whole, so
// each page hydrates with the bundle that has its routes. The subscribe
// widget's code loads on the first focus or touch inside it.

import { expect, test, type Page } from "@playwright/test";

import { logInAsAdmin, openPage, uniqueUsNumber, waitForHydration } from "../support/pages";

/** The folder the admin dashboard's bundle is served from. */
const ADMIN_BUNDLE_PATH = "/pkg/admin/";

/** Records the URL paths of the WASM and JavaScript files the page requests. */
function recordBundleRequests(page: Page): string[] {
  const paths: string[] = [];
  page.on("request", (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith("/pkg/") && /\.(wasm|js)$/.test(pathname)) {
      paths.push(pathname);
    }
  });
  return paths;
}

test("status page loads no admin code", async ({ page }) => {
  const paths = recordBundleRequests(page);
  await openPage(page, "/");
  await page.waitForLoadState("networkidle");
  expect(paths, "public bundle files").toEqual(expect.arrayContaining(["/pkg/kodo.js", "/pkg/kodo.wasm"]));
  expect(
    paths.filter((path) => path.startsWith(ADMIN_BUNDLE_PATH)),
    "admin bundle files fetched by the status page",
  ).toEqual([]);
});

test("links between status page and admin load the other bundle", async ({ page }) => {
  await logInAsAdmin(page);
  await openPage(page, "/");
  const paths = recordBundleRequests(page);

  await page.getByRole("link", { name: "Admin", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/?$/);
  await waitForHydration(page);
  await expect(page.getByRole("navigation", { name: "Admin" })).toBeVisible();
  expect(paths, "admin bundle files after following the link").toEqual(
    expect.arrayContaining([`${ADMIN_BUNDLE_PATH}kodo.js`, `${ADMIN_BUNDLE_PATH}kodo.wasm`]),
  );

  // The admin pages link to each other inside their bundle: no page load.
  paths.length = 0;
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Services" }).click();
  await expect(page).toHaveURL(/\/admin\/services$/);
  await waitForHydration(page);
  expect(
    paths.filter((path) => path.endsWith("/kodo.wasm")),
    "main bundles fetched on a move between admin pages",
  ).toEqual([]);

  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Status page" }).click();
  await expect(page).toHaveURL(/\/$/);
  await waitForHydration(page, page.locator("[data-test=subscribe-slot]"));
  expect(paths, "public bundle files after the status page link").toContain("/pkg/kodo.wasm");
});

/** Matches the lazy chunk with the subscribe widget's code. */
const WIDGET_CHUNK = /\/pkg\/split_[^/]*widget_view[^/]*\.wasm$/;

/** Holds back the widget's chunk until the returned function is called. */
async function holdWidgetChunk(page: Page): Promise<() => void> {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route(WIDGET_CHUNK, async (route) => {
    await released;
    await route.continue();
  });
  return release;
}

test("subscribe widget code loads on first focus and keeps what was typed", async ({ page }) => {
  const paths = recordBundleRequests(page);
  const release = await holdWidgetChunk(page);

  await openPage(page, "/");
  await page.waitForLoadState("networkidle");
  expect(
    paths.filter((path) => path.endsWith(".wasm")),
    "WASM files a first load of the status page fetches",
  ).toEqual(["/pkg/kodo.wasm"]);

  // Typed into the server's markup while the widget's code downloads.
  const phone = page.locator("[data-test=subscribe-phone]");
  await phone.fill("+33 6 12 34 56 78");
  await page.locator("[data-test=subscribe-consent]").check();
  await expect.poll(() => paths.some((path) => WIDGET_CHUNK.test(path)), "widget chunk requested").toBe(true);
  release();

  await waitForHydration(page, page.locator("[data-test=subscribe-form]"));
  await expect(phone).toHaveValue("+33 6 12 34 56 78");
  await expect(page.locator("[data-test=subscribe-consent]")).toBeChecked();
  await expect(page.locator("[data-test=subscribe-consent]")).toBeFocused();
  await expect(page.locator("[data-test=phone-check]")).toContainText("+33 6 12 34 56 78");
});

test("submit before widget code is sent once it loads", async ({ page }) => {
  const phone = uniqueUsNumber();
  const release = await holdWidgetChunk(page);
  await openPage(page, "/");
  await page.locator("[data-test=subscribe-time-zone]").fill("Asia/Tokyo");
  await page.locator("[data-test=subscribe-phone]").fill(phone.typed);
  await page.locator("[data-test=subscribe-consent]").check();
  await page.locator("[data-test=subscribe-phone]").press("Enter");
  await expect(page, "the submit does not reload the page").toHaveURL(/\/$/);
  release();

  await expect(page.locator("[data-test=verify-code]")).toBeVisible();
});

test("time zone typed before widget code is kept", async ({ page }) => {
  const release = await holdWidgetChunk(page);
  await openPage(page, "/");
  await page.locator("[data-test=subscribe-time-zone]").fill("Asia/Tokyo");
  release();
  await waitForHydration(page, page.locator("[data-test=subscribe-form]"));
  await expect(page.locator("[data-test=subscribe-time-zone]")).toHaveValue("Asia/Tokyo");
});

test("server markup shows the default choices", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/");
  await expect(page.locator("[data-test=pref-all]")).toBeChecked();
  await expect(page.locator("[data-test=pref-resolutions]")).toBeChecked();
  await expect(page.locator("[data-test=pref-critical]")).not.toBeChecked();
  await expect(page.locator("[data-test=pref-maintenance]")).not.toBeChecked();
  await expect(page.locator("[data-test=subscribe-consent]")).not.toBeChecked();
  await context.close();
});

test("site files are sent compressed", async ({ request }) => {
  for (const path of ["/pkg/kodo.wasm", "/pkg/kodo.js", "/pkg/admin/kodo.wasm", "/pkg/phone/kodo_phone_bg.wasm"]) {
    const response = await request.get(path, { headers: { "Accept-Encoding": "gzip, br" } });
    expect(response.status(), path).toBe(200);
    expect(response.headers()["content-encoding"], `encoding of ${path}`).toMatch(/^(br|gzip)$/);
  }
});
