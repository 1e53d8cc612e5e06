import { expect, test } from "@playwright/test";
import { allowedOtherOrigin, apiUrl, otherUrl } from "./urls.js";

const cell = (kind: string, key: string) =>
  `tr[data-kind="${kind}"][data-key="${key}"] td:nth-child(3)`;

test("page on another allowed origin: exposed headers and the trailer are readable, x-served-by is not", async ({
  page,
}) => {
  const pageOrigin = allowedOtherOrigin();
  expect(pageOrigin).not.toBe(new URL(apiUrl()).origin);
  await page.goto(`${pageOrigin}/?api=${encodeURIComponent(apiUrl())}`);
  await page.getByLabel("Name").fill("Cross");
  await page.getByLabel("Metadata key 1").fill("x-demo");
  await page.getByLabel("Metadata value 1").fill("from another origin");
  await page.getByRole("button", { name: "SayHello" }).click();
  await expect(page.locator("#message")).toHaveText("Hello, Cross");
  await expect(page.locator(cell("header", "response-time"))).toHaveText(/Z$/);
  await expect(page.locator(cell("header", "x-request-id"))).toHaveText(/^[0-9a-f-]{36}$/);
  await expect(page.locator(cell("trailer", "processing-ms"))).toHaveText(/^\d/);
  await expect(page.locator('tr[data-key="x-served-by"]')).toHaveCount(0);
});

test("page on a disallowed origin: the browser blocks the call and the page says so", async ({
  page,
}) => {
  const blocked: string[] = [];
  page.on("requestfailed", (r) => blocked.push(r.url()));
  await page.goto(`${otherUrl()}/?api=${encodeURIComponent(apiUrl())}`);
  await page.getByLabel("Name").fill("Blocked");
  await page.getByRole("button", { name: "SayHello" }).click();
  await expect(page.locator("#status")).toHaveText(/Error/);
  await expect(page.locator("#message")).toHaveText("");
  expect(blocked.some((u) => u.startsWith(apiUrl()))).toBe(true);
});
