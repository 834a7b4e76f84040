// The subscribe widget's phone field: the country picker fills in the
// calling code, the number is checked as it is typed with the server's
// rules (in the phone module that the page imports on the first keystroke,
// or by the check_phone server function when that module fails to load),
// and a number the server would reject is never sent.

import { expect, test, type Page } from "@playwright/test";

import {
  logInAsAdmin,
  openSubscribeWidget,
  setAllowedCountries,
  setSenderNumber,
  submitSubscription,
  uniqueUsNumber,
} from "../support/pages";

/** Records the sign-up requests the page sends. */
function countSignUpPosts(page: Page): () => number {
  let posts = 0;
  page.on("request", (request) => {
    if (request.method() === "POST" && request.url().includes("/api/start_sign_up")) {
      posts += 1;
    }
  });
  return () => posts;
}

/** The folder the phone module's files are served from. */
const PHONE_MODULE_PATH = "/pkg/phone/";

/** Matches requests to the check_phone server function. */
const CHECK_PHONE_URL = /\/api\/check_phone/;

/** Records the URL paths of the phone module's files that the page requests. */
function recordPhoneModuleRequests(page: Page): string[] {
  const paths: string[] = [];
  page.on("request", (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith(PHONE_MODULE_PATH)) {
      paths.push(pathname);
    }
  });
  return paths;
}

/** Counts the requests to the check_phone server function, aborted ones too. */
function countServerChecks(page: Page): () => number {
  let checks = 0;
  page.on("request", (request) => {
    if (CHECK_PHONE_URL.test(request.url())) {
      checks += 1;
    }
  });
  return () => checks;
}

test("country picker fills the calling code", async ({ page }) => {
  await openSubscribeWidget(page);
  const picker = page.locator("[data-test=phone-country]");
  const phone = page.locator("[data-test=subscribe-phone]");
  const check = page.locator("[data-test=phone-check]");

  await picker.focus();
  await expect(picker.locator("option[value=GB]")).toHaveCount(1);
  await picker.selectOption("GB");
  await expect(phone).toHaveValue("+44 ");
  await expect(check, "no error for a calling code alone").toBeHidden();

  await phone.fill("07400 123456");
  await expect(check).toHaveAttribute("data-problem", "missing_country_code");
  await picker.selectOption("GB");
  await expect(phone).toHaveValue("+44 07400 123456");
  await expect(check).toHaveAttribute("data-problem", "");
  await expect(check).toContainText("+44 7400 123456");

  await picker.selectOption("US");
  await expect(phone).toHaveValue("+1 07400 123456");
});

test("typed number selects its country", async ({ page }) => {
  await openSubscribeWidget(page);
  await page.locator("[data-test=phone-country]").focus();
  await expect(page.locator("[data-test=phone-country] option[value=FR]")).toHaveCount(1);
  await page.locator("[data-test=subscribe-phone]").fill("+33612345678");
  await expect(page.locator("[data-test=phone-check]")).toContainText("+33 6 12 34 56 78");
  await expect(page.locator("[data-test=phone-country]")).toHaveValue("FR");
});

test("invalid numbers named before submit", async ({ page }) => {
  await openSubscribeWidget(page);
  const posts = countSignUpPosts(page);
  const phone = page.locator("[data-test=subscribe-phone]");
  const check = page.locator("[data-test=phone-check]");
  const cases = [
    { typed: "2015550123", problem: "missing_country_code", text: /country code/i },
    { typed: "+1 201 555 0123 ext. 5", problem: "extension", text: /extension/i },
    { typed: "+1 201 555", problem: "invalid", text: /not valid/i },
    { typed: "+44 20 7946 0958", problem: "not_mobile", text: /cannot receive text messages/i },
  ];
  for (const { typed, problem, text } of cases) {
    await phone.fill(typed);
    await expect(check, typed).toHaveAttribute("data-problem", problem);
    await expect(check, typed).toContainText(text);
    await expect(phone, typed).toHaveAttribute("aria-invalid", "true");
  }

  await page.locator("[data-test=subscribe-consent]").check();
  await page.locator("[data-test=subscribe-submit]").click();
  await expect(page.locator("[data-test=subscribe-error]")).toContainText(/cannot receive text messages/i);
  await expect(page.locator("[data-test=verify-code]")).toBeHidden();
  expect(posts(), "sign-up requests sent for an invalid number").toBe(0);
});

test("allowed countries limit the picker", async ({ page: admin, browser, baseURL }) => {
  await logInAsAdmin(admin);
  await setAllowedCountries(admin, "US, CA");
  const context = await browser.newContext({ baseURL });
  try {
    const visitor = await context.newPage();
    await openSubscribeWidget(visitor);
    const picker = visitor.locator("[data-test=phone-country]");
    await picker.focus();
    await expect(picker.locator("option[value=US]")).toHaveCount(1);
    await expect(picker.locator("option[value=CA]")).toHaveCount(1);
    // The two countries and the "Choose a country" option.
    await expect(picker.locator("option")).toHaveCount(3);

    await visitor.locator("[data-test=subscribe-phone]").fill("+44 7400 123456");
    const check = visitor.locator("[data-test=phone-check]");
    await expect(check).toHaveAttribute("data-problem", "country_not_allowed");
    await expect(check).toContainText("Numbers from GB cannot subscribe");
  } finally {
    await context.close();
    await setAllowedCountries(admin, "");
  }
});

test("time zone detected from browser", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, timezoneId: "Asia/Tokyo" });
  const page = await context.newPage();
  await openSubscribeWidget(page);
  await expect(page.locator("[data-test=subscribe-time-zone]")).toHaveValue("Asia/Tokyo");
  await expect(page.getByLabel("Time zone")).toBeEditable();
  await context.close();
});

test("no-code help names our number", async ({ page: admin, browser, baseURL }) => {
  const sender = "+15005550006";
  await logInAsAdmin(admin);
  await setSenderNumber(admin, sender);
  const context = await browser.newContext({ baseURL });
  try {
    const visitor = await context.newPage();
    await submitSubscription(visitor, uniqueUsNumber().typed, { consent: true });
    const help = visitor.locator("[data-test=no-code-help]");
    await expect(help).toBeVisible();
    await help.locator("summary").click();
    await expect(help).toContainText("text START to");
    await expect(help.locator("[data-test=no-code-sender]")).toHaveText(sender);
  } finally {
    await context.close();
    await setSenderNumber(admin, "");
  }
});

test("widget readable without JavaScript", async ({ browser, baseURL, request }) => {
  // Playwright turns scripts off but not the HTML parser's scripting flag,
  // so Chromium hides <noscript> content here; the served HTML is checked.
  const html = await (await request.get("/")).text();
  expect(html).toMatch(/<noscript>[^]*Subscribing needs JavaScript[^]*<\/noscript>/);

  const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Get updates by text message" })).toBeVisible();
  await expect(page.getByLabel("Mobile number, with country code")).toBeVisible();
  await expect(page.locator("[data-test=manage-link]")).toHaveAttribute("href", "/manage");
  await context.close();
});

test("widget fits a 360 px screen", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await openSubscribeWidget(page);
  await page.locator("[data-test=subscribe-phone]").fill("+1 201 555 0123 ext. 5");
  await expect(page.locator("[data-test=phone-check]")).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, "pixels of horizontal scrolling").toBeLessThanOrEqual(0);
  await context.close();
});

test("phone module not fetched before typing", async ({ page }) => {
  const modulePaths = recordPhoneModuleRequests(page);
  await openSubscribeWidget(page);
  // Neither focusing the picker, which loads the country list, nor focusing
  // the empty phone field is a keystroke.
  const picker = page.locator("[data-test=phone-country]");
  await picker.focus();
  await expect(picker.locator("option[value=GB]")).toHaveCount(1);
  await page.locator("[data-test=subscribe-phone]").focus();
  await page.waitForLoadState("networkidle");
  expect(modulePaths, "phone module requests before the first keystroke").toEqual([]);

  await page.locator("[data-test=subscribe-phone]").pressSequentially("+33612345678");
  await expect(page.locator("[data-test=phone-check]")).toContainText("+33 6 12 34 56 78");
  expect(modulePaths, "phone module files fetched after typing").toEqual(
    expect.arrayContaining([`${PHONE_MODULE_PATH}kodo_phone.js`, `${PHONE_MODULE_PATH}kodo_phone_bg.wasm`]),
  );
  expect(
    modulePaths.filter((path) => path.endsWith(".wasm")),
    "phone module WASM fetches for twelve keystrokes",
  ).toHaveLength(1);
});

test("checks run without check_phone", async ({ page }) => {
  const serverChecks = countServerChecks(page);
  const modulePaths = recordPhoneModuleRequests(page);
  await page.route(CHECK_PHONE_URL, (route) => route.abort());
  await openSubscribeWidget(page);
  const phone = page.locator("[data-test=subscribe-phone]");
  const check = page.locator("[data-test=phone-check]");

  await phone.pressSequentially("+1 201 555");
  await expect(check).toHaveAttribute("data-problem", "invalid");
  await expect(check).toContainText(/not valid/i);
  await expect(phone).toHaveAttribute("aria-invalid", "true");

  await phone.fill("+44 20 7946 0958");
  await expect(check).toHaveAttribute("data-problem", "not_mobile");
  await expect(check).toContainText(/cannot receive text messages/i);

  await phone.fill("+44 (0)7400 123456");
  await expect(check).toHaveAttribute("data-problem", "");
  await expect(check).toHaveText("We will text +44 7400 123456.");
  await expect(phone).toHaveAttribute("aria-invalid", "false");

  expect(modulePaths, "phone module files fetched").toContain(`${PHONE_MODULE_PATH}kodo_phone_bg.wasm`);
  expect(serverChecks(), "requests to check_phone").toBe(0);
});

test("allowed countries checked without check_phone", async ({ page: admin, browser, baseURL }) => {
  await logInAsAdmin(admin);
  await setAllowedCountries(admin, "US, CA");
  const context = await browser.newContext({ baseURL });
  try {
    const visitor = await context.newPage();
    const serverChecks = countServerChecks(visitor);
    await visitor.route(CHECK_PHONE_URL, (route) => route.abort());
    await openSubscribeWidget(visitor);
    const phone = visitor.locator("[data-test=subscribe-phone]");
    const check = visitor.locator("[data-test=phone-check]");

    await phone.pressSequentially("+44 7400 123456");
    await expect(check).toHaveAttribute("data-problem", "country_not_allowed");
    await expect(check).toContainText("Numbers from GB cannot subscribe to this page; it accepts numbers from CA, US.");

    await phone.fill("+1 201 555 0123");
    await expect(check).toHaveAttribute("data-problem", "");
    await expect(check).toHaveText("We will text +1 201-555-0123.");
    expect(serverChecks(), "requests to check_phone").toBe(0);
  } finally {
    await context.close();
    await setAllowedCountries(admin, "");
  }
});

test("server checks when module fails", async ({ page }) => {
  const serverChecks = countServerChecks(page);
  const warnings: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "warning") {
      warnings.push(message.text());
    }
  });
  await page.route(`**${PHONE_MODULE_PATH}**`, (route) => route.abort());
  await openSubscribeWidget(page);
  const phone = page.locator("[data-test=subscribe-phone]");
  const check = page.locator("[data-test=phone-check]");

  await phone.fill("+1 201 555 0123 ext. 5");
  await expect(check).toHaveAttribute("data-problem", "extension");
  await phone.fill("+33612345678");
  await expect(check).toContainText("+33 6 12 34 56 78");

  expect(serverChecks(), "requests to check_phone").toBeGreaterThanOrEqual(2);
  expect(
    warnings.filter((text) => text.includes("phone module")),
    "console warnings about the phone module",
  ).toHaveLength(1);
});
