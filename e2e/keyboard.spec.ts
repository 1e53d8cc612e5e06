import { expect, type Locator, type Page, test } from "@playwright/test";
import { received } from "./inspector.js";
import { apiUrl } from "./urls.js";

/**
 * Presses Tab (and nothing else) until `target` has the focus; fails when it
 * is not reached within `limit` presses, so a broken tab order fails the test.
 */
async function tabTo(page: Page, target: Locator, limit = 40): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  await expect(target).toBeFocused();
}

test("the main flow works with the keyboard alone: Tab, typing, Space and Enter", async ({
  page,
}) => {
  await page.goto(`${apiUrl()}/`);
  const name = page.getByLabel("Name");
  await tabTo(page, name);
  await expect(name).toHaveCSS("outline-style", "solid"); // the focus is visible
  await page.keyboard.type("Keys");

  await tabTo(page, page.getByLabel("Metadata key 1", { exact: true }));
  await page.keyboard.type("x-user");
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Metadata value 1", { exact: true })).toBeFocused();
  await page.keyboard.type("keyboard");

  // Adding a row moves the focus into it.
  await tabTo(page, page.getByRole("button", { name: "Add metadata row" }));
  await page.keyboard.press("Enter");
  await expect(page.getByLabel("Metadata key 2", { exact: true })).toBeFocused();
  await page.keyboard.type("x-demo-bin");
  await page.keyboard.press("Tab");
  await page.keyboard.type("0102");
  await page.keyboard.press("Tab");
  const binary = page.getByLabel("Binary value 2");
  await expect(binary).toBeFocused();
  await page.keyboard.press("Space");
  await expect(binary).toBeChecked();

  // A third row, removed again with the keyboard: the focus goes back to a row.
  await tabTo(page, page.getByRole("button", { name: "Add metadata row" }));
  await page.keyboard.press("Enter");
  await tabTo(page, page.getByRole("button", { name: "Remove metadata row 3" }));
  await page.keyboard.press("Space");
  await expect(page.locator("#rows .row")).toHaveCount(2);
  await expect(page.getByLabel("Metadata key 2", { exact: true })).toBeFocused();

  await tabTo(page, page.getByRole("button", { name: "SayHello", exact: true }));
  await page.keyboard.press("Enter");
  await expect(page.locator("#status")).toHaveText(/^OK/);
  await expect(page.locator("#message")).toHaveText("Hello, Keys");
  await expect(received(page, "x-user")).toHaveText("x-user: keyboard");
  await expect(received(page, "x-demo-bin")).toHaveText("x-demo-bin: AQI=");
  // The focus stays where it was, on the send button, ready for the next call.
  await expect(page.getByRole("button", { name: "SayHello", exact: true })).toBeFocused();
});
