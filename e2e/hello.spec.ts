import { expect, test } from "@playwright/test";
import { countRpcs } from "./inspector.js";
import { apiUrl as baseUrl } from "./urls.js";

test("SayHello with a metadata row shows the greeting, response-time and processing-ms", async ({
  page,
}) => {
  await page.goto(`${baseUrl()}/`);
  await page.getByLabel("Name").fill("Junxi");
  await page.getByLabel("Metadata key 1").fill("x-from-browser");
  await page.getByLabel("Metadata value 1").fill("hello there");
  await page.getByRole("button", { name: "SayHello" }).click();

  await expect(page.locator("#message")).toHaveText("Hello, Junxi");
  const responseTime = page.locator('tr[data-kind="header"][data-key="response-time"] td').nth(2);
  await expect(responseTime).toHaveText(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const shown = Date.parse((await responseTime.textContent()) ?? "");
  expect(Math.abs(shown - Date.now())).toBeLessThan(10_000);
  await expect(
    page.locator('tr[data-kind="trailer"][data-key="processing-ms"] td').nth(2),
  ).toHaveText(/^\d+(\.\d+)?$/);
  await page.screenshot({ path: test.info().outputPath("result.png"), fullPage: true });
});

test("an empty name shows the InvalidArgument error and still the call's metadata", async ({
  page,
}) => {
  await page.goto(`${baseUrl()}/`);
  await page.getByRole("button", { name: "SayHello" }).click();
  await expect(page.locator("#status")).toHaveText(/invalid_argument.*name must not be empty/);
  await expect(page.locator('tr[data-kind="header"][data-key="response-time"]')).toHaveCount(1);
  await expect(page.locator('tr[data-kind="trailer"][data-key="processing-ms"]')).toHaveCount(1);
});

test("an invalid metadata row blocks the send with a message on that row", async ({ page }) => {
  const rpcs = countRpcs(page);
  await page.goto(`${baseUrl()}/`);
  await page.getByLabel("Name").fill("x");
  await page.getByLabel("Metadata key 1").fill("Bad Key");
  await page.getByLabel("Metadata value 1").fill("v");
  await page.getByRole("button", { name: "SayHello" }).click();
  await expect(page.locator(".row-error").first()).toHaveText(/illegal characters/);
  await expect(page.locator("#status")).toHaveText(/Not sent/);
  expect(rpcs()).toBe(0);
});
