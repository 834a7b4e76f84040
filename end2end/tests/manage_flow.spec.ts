// Managing a subscription from the public page: the visitor proves they
// hold the phone with a fresh texted code, changes their preferences and
// unsubscribes, and the next incident texts them nothing.

import { expect, test, type Page } from "@playwright/test";

import {
  clickAndWaitForPost,
  countCodeMessages,
  createService,
  logInAsAdmin,
  openIncident,
  openPage,
  openSubscriberDetail,
  outboxMessagesTo,
  readNewCode,
  subscribe,
  uniqueUsNumber,
  waitForOutboxMessage,
  type PhoneNumber,
} from "../support/pages";

/** Opens the manage page from the status page's link and requests a code. */
async function requestManageCode(visitor: Page, phone: PhoneNumber): Promise<void> {
  await openPage(visitor, "/");
  await visitor.locator("[data-test=manage-link]").click();
  await expect(visitor).toHaveURL(/\/manage$/);
  const form = visitor.locator("[data-test=manage-form]");
  await expect(form).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
  await form.locator("[data-test=manage-phone]").fill(phone.typed);
  await form.locator("[data-test=manage-request]").click();

  // A number gets one code a minute, so a request right after the sign-up
  // is told when to try again; wait that long and request once more.
  const code = form.locator("[data-test=manage-code]");
  const error = form.locator("[data-test=manage-error]");
  await expect(code.or(error)).toBeVisible();
  if (await error.isVisible()) {
    const wait = (await error.textContent())?.match(/in (\d+) seconds?/);
    expect(wait, "the error names the seconds to wait").not.toBeNull();
    await visitor.waitForTimeout((Number(wait![1]) + 1) * 1_000);
    await form.locator("[data-test=manage-request]").click();
  }
  await expect(code).toBeVisible();
}

test("manage: new code, preferences, unsubscribe", async ({ page: admin, browser, baseURL }) => {
  test.setTimeout(180_000);
  const service = `Billing ${Date.now()}`;
  const otherService = `Search ${Date.now()}`;
  const phone = uniqueUsNumber();
  const control = uniqueUsNumber();
  const visitorContext = await browser.newContext({ baseURL });
  const visitor = await visitorContext.newPage();

  await test.step("admin creates two services", async () => {
    await logInAsAdmin(admin);
    await createService(admin, service);
    await createService(admin, otherService);
  });

  await test.step("two visitors subscribe", async () => {
    await subscribe(visitor, admin, phone);
    const controlContext = await browser.newContext({ baseURL });
    await subscribe(await controlContext.newPage(), admin, control);
    await controlContext.close();
  });

  const codesBefore = await countCodeMessages(admin, phone.e164);

  await test.step("visitor asks for a code on the manage page", async () => {
    await requestManageCode(visitor, phone);
    const help = visitor.locator("[data-test=no-code-help]");
    await help.locator("summary").click();
    await expect(help).toContainText("START");
  });

  await test.step("a wrong code is rejected, the texted one confirms", async () => {
    const code = await readNewCode(admin, phone.e164, codesBefore);
    const wrong = code === "000000" ? "111111" : "000000";
    await visitor.locator("[data-test=manage-code]").fill(wrong);
    await visitor.locator("[data-test=manage-verify]").click();
    await expect(visitor.locator("[data-test=manage-code-error]")).toContainText(/wrong/i);
    await expect(visitor.locator("[data-test=manage-subscription]")).toBeHidden();

    await visitor.locator("[data-test=manage-code]").fill(code);
    await visitor.locator("[data-test=manage-verify]").click();
    await expect(visitor.locator("[data-test=manage-phone-shown]")).toHaveText(/^\+1 201-555-01\d\d$/);
  });

  await test.step("visitor limits texts to the other service", async () => {
    const form = visitor.locator("[data-test=manage-subscription]");
    await expect(form.locator("[data-test=pref-all]")).toBeChecked();
    await form.locator("[data-test=pref-all]").uncheck();
    await form.getByLabel(otherService, { exact: true }).check();
    await clickAndWaitForPost(visitor, form.locator("[data-test=manage-save]"));
    await expect(form.locator("[data-test=manage-saved]")).toBeVisible();

    await openSubscriberDetail(admin, phone.e164);
    await expect(admin.locator("[data-test=detail-preferences]")).toContainText("1 services");
  });

  await test.step("an incident on the first service is not texted to the visitor", async () => {
    await openPage(admin, "/admin/outbox");
    const before = await outboxMessagesTo(admin, phone.e164).count();
    const incident = { title: "Invoices are delayed", message: "We are looking into it.", serviceName: service };
    await openIncident(admin, incident);
    await waitForOutboxMessage(admin, control.e164, incident.title);
    await expect(outboxMessagesTo(admin, phone.e164)).toHaveCount(before);
  });

  await test.step("visitor unsubscribes", async () => {
    await clickAndWaitForPost(visitor, visitor.locator("[data-test=manage-unsubscribe]"));
    await expect(visitor.locator("[data-test=manage-unsubscribed]")).toBeVisible();
    await openSubscriberDetail(admin, phone.e164);
    await expect(admin.locator("[data-test=detail-status]")).toHaveText("unsubscribed");
  });

  await test.step("the next matching incident is not texted to the visitor", async () => {
    await openPage(admin, "/admin/outbox");
    const before = await outboxMessagesTo(admin, phone.e164).count();
    const incident = { title: "Search is down", message: "Queries fail.", serviceName: otherService };
    await openIncident(admin, incident);
    await waitForOutboxMessage(admin, control.e164, incident.title);
    await expect(outboxMessagesTo(admin, phone.e164)).toHaveCount(before);
    await expect(outboxMessagesTo(admin, phone.e164).filter({ hasText: incident.title })).toHaveCount(0);
  });

  await visitorContext.close();
});

test("manage page same for unknown number", async ({ page: admin, browser, baseURL }) => {
  const stranger = uniqueUsNumber();
  const context = await browser.newContext({ baseURL });
  const visitor = await context.newPage();
  await requestManageCode(visitor, stranger);
  await expect(visitor.locator("[data-test=manage-form]")).toContainText("If +1 201 555 01");

  await visitor.locator("[data-test=manage-code]").fill("123456");
  await visitor.locator("[data-test=manage-verify]").click();
  await expect(visitor.locator("[data-test=manage-code-error]")).toContainText(/wrong/i);

  await logInAsAdmin(admin);
  await openPage(admin, "/admin/outbox");
  await expect(outboxMessagesTo(admin, stranger.e164), "no text to a number without a subscription").toHaveCount(0);
  await context.close();
});
