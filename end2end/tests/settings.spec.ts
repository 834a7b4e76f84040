// The message-timing settings: hold window, quiet hours and typographic
// replacement, with the server's checks shown beside each field.

import { expect, test, type Page } from "@playwright/test";

import { clickAndWaitForPost, logInAsAdmin, openPage } from "../support/pages";

/** Saves the settings form and waits for the server's reply, error or not. */
async function saveSettings(page: Page): Promise<void> {
  const response = page.waitForResponse((candidate) => candidate.request().method() === "POST");
  await page.locator("[data-test=settings-save]").click();
  await response;
}

test("timing settings save and show errors inline", async ({ page }) => {
  await logInAsAdmin(page);
  await openPage(page, "/admin/settings");
  const hold = page.getByLabel("Hold window for incident updates, in seconds");

  await test.step("an out-of-range hold window is rejected beside the field", async () => {
    await hold.fill("5000");
    await saveSettings(page);
    await expect(page.locator("[data-test=error-hold_seconds]")).toContainText("out of range");
    await expect(hold).toHaveAttribute("aria-invalid", "true");
    await expect(page.locator("[data-test=settings-error]")).toBeHidden();
  });

  await test.step("several mistakes are reported together and the typed values stay", async () => {
    const accountSid = page.locator("[data-test=settings-account-sid]");
    await hold.fill("5000");
    await accountSid.fill("not-a-sid");
    await saveSettings(page);
    await expect(page.locator("[data-test=error-hold_seconds]")).toContainText("out of range");
    await expect(page.locator("[data-test=settings-error]")).toContainText("Account SID is invalid");
    await expect(hold).toHaveValue("5000");
    await expect(accountSid).toHaveValue("not-a-sid");
    await accountSid.fill("");
  });

  await test.step("valid timing settings are saved", async () => {
    await hold.fill("120");
    await page.locator("[data-test=settings-quiet-hours]").check();
    await page.getByLabel("From", { exact: true }).fill("22:00");
    await page.getByLabel("Until", { exact: true }).fill("07:00");
    await page.locator("[data-test=settings-replace-typographic]").uncheck();
    await clickAndWaitForPost(page, page.locator("[data-test=settings-save]"));
    await expect(page.getByText("Saved.").filter({ visible: true })).toBeVisible();

    await openPage(page, "/admin/settings");
    await expect(hold).toHaveValue("120");
    await expect(page.locator("[data-test=settings-quiet-hours]")).toBeChecked();
    await expect(page.getByLabel("From", { exact: true })).toHaveValue("22:00");
    await expect(page.getByLabel("Until", { exact: true })).toHaveValue("07:00");
    await expect(page.locator("[data-test=settings-replace-typographic]")).not.toBeChecked();
  });

  await test.step("settings go back to the defaults", async () => {
    await hold.fill("60");
    await page.locator("[data-test=settings-quiet-hours]").uncheck();
    await page.locator("[data-test=settings-replace-typographic]").check();
    await clickAndWaitForPost(page, page.locator("[data-test=settings-save]"));
    await openPage(page, "/admin/settings");
    await expect(hold).toHaveValue("60");
    await expect(page.locator("[data-test=settings-quiet-hours]")).not.toBeChecked();
  });
});
