// The SMS subscription flow end to end: a visitor subscribes on the status
// page, confirms the texted code, gets a message for an incident, replies
// STOP and gets nothing for the next incident. Without Twilio credentials
// Kodo puts every message in the admin outbox, and a reply typed there is
// handled like an SMS from the phone.

import { expect, test } from "@playwright/test";

import {
  clickAndWaitForPost,
  createService,
  logInAsAdmin,
  openIncident,
  openPage,
  outboxMessagesTo,
  readVerificationCode,
  submitCode,
  submitSubscription,
  subscribe,
  uniqueUsNumber,
  waitForOutboxMessage,
} from "../support/pages";

const SERVICE = "API";

test("subscribe, get incident SMS, reply STOP", async ({ page: admin, browser, baseURL }) => {
  test.setTimeout(180_000);
  const phone = uniqueUsNumber();
  // A second subscriber. Its message about the second incident shows that the
  // incident's messages have been sent, so a missing message to `phone` is meaningful.
  const control = uniqueUsNumber();
  const visitorContext = await browser.newContext({ baseURL });
  const visitor = await visitorContext.newPage();

  await test.step("admin logs in", async () => {
    await logInAsAdmin(admin);
  });

  await test.step("admin creates a service", async () => {
    await createService(admin, SERVICE);
  });

  await test.step("visitor submits a number", async () => {
    await submitSubscription(visitor, phone.typed, { consent: true });
    await expect(visitor.locator("[data-test=verify-code]")).toBeVisible();
    // The help for a missing code is shown to everyone, so it reveals nothing.
    await expect(visitor.locator("[data-test=no-code-help]")).toContainText("START");
  });

  await test.step("admin sees the sign-up waiting for its code", async () => {
    await openPage(admin, "/admin/subscribers");
    await expect(admin.locator(`[data-test=signup-row][data-phone="${phone.e164}"]`)).toBeVisible();
    await expect(admin.locator(`[data-test=subscriber-row][data-phone="${phone.e164}"]`)).toHaveCount(0);
  });

  const code = await test.step("admin reads the code in the outbox", async () => {
    return readVerificationCode(admin, phone.e164);
  });

  await test.step("visitor enters a wrong code, then the right one", async () => {
    const wrongCode = code === "000000" ? "111111" : "000000";
    await submitCode(visitor, wrongCode);
    await expect(visitor.locator("[data-test=verify-error]")).toContainText(/wrong/i);
    await expect(visitor.locator("[data-test=subscribe-done]")).toBeHidden();

    await submitCode(visitor, code);
    await expect(visitor.locator("[data-test=subscribe-done]")).toBeVisible();
  });

  await test.step("a second visitor subscribes", async () => {
    const controlContext = await browser.newContext({ baseURL });
    await subscribe(await controlContext.newPage(), admin, control);
    await controlContext.close();
  });

  const firstIncident = { title: "API errors on checkout", message: "We are looking into it.", serviceName: SERVICE };
  await test.step("admin opens an incident", async () => {
    await openIncident(admin, firstIncident);
  });

  const incidentMessage = await test.step("the incident is texted to the subscriber", async () => {
    return waitForOutboxMessage(admin, phone.e164, firstIncident.title);
  });

  await test.step("subscriber replies STOP", async () => {
    await incidentMessage.locator("[data-test=outbox-reply-body]").fill("STOP");
    await clickAndWaitForPost(admin, incidentMessage.locator("[data-test=outbox-reply-send]"));

    const status = admin.locator(`[data-test=subscriber-row][data-phone="${phone.e164}"] [data-test=subscriber-status]`);
    await expect(async () => {
      await admin.goto("/admin/subscribers");
      await expect(status).toHaveText("unsubscribed", { timeout: 2_000 });
    }, `${phone.e164} is listed as unsubscribed`).toPass({ timeout: 30_000 });
  });

  await test.step("the next incident is not texted to the unsubscribed number", async () => {
    await openPage(admin, "/admin/outbox");
    const messagesBefore = await outboxMessagesTo(admin, phone.e164).count();

    const secondIncident = { title: "API latency is high", message: "Requests are slow.", serviceName: SERVICE };
    await openIncident(admin, secondIncident);
    // Once the control number has its message, this incident's messages are in the outbox.
    await waitForOutboxMessage(admin, control.e164, secondIncident.title);

    await expect(outboxMessagesTo(admin, phone.e164)).toHaveCount(messagesBefore);
    await expect(
      outboxMessagesTo(admin, phone.e164).filter({ hasText: secondIncident.title }),
      "no message about the second incident to the unsubscribed number",
    ).toHaveCount(0);
  });

  await visitorContext.close();
});

test.describe("subscribe widget input checks", () => {
  test("number without country code", async ({ page }) => {
    await submitSubscription(page, "2015550123", { consent: true });
    await expect(page.locator("[data-test=subscribe-error]")).toContainText(/country code/i);
    await expect(page.locator("[data-test=verify-code]")).toBeHidden();
  });

  test("submission without consent", async ({ page }) => {
    await submitSubscription(page, uniqueUsNumber().typed, { consent: false });
    await expect(page.locator("[data-test=subscribe-error]")).toContainText(/consent/i);
    await expect(page.locator("[data-test=verify-code]")).toBeHidden();
  });
});
