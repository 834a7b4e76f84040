// Page steps shared by the specs. Elements are found by their data-test
// attributes, which the app keeps stable for these tests.

import { expect, type Locator, type Page } from "@playwright/test";

import { ADMIN_EMAIL, ADMIN_PASSWORD } from "./e2e";

/** How long a step waits for work the server may finish in the background, such as sending a message. */
const BACKGROUND_WORK_TIMEOUT_MS = 30_000;

/** A phone number as a visitor types it and as Kodo stores it. */
export interface PhoneNumber {
  typed: string;
  e164: string;
}

const usedSuffixes = new Set<number>();

/**
 * Returns a US number from +1 201 555 0100 to 0199, a range reserved for
 * fictional use, that no earlier call in this worker returned. Kodo accepts it
 * as SMS-capable, and the outbox keeps messages to it on this machine.
 */
export function uniqueUsNumber(): PhoneNumber {
  if (usedSuffixes.size >= 100) {
    throw new Error("All 100 numbers from +1 201 555 0100 to 0199 are used.");
  }
  let suffix: number;
  do {
    suffix = Math.floor(Math.random() * 100);
  } while (usedSuffixes.has(suffix));
  usedSuffixes.add(suffix);
  const last = String(suffix).padStart(2, "0");
  return { typed: `+1 201 555 01${last}`, e164: `+120155501${last}` };
}

/**
 * Waits until the client-side app has hydrated, so that clicks reach its
 * event handlers. The app sets data-hydrated="true" on its root element (the
 * subscribe widget, the admin layout) once hydration has run.
 */
export async function waitForHydration(page: Page, root: Locator = page.locator("[data-hydrated]").first()): Promise<void> {
  await expect(root, "the page hydrates (its root gets data-hydrated=true)").toHaveAttribute("data-hydrated", "true", {
    timeout: 30_000,
  });
}

/** Opens a page and waits until it has hydrated. */
export async function openPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await waitForHydration(page);
}

/** Clicks a control that posts a form or calls a server function, and waits for the server's response. */
export async function clickAndWaitForPost(page: Page, control: Locator): Promise<void> {
  const response = page.waitForResponse((candidate) => candidate.request().method() === "POST");
  await control.click();
  const posted = await response;
  expect(posted.status(), `status of POST ${posted.url()}`).toBeLessThan(400);
}

export async function logInAsAdmin(page: Page): Promise<void> {
  await openPage(page, "/admin/login");
  await page.locator("[data-test=login-email]").fill(ADMIN_EMAIL);
  await page.locator("[data-test=login-password]").fill(ADMIN_PASSWORD);
  await page.locator("[data-test=login-submit]").click();
  await expect(page).toHaveURL(/\/admin\/?$/);
}

/**
 * Opens the status page and loads the subscribe widget's code, as a
 * visitor's first focus inside the widget does, and returns the widget.
 */
export async function openSubscribeWidget(page: Page): Promise<Locator> {
  await page.goto("/");
  await waitForHydration(page, page.locator("[data-test=subscribe-slot]"));
  await page.locator("[data-test=subscribe-phone]").focus();
  const form = page.locator("[data-test=subscribe-form]");
  await waitForHydration(page, form);
  return form;
}

/** Opens the status page, fills the subscribe widget and submits it. */
export async function submitSubscription(
  page: Page,
  phone: string,
  options: { consent: boolean; maintenance?: boolean },
): Promise<void> {
  const form = await openSubscribeWidget(page);
  await form.locator("[data-test=subscribe-phone]").fill(phone);
  if (options.maintenance) {
    await form.locator("[data-test=pref-maintenance]").check();
  }
  if (options.consent) {
    await form.locator("[data-test=subscribe-consent]").check();
  }
  await form.locator("[data-test=subscribe-submit]").click();
}

/** Submits a verification code in the code step of the subscribe widget. */
export async function submitCode(page: Page, code: string): Promise<void> {
  await page.locator("[data-test=verify-code]").fill(code);
  await page.locator("[data-test=verify-submit]").click();
}

/** Outbox rows of messages to one number, on the outbox page. */
export function outboxMessagesTo(page: Page, e164: string): Locator {
  return page.locator(`[data-test=outbox-message][data-to="${e164}"]`);
}

/**
 * Loads the outbox again until exactly one message to the number has a body
 * that matches the text, and returns its row.
 */
export async function waitForOutboxMessage(page: Page, e164: string, text: string | RegExp): Promise<Locator> {
  const rows = outboxMessagesTo(page, e164).filter({
    has: page.locator("[data-test=outbox-body]", { hasText: text }),
  });
  await expect(async () => {
    await page.goto("/admin/outbox");
    await expect(rows).toHaveCount(1, { timeout: 2_000 });
  }, `one outbox message to ${e164} matching ${text}`).toPass({ timeout: BACKGROUND_WORK_TIMEOUT_MS });
  await waitForHydration(page);
  return rows;
}

/** Reads the 6-digit verification code that the outbox holds for the number. */
export async function readVerificationCode(page: Page, e164: string): Promise<string> {
  const row = await waitForOutboxMessage(page, e164, /\b\d{6}\b/);
  const body = (await row.locator("[data-test=outbox-body]").textContent()) ?? "";
  const match = body.match(/\b(\d{6})\b/);
  expect(match, `a 6-digit code in the message "${body}"`).not.toBeNull();
  return match![1];
}

/**
 * Signs a number up in a fresh page and confirms it with the code from the
 * outbox. With maintenance set, it also subscribes to maintenance messages.
 */
export async function subscribe(
  visitor: Page,
  admin: Page,
  phone: PhoneNumber,
  options: { maintenance?: boolean } = {},
): Promise<void> {
  await submitSubscription(visitor, phone.typed, { consent: true, ...options });
  await expect(visitor.locator("[data-test=verify-code]")).toBeVisible();
  const code = await readVerificationCode(admin, phone.e164);
  await submitCode(visitor, code);
  await expect(visitor.locator("[data-test=subscribe-done]")).toBeVisible();
}

export async function createService(page: Page, name: string): Promise<void> {
  await openPage(page, "/admin/services");
  await page.locator("[data-test=service-name]").fill(name);
  await page.locator("[data-test=service-create]").click();
  await expect(page.locator("[data-test=service-row]", { hasText: name })).toBeVisible();
}

/**
 * Opens a major incident affecting the service labelled serviceName, and
 * waits until the incident list shows it.
 */
export async function openIncident(
  page: Page,
  incident: { title: string; message: string; serviceName: string },
): Promise<void> {
  await openPage(page, "/admin/incidents");
  await page.locator("[data-test=incident-title]").fill(incident.title);
  await page.locator("[data-test=incident-severity]").selectOption("major");
  await page.locator("[data-test=incident-status]").selectOption("investigating");
  await page.locator("[data-test=incident-message]").fill(incident.message);
  await page.getByLabel(incident.serviceName, { exact: true }).and(page.locator("[data-test=incident-service]")).check();
  await clickAndWaitForPost(page, page.locator("[data-test=incident-open]"));
  await expect(page.getByText(incident.title).first()).toBeVisible();
}

/** Messages to the number with a 6-digit code in the body, newest first, on the outbox page. */
function codeMessagesTo(page: Page, e164: string): Locator {
  return outboxMessagesTo(page, e164).filter({
    has: page.locator("[data-test=outbox-body]", { hasText: /\b\d{6}\b/ }),
  });
}

/** Counts the outbox messages to the number that hold a 6-digit code. */
export async function countCodeMessages(page: Page, e164: string): Promise<number> {
  await openPage(page, "/admin/outbox");
  return codeMessagesTo(page, e164).count();
}

/**
 * Loads the outbox again until it contains more than `seenBefore` messages with
 * a code to the number, and returns the code of the newest one.
 */
export async function readNewCode(page: Page, e164: string, seenBefore: number): Promise<string> {
  const rows = codeMessagesTo(page, e164);
  await expect(async () => {
    await page.goto("/admin/outbox");
    await expect(rows).toHaveCount(seenBefore + 1, { timeout: 2_000 });
  }, `a new code message to ${e164}`).toPass({ timeout: BACKGROUND_WORK_TIMEOUT_MS });
  const body = (await rows.first().locator("[data-test=outbox-body]").textContent()) ?? "";
  const match = body.match(/\b(\d{6})\b/);
  expect(match, `a 6-digit code in the message "${body}"`).not.toBeNull();
  return match![1];
}

/** Replies to the newest outbox message to the number as if the phone texted back. */
export async function replyAsPhone(page: Page, e164: string, text: string): Promise<void> {
  await openPage(page, "/admin/outbox");
  const newest = outboxMessagesTo(page, e164).first();
  await newest.locator("[data-test=outbox-reply-body]").fill(text);
  await clickAndWaitForPost(page, newest.locator("[data-test=outbox-reply-send]"));
}

/** Opens the admin's page of the subscriber with this number. */
export async function openSubscriberDetail(page: Page, e164: string): Promise<void> {
  await openPage(page, "/admin/subscribers");
  await page.locator(`[data-test=subscriber-row][data-phone="${e164}"] [data-test=subscriber-link]`).click();
  await expect(page.locator("[data-test=subscriber-detail] h1")).toHaveText(e164);
}

/**
 * Saves the allowed countries on the admin settings page: codes separated by
 * commas, or "" for every country.
 */
export async function setAllowedCountries(page: Page, countries: string): Promise<void> {
  await openPage(page, "/admin/settings");
  const form = page.locator("[data-test=allowed-countries-form]");
  await form.locator("[data-test=allowed-countries]").fill(countries);
  await clickAndWaitForPost(page, form.locator("[data-test=allowed-countries-save]"));
  await expect(form.locator("[data-test=allowed-countries-error]")).toBeHidden();
}

/** Saves the From number on the admin settings page ("" clears it). */
export async function setSenderNumber(page: Page, from: string): Promise<void> {
  await openPage(page, "/admin/settings");
  await page.locator("[data-test=settings-from]").fill(from);
  await clickAndWaitForPost(page, page.locator("[data-test=settings-save]"));
  await expect(page.locator("[data-test=settings-error]")).toBeHidden();
}

/**
 * Returns a date and time `hoursFromNow` ahead in the browser's time zone,
 * in the form a datetime-local input takes, such as 2026-06-03T22:00.
 */
export async function localDateTime(page: Page, hoursFromNow: number): Promise<string> {
  return page.evaluate((hours) => {
    const time = new Date(Date.now() + hours * 3_600_000);
    const pad = (value: number) => String(value).padStart(2, "0");
    const date = `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}`;
    return `${date}T${pad(time.getHours())}:${pad(time.getMinutes())}`;
  }, hoursFromNow);
}
