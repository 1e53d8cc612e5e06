import { expect, test } from "@playwright/test";
import { cell, fillRow, protocolLabels, send, wireRow } from "./inspector.js";
import { allowedOtherOrigin, apiUrl, otherUrl } from "./urls.js";

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
  await expect(page.locator(cellSelector("header", "response-time"))).toHaveText(/Z$/);
  await expect(page.locator(cellSelector("header", "x-request-id"))).toHaveText(/^[0-9a-f-]{36}$/);
  await expect(page.locator(cellSelector("trailer", "processing-ms"))).toHaveText(/^\d/);
  await expect(page.locator('tr[data-key="x-served-by"]')).toHaveCount(0);
});

for (const protocol of protocolLabels) {
  test(`${protocol} across origins: x-served-by is flagged as hidden by CORS, with the reason`, async ({
    page,
  }) => {
    await page.goto(`${allowedOtherOrigin()}/?api=${encodeURIComponent(apiUrl())}`);
    await expect(page.locator("#api-cross")).toBeVisible();
    await page.getByLabel(protocol, { exact: true }).check();
    await page.getByLabel("Name").fill("Cross");
    await fillRow(page, 1, "x-request-id", "cross-1");
    await send(page);

    await expect(cell(page, "header", "x-request-id")).toHaveText("cross-1");
    await expect(cell(page, "trailer", "processing-ms")).toHaveText(/^\d/);
    const hidden = page.locator('#metadata tr.hidden-key[data-hidden-key="x-served-by"]');
    await expect(hidden).toHaveCount(1);
    await expect(hidden).toHaveAttribute("data-kind", "header");
    await expect(hidden.locator("td").nth(2)).toHaveText(
      "hidden by CORS the server did not list x-served-by in Access-Control-Expose-Headers",
    );
    // Only x-served-by: every other key the server set was exposed.
    await expect(page.locator("#metadata tr.hidden-key")).toHaveCount(1);
    await expect(wireRow(page, "header", "x-served-by")).toHaveAttribute(
      "data-via",
      "hidden-header",
    );
  });
}

test("same origin: x-served-by is an ordinary, readable header", async ({ page }) => {
  await page.goto(`${apiUrl()}/`);
  await expect(page.locator("#api-same")).toBeVisible();
  await page.getByLabel("Name").fill("Same");
  await send(page);
  await expect(cell(page, "header", "x-served-by")).toHaveText(new URL(apiUrl()).host);
  await expect(page.locator("#metadata tr.hidden-key")).toHaveCount(0);
});

test("page on a disallowed origin: the browser blocks the call and the page says so", async ({
  page,
}) => {
  const blocked: string[] = [];
  page.on("requestfailed", (r) => blocked.push(r.url()));
  await page.goto(`${otherUrl()}/?api=${encodeURIComponent(apiUrl())}`);
  await page.getByLabel("Name").fill("Blocked");
  await page.getByRole("button", { name: "SayHello" }).click();
  await expect(page.locator("#status")).toHaveText(/Error.*no response reached the page/);
  await expect(page.locator("#message")).toHaveText("");
  await expect(wireRow(page, "response")).toHaveAttribute("data-via", "blocked");
  expect(blocked.some((u) => u.startsWith(apiUrl()))).toBe(true);
});

function cellSelector(kind: string, key: string): string {
  return `tr[data-kind="${kind}"][data-key="${key}"] td:nth-child(3)`;
}
