// The admin's subscriber page: status, time zone and the consent history
// with its evidence, after a sign-up on the status page and a STOP reply,
// and the consent log as CSV for the signed-in admin only.

import * as fs from "node:fs";

import { expect, request, test } from "@playwright/test";

import {
  logInAsAdmin,
  openPage,
  openSubscriberDetail,
  replyAsPhone,
  subscribe,
  uniqueUsNumber,
} from "../support/pages";

const USER_AGENT = "KodoConsentTest/1.0 (Playwright)";

test("consent history after sign-up and STOP", async ({ page: admin, browser, baseURL }) => {
  test.setTimeout(120_000);
  const phone = uniqueUsNumber();
  const context = await browser.newContext({ baseURL, userAgent: USER_AGENT, timezoneId: "Asia/Tokyo" });
  const visitor = await context.newPage();
  await logInAsAdmin(admin);

  await openPage(visitor, "/");
  const consentText = (await visitor.locator("[data-test=subscribe-consent-text]").textContent()) ?? "";
  expect(consentText.length, "consent text beside the checkbox").toBeGreaterThan(0);
  await subscribe(visitor, admin, phone);

  await test.step("the sign-up is recorded with its evidence", async () => {
    await openSubscriberDetail(admin, phone.e164);
    await expect(admin.locator("[data-test=detail-status]")).toHaveText("active");
    await expect(admin.locator("[data-test=detail-time-zone]")).toHaveText("Asia/Tokyo");
    const rows = admin.locator("[data-test=consent-row]");
    await expect(rows).toHaveCount(1);
    const optIn = rows.first();
    await expect(optIn).toHaveAttribute("data-action", "opt_in");
    await expect(optIn).toHaveAttribute("data-method", "web");
    await expect(optIn).toContainText("127.0.0.1");
    await expect(optIn).toContainText(USER_AGENT);
    await expect(optIn.locator("[data-test=consent-text]"), "the text the visitor agreed to").toHaveText(consentText);
  });

  await test.step("a STOP reply is recorded", async () => {
    await replyAsPhone(admin, phone.e164, "STOP");
    const rows = admin.locator("[data-test=consent-row]");
    await expect(async () => {
      await openSubscriberDetail(admin, phone.e164);
      await expect(rows).toHaveCount(2, { timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    await expect(admin.locator("[data-test=detail-status]")).toHaveText("unsubscribed");
    await expect(rows.nth(1)).toHaveAttribute("data-action", "opt_out");
    await expect(rows.nth(1)).toHaveAttribute("data-method", "sms_keyword");
  });

  await test.step("the admin downloads the consent log", async () => {
    const download = admin.waitForEvent("download");
    await admin.locator("[data-test=consent-csv]").click();
    const file = await (await download).path();
    const csv = fs.readFileSync(file, "utf8");
    expect(csv.split("\n")[0]).toBe("id,created_at,phone,action,method,consent_text,client_ip,user_agent,actor");
    const lines = csv.split("\n").filter((line) => line.includes(phone.e164));
    expect(lines, `CSV lines of ${phone.e164}`).toHaveLength(2);
    expect(lines[0]).toContain(USER_AGENT);
  });

  await test.step("the CSV needs a signed-in admin", async () => {
    const anonymous = await request.newContext({ baseURL });
    const response = await anonymous.get("/admin/consent.csv");
    expect(response.status()).toBe(401);
    await anonymous.dispose();
  });

  await context.close();
});
