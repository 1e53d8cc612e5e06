import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";
import { gzipSizes, jsBudgetBytes } from "../web/vite-plugins/bundle-size.js";

test("the built page stays within its JavaScript budget (40 kB gzip)", () => {
  const assets = fileURLToPath(new URL("../dist/web/assets/", import.meta.url));
  const chunks: Record<string, Uint8Array> = {};
  for (const f of readdirSync(assets)) {
    if (f.endsWith(".js")) chunks[f] = readFileSync(assets + f);
  }
  expect(Object.keys(chunks).length).toBeGreaterThan(0);
  const { total } = gzipSizes(chunks);
  test.info().annotations.push({ type: "js-gzip-bytes", description: String(total) });
  expect(total).toBeLessThanOrEqual(jsBudgetBytes);
});
