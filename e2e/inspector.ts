import { expect, type Locator, type Page } from "@playwright/test";
import { HelloService } from "../gen/hello/v1/hello_pb.js";
import { servicePath } from "../scripts/kit/rpc-path.js";

/** The protocols as the page's protocol switch labels them. */
export const protocolLabels = ["Connect (JSON)", "Connect (binary)", "gRPC-Web"] as const;

/** The value cell of the response metadata table's row for `kind` and `key`. */
export function cell(page: Page, kind: "header" | "trailer", key: string): Locator {
  return page.locator(`#metadata tr[data-kind="${kind}"][data-key="${key}"] td`).nth(2);
}

/** The "What the server received" entry for `key`. */
export function received(page: Page, key: string): Locator {
  return page.locator(`#received li[data-received-key="${key}"]`);
}

/** The wire view's row for a piece (`header`, `trailer`, `status`, …) and key. */
export function wireRow(page: Page, piece: string, key?: string): Locator {
  const k = key === undefined ? "" : `[data-wire-key="${key}"]`;
  return page.locator(`#wire tr[data-piece="${piece}"]${k}`);
}

/** Fills metadata row `n` (1-based), adding rows with the "Add metadata row" button as needed. */
export async function fillRow(page: Page, n: number, key: string, value: string): Promise<void> {
  while ((await page.locator("#rows .row").count()) < n) {
    await page.getByRole("button", { name: "Add metadata row" }).click();
  }
  await page.getByLabel(`Metadata key ${n}`, { exact: true }).fill(key);
  await page.getByLabel(`Metadata value ${n}`, { exact: true }).fill(value);
}

/** Sends the call with the form's button and waits until the status says it ended. */
export async function send(page: Page): Promise<void> {
  await page.locator("#send").click();
  await expect(page.locator("#status")).toHaveAttribute("data-state", /^(ok|error)$/, {
    timeout: 15_000,
  });
}

/** The response metadata table's rows as `kind:key` strings, in table order (readable rows only). */
export async function metadataKeys(page: Page): Promise<string[]> {
  return page
    .locator("#metadata tr[data-key]")
    .evaluateAll((rows) =>
      rows.map((r) => `${(r as HTMLElement).dataset.kind}:${(r as HTMLElement).dataset.key}`),
    );
}

/** Counts the HelloService requests the page makes from now on. */
export function countRpcs(page: Page): () => number {
  let n = 0;
  page.on("request", (r) => {
    if (r.url().includes(servicePath(HelloService))) n++;
  });
  return () => n;
}
