// The template editor: the live preview, computed in the browser by the
// same Rust code the server sends with, and the checks on saving.

import { expect, test, type Locator, type Page } from "@playwright/test";

import { clickAndWaitForPost, logInAsAdmin, openPage } from "../support/pages";

/** Opens the template editor and returns the editor of one template. */
async function openEditor(page: Page, name: string): Promise<Locator> {
  await logInAsAdmin(page);
  await openPage(page, "/admin/templates");
  const editor = page.locator(`[data-test=template-editor][data-name=${name}]`);
  await expect(editor).toBeVisible();
  return editor;
}

test("editor lists every template with its variables", async ({ page }) => {
  await logInAsAdmin(page);
  await openPage(page, "/admin/templates");
  await expect(page.locator("[data-test=template-editor]")).toHaveCount(11);

  const verification = page.locator("[data-test=template-editor][data-name=verification]");
  await expect(verification.locator("[data-test=template-variables]")).toContainText("{{code}} (required)");
  const maintenance = page.locator("[data-test=template-editor][data-name=maintenance_scheduled]");
  await expect(maintenance.locator("[data-test=template-variables]")).toContainText("{{starts_at}}");
  await expect(page.getByRole("textbox", { name: "Text of “Incident opened”" })).toBeVisible();
});

test("preview counts as the admin types", async ({ page }) => {
  const editor = await openEditor(page, "incident_created");
  const text = editor.locator("[data-test=template-text]");
  const characters = editor.locator("[data-test=preview-characters]");
  const encoding = editor.locator("[data-test=preview-encoding]");
  const segments = editor.locator("[data-test=preview-segments]");
  const shortened = editor.locator("[data-test=preview-shortened]");

  await test.step("GSM-7 text", async () => {
    await text.fill("");
    await text.pressSequentially("Alert: {{title}}");
    await expect(editor.locator("[data-test=preview-text]")).toHaveText("Alert: API errors");
    await expect(characters).toHaveText("17");
    await expect(encoding).toHaveText("GSM-7");
    await expect(segments).toHaveText("1");
  });

  await test.step("an emoji switches to UCS-2", async () => {
    await text.press("End");
    await text.pressSequentially(" 🔥");
    await expect(editor.locator("[data-test=preview-text]")).toHaveText("Alert: API errors 🔥");
    await expect(characters).toHaveText("19");
    await expect(encoding).toHaveText("UCS-2");
    await expect(segments).toHaveText("1");
  });

  await test.step("too long for one segment", async () => {
    await text.fill(`Alert: {{title}} ${"x".repeat(160)}`);
    await expect(encoding).toHaveText("GSM-7");
    await expect(characters).toHaveText("178");
    await expect(segments).toHaveText("2");
    await expect(shortened).toBeHidden();
  });

  await test.step("a long message is shortened to one segment", async () => {
    await text.fill("{{title}}: {{message}} {{url}}");
    await editor.locator("summary", { hasText: "Sample values" }).click();
    await editor.locator("[data-test=sample-message]").fill("We are looking into it. ".repeat(10));
    await expect(shortened).toBeVisible();
    await expect(segments).toHaveText("1");
    // The link is this page's, as in a real message, so its length counts.
    await expect(editor.locator("[data-test=preview-text]")).toContainText(
      `... ${new URL(page.url()).origin}/incidents/10000`,
    );
  });
});

test("unknown variable is rejected with its position", async ({ page }) => {
  const editor = await openEditor(page, "incident_created");
  const text = editor.locator("[data-test=template-text]");
  const original = await text.inputValue();

  await text.fill("Down: {{titel}} {{url}}");
  await expect(editor.locator("[data-test=template-error]")).toContainText("unknown variable {{titel}} at character 7");
  await expect(text).toHaveAttribute("aria-invalid", "true");

  // The server rejects the save, so its response is an error status.
  const response = page.waitForResponse((candidate) => candidate.request().method() === "POST");
  await editor.locator("[data-test=template-save]").click();
  await response;
  const saveError = editor.locator("[data-test=template-save-error]");
  await expect(saveError).toContainText("Not saved: unknown variable {{titel}} at character 7; use one of {{title}}");
  await expect(saveError.locator("[data-test=template-error-mark]")).toHaveText("{");

  await openPage(page, "/admin/templates");
  await expect(page.locator("[data-test=template-editor][data-name=incident_created] [data-test=template-text]")).toHaveValue(
    original,
  );
});

test("verification template is the settings' verification message", async ({ page }) => {
  const editor = await openEditor(page, "verification");
  const text = editor.locator("[data-test=template-text]");
  const custom = "{{page}} code: {{code}}";

  await text.fill(custom);
  await clickAndWaitForPost(page, editor.locator("[data-test=template-save]"));
  await expect(editor.locator("[data-test=template-saved]")).toBeVisible();

  await openPage(page, "/admin/settings");
  await expect(page.locator("[data-test=settings-template]")).toHaveValue(custom);

  await openPage(page, "/admin/templates");
  const reloaded = page.locator("[data-test=template-editor][data-name=verification]");
  await clickAndWaitForPost(page, reloaded.locator("[data-test=template-reset]"));
  await expect(reloaded.locator("[data-test=template-text]")).toHaveValue(/verification code is \{\{code\}\}/);
  await expect(reloaded.locator("[data-test=template-reset]")).toBeDisabled();
});

test("admin pages fit a 360 px screen", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await logInAsAdmin(page);
  for (const path of ["/admin/templates", "/admin/maintenance", "/admin/settings"]) {
    await openPage(page, path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
  }
});
