import { expect, test } from "@playwright/test";
import { fillRow, send } from "./inspector.js";
import { apiUrl } from "./urls.js";

test("hops show the allow-list at work: authorization stops at hop 0, x-request-id goes on", async ({
  page,
}) => {
  await page.goto(`${apiUrl()}/`);
  await page.getByLabel("Name").fill("Hops");
  await page.getByLabel("Hops (0–8)").fill("2");
  await page.getByLabel("Timeout (ms)").fill("5000");
  await fillRow(page, 1, "authorization", "Bearer secret");
  await fillRow(page, 2, "x-request-id", "hop-test");
  await send(page);

  await expect(page.locator("#status")).toHaveText(/^OK/);
  const hops = page.locator("#hop-reports > li");
  await expect(hops).toHaveCount(3);
  const hop = (n: number) => page.locator(`#hop-reports > li[data-hop="${n}"]`);

  await expect(hop(0).locator('[data-hop-key="authorization"]')).toHaveText(
    "authorization: Bearer secret",
  );
  expect((await hop(0).getAttribute("data-dropped"))?.split(",")).toContain("authorization");
  await expect(hop(0).locator(".dropped")).toContainText("authorization");
  for (const n of [1, 2]) {
    await expect(hop(n).locator('[data-hop-key="authorization"]')).toHaveCount(0);
    await expect(hop(n).locator('[data-hop-key="x-request-id"]')).toHaveText(
      "x-request-id: hop-test",
    );
    expect((await hop(n).getAttribute("data-dropped"))?.split(",")).not.toContain("authorization");
  }
  await expect(hop(2).locator(".dropped")).toHaveText("none");

  // The deadline shrinks from hop to hop, never past the caller's 5000 ms.
  const deadlines = await hops.evaluateAll((items) =>
    items.map((li) => Number(li.querySelector(".deadline")?.textContent?.replace(" ms", ""))),
  );
  expect(deadlines[0]).toBeLessThanOrEqual(5000);
  expect(deadlines[2]).toBeGreaterThan(0);
  expect(deadlines).toEqual([...deadlines].sort((a, b) => b - a));
});

test("without a timeout, the first hop reports no deadline and its downstream call gets the default hop deadline", async ({
  page,
}) => {
  await page.goto(`${apiUrl()}/`);
  await page.getByLabel("Name").fill("NoDeadline");
  await page.getByLabel("Hops (0–8)").fill("1");
  await send(page);
  // server/limits.ts hopDefaultTimeoutMs: 10 s, less what the hop took.
  await expect(page.locator("#hop-reports .deadline")).toHaveText([
    "none (no timeout)",
    /^(9\d{3}|10000) ms$/,
  ]);
});
