// Scheduled maintenance: the admin schedules a window in the browser's time
// zone, subscribers who asked for maintenance news get Maintenance
// Scheduled in the outbox, and canceling it sends them a cancellation.

import { expect, test } from "@playwright/test";

import {
  clickAndWaitForPost,
  createService,
  localDateTime,
  logInAsAdmin,
  openPage,
  outboxMessagesTo,
  subscribe,
  uniqueUsNumber,
  waitForOutboxMessage,
} from "../support/pages";

// A zone other than the machine's, so that the form must read the times in
// the browser's zone to pass.
test.use({ timezoneId: "Europe/Berlin" });

test("scheduling maintenance texts subscribers who want it", async ({ page: admin, browser, baseURL }) => {
  test.setTimeout(180_000);
  const service = `Database ${Date.now()}`;
  const wantsMaintenance = uniqueUsNumber();
  const incidentsOnly = uniqueUsNumber();
  const title = `DB upgrade ${Date.now() % 100_000}`;

  await test.step("admin logs in and adds a service", async () => {
    await logInAsAdmin(admin);
    await createService(admin, service);
  });

  await test.step("two visitors subscribe, one to maintenance", async () => {
    // The visitors' browsers are in New York, so the widget signs them up in
    // that zone, while the admin types times in Berlin's.
    const context = await browser.newContext({ baseURL, timezoneId: "America/New_York" });
    await subscribe(await context.newPage(), admin, wantsMaintenance, { maintenance: true });
    await subscribe(await context.newPage(), admin, incidentsOnly);
    await context.close();
  });

  const starts = await test.step("admin schedules maintenance", async () => {
    await openPage(admin, "/admin/maintenance");
    const browserZone = await admin.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    await expect(admin.locator("[data-test=maintenance-zone]")).toHaveValue(browserZone);
    await expect(admin.locator("[data-test=maintenance-zone-note]").first()).toHaveText(`Times in ${browserZone}`);

    const starts = await localDateTime(admin, 24);
    const ends = await localDateTime(admin, 26);
    const form = admin.getByRole("region", { name: "Schedule maintenance" });
    await form.getByLabel("Title", { exact: true }).fill(title);
    await form.getByLabel("Message", { exact: true }).fill("API is read-only.");
    await form.getByLabel("Starts", { exact: true }).fill(starts);
    await form.getByLabel("Ends", { exact: true }).fill(ends);
    await form.getByLabel(service, { exact: true }).check();
    await clickAndWaitForPost(admin, form.locator("[data-test=maintenance-submit]"));

    const item = admin.locator("[data-test=maintenance-upcoming] [data-test=maintenance-item]", { hasText: title });
    await expect(item).toBeVisible();
    await expect(item.locator("[data-test=maintenance-status]")).toHaveText("Scheduled");
    // The window reads back in the zone it was typed in.
    await expect(item.locator("[data-test=maintenance-window]")).toContainText(starts.replace("T", " "));
    return starts;
  });

  await test.step("the subscriber who wants maintenance news gets Maintenance Scheduled", async () => {
    const message = await waitForOutboxMessage(admin, wantsMaintenance.e164, title);
    const body = message.locator("[data-test=outbox-body]");
    await expect(body).toContainText("Maintenance");
    await expect(body).toContainText("read-only");
    // The subscriber gets the times in their own zone, America/New_York.
    await expect(body).toContainText(/E[SD]T/);
    await expect(outboxMessagesTo(admin, incidentsOnly.e164).filter({ hasText: title })).toHaveCount(0);
    // A cancellation goes only to those whose message went out.
    await expect(async () => {
      await admin.goto("/admin/outbox");
      await expect(message.locator("[data-test=outbox-status]")).toHaveText("sent", { timeout: 2_000 });
    }, "the Maintenance Scheduled message is sent").toPass({ timeout: 30_000 });
    expect(starts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
  });

  await test.step("admin renames the window", async () => {
    await openPage(admin, "/admin/maintenance");
    const item = admin.locator("[data-test=maintenance-item]", { hasText: title });
    await item.locator("[data-test=maintenance-edit]").click();
    await item.getByLabel("Title", { exact: true }).fill(`${title} v2`);
    await clickAndWaitForPost(admin, item.locator("[data-test=maintenance-submit]"));
    await expect(admin.locator("[data-test=maintenance-upcoming]")).toContainText(`${title} v2`);
  });

  await test.step("canceling sends the subscriber a cancellation", async () => {
    const item = admin.locator("[data-test=maintenance-item]", { hasText: `${title} v2` });
    await clickAndWaitForPost(admin, item.locator("[data-test=maintenance-cancel]"));
    const finished = admin.locator("[data-test=maintenance-finished] [data-test=maintenance-item]", {
      hasText: `${title} v2`,
    });
    await expect(finished.locator("[data-test=maintenance-status]")).toHaveText("Canceled");
    await waitForOutboxMessage(admin, wantsMaintenance.e164, /Canceled: maintenance/);
  });
});

test("maintenance form shows errors beside the fields", async ({ page }) => {
  await logInAsAdmin(page);
  await openPage(page, "/admin/maintenance");
  const form = page.getByRole("region", { name: "Schedule maintenance" });
  await form.getByLabel("Title", { exact: true }).fill("Backwards window");
  await form.getByLabel("Message", { exact: true }).fill("Ends before it starts.");
  await form.getByLabel("Starts", { exact: true }).fill(await localDateTime(page, 26));
  await form.getByLabel("Ends", { exact: true }).fill(await localDateTime(page, 24));

  const response = page.waitForResponse((candidate) => candidate.request().method() === "POST");
  await form.locator("[data-test=maintenance-submit]").click();
  await response;

  await expect(form.locator("[data-test=error-ends_at]")).toContainText("The end is not after the start");
  await expect(form.getByLabel("Ends", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("[data-test=maintenance-item]", { hasText: "Backwards window" })).toHaveCount(0);
});
