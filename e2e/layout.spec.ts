import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, type Page, test } from "@playwright/test";
import { fillRow, send } from "./inspector.js";
import { allowedOtherOrigin, apiUrl } from "./urls.js";

/** Where the README's picture of the page lives. */
const readmeScreenshot = fileURLToPath(new URL("../docs/screenshot.png", import.meta.url));

/** Page-relative top edges of the send button and of the parts down to the metadata table: they must not move when results arrive. */
async function tops(page: Page): Promise<number[]> {
  return page
    .locator("#status, #message, #metadata, #send")
    .evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top + scrollY)));
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
}

test("at 360px wide: nothing overflows sideways, every control is on screen, nothing jumps", async ({
  page,
}) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`${apiUrl()}/`);
  expect(await horizontalOverflow(page)).toBe(0);

  await page.getByLabel("Name").fill("Narrow");
  await fillRow(page, 1, "x-demo-bin", "00".repeat(120)); // a long unbroken value
  await page.getByLabel("Binary value 1").check();
  await page.getByLabel("Hops (0–8)").fill("1");
  const before = await tops(page);
  await send(page);
  await expect(page.locator("#status")).toHaveText(/^OK/);

  expect(await horizontalOverflow(page)).toBe(0);
  expect(await tops(page)).toEqual(before);
  for (const control of await page.locator("input, select, button").all()) {
    if (!(await control.isVisible())) continue;
    const box = await control.boundingBox();
    expect(box, await control.evaluate((e) => e.outerHTML)).not.toBeNull();
    expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= 360).toBe(true);
  }
});

test("on a desktop, results arrive without moving what is above them", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${apiUrl()}/`);
  const before = await tops(page);
  await page.getByLabel("Name").fill("Steady");
  await send(page);
  expect(await tops(page)).toEqual(before);
  await page.getByLabel("Fail with code").selectOption("5");
  await send(page);
  expect(await tops(page)).toEqual(before);
});

test("screenshot of the result view, across origins, for the README", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${allowedOtherOrigin()}/?api=${encodeURIComponent(apiUrl())}`);
  await page.getByLabel("Name").fill("Junxi");
  await fillRow(page, 1, "x-request-id", "readme-1");
  await fillRow(page, 2, "authorization", "Bearer secret");
  await fillRow(page, 3, "x-demo-bin", "00ff10");
  await page.getByLabel("Binary value 3").check();
  await page.getByLabel("Hops (0–8)").fill("1");
  await page.getByLabel("Timeout (ms)").fill("5000");
  await send(page);
  await expect(page.locator("#status")).toHaveText(/^OK/);
  await expect(page.locator("#metadata tr.hidden-key")).toHaveCount(1);

  const shot = await page.screenshot({ fullPage: true });
  await test.info().attach("result-view", { body: shot, contentType: "image/png" });
  await page.screenshot({ path: test.info().outputPath("result-view.png"), fullPage: true });
  // docs/screenshot.png (the README's) is rewritten only when asked, so a
  // test run leaves the working tree clean: UPDATE_SCREENSHOT=1 npx playwright test e2e/layout.spec.ts
  if (process.env.UPDATE_SCREENSHOT === "1") {
    mkdirSync(fileURLToPath(new URL("../docs", import.meta.url)), { recursive: true });
    await page.screenshot({ path: readmeScreenshot, fullPage: true });
  }
});
