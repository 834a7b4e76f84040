// The admin's delivery page follows an incident's messages without a
// reload: it is open before the incident exists, and its progress bar for
// the new incident reaches the number of messages the outbox holds. Without
// Twilio credentials the development outbox marks each message "sent".

import { expect, test } from "@playwright/test";

import { createService, logInAsAdmin, openIncident, openPage, subscribe, uniqueUsNumber } from "../support/pages";

test("delivery bar reaches the incident's counts", async ({ page: admin, browser, baseURL }) => {
  test.setTimeout(120_000);
  const serviceName = `Delivery ${Date.now()}`;
  const incident = { title: `Delivery check ${Date.now()}`, message: "Counting messages.", serviceName };

  await test.step("admin logs in, creates a service and a subscriber", async () => {
    await logInAsAdmin(admin);
    await createService(admin, serviceName);
    const visitorContext = await browser.newContext({ baseURL });
    await subscribe(await visitorContext.newPage(), admin, uniqueUsNumber());
    await visitorContext.close();
  });

  const delivery = await admin.context().newPage();
  await test.step("admin opens the delivery page before the incident", async () => {
    await openPage(delivery, "/admin/delivery");
    await expect(delivery.locator("[data-test=delivery-event]", { hasText: incident.title })).toHaveCount(0);
  });

  await test.step("admin opens the incident in another tab", async () => {
    await openIncident(admin, incident);
  });

  const expected = await test.step("the outbox holds the incident's messages", async () => {
    const rows = admin.locator("[data-test=outbox-message]").filter({
      has: admin.locator("[data-test=outbox-body]", { hasText: incident.title }),
    });
    await expect(async () => {
      await admin.goto("/admin/outbox");
      expect(await rows.count()).toBeGreaterThan(0);
      await expect(rows.locator("[data-test=outbox-status]", { hasText: "queued" })).toHaveCount(0);
    }).toPass({ timeout: 30_000 });
    return rows.count();
  });

  await test.step("the delivery page shows them sent without a reload", async () => {
    const event = delivery.locator("[data-test=delivery-event]", { hasText: incident.title });
    await expect(event).toHaveCount(1, { timeout: 15_000 });
    await expect(event.locator("[data-test=count-sent]")).toHaveText(String(expected), { timeout: 15_000 });
    await expect(event.locator("[data-test=count-queued]")).toHaveText("0");
    await expect(event.locator("[data-test=count-delivered]")).toHaveText("0");
    await expect(event.locator("[data-test=count-failed]")).toHaveText("0");
    await expect(event.locator("[data-test=delivery-failure]")).toHaveCount(0);
  });
});
