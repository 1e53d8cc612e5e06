// The browser side (the page is built by build.ts): the built page's JavaScript size (gzip, as zlib's
// default level counts it) and its time to first result — open the page,
// type a name, press SayHello, and time the greeting's arrival in #message
// from navigation start with the page's own Performance API.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "@playwright/test";
import { chromiumArgs, findChromium } from "../../scripts/browser.js";
import { repoRoot as root } from "../../scripts/kit/server-process.js";
import { gzipSizes } from "../../web/vite-plugins/bundle-size.js";

/** The page's JavaScript assets: each file's size and gzip size, and the totals, in bytes. */
export interface BundleSize {
  readonly files: { name: string; bytes: number; gzipBytes: number }[];
  readonly bytes: number;
  readonly gzipBytes: number;
}

export function bundleSize(): BundleSize {
  const assets = join(root, "dist/web/assets");
  const chunks: Record<string, Uint8Array> = {};
  for (const f of readdirSync(assets).sort()) {
    if (f.endsWith(".js")) chunks[f] = readFileSync(join(assets, f));
  }
  if (Object.keys(chunks).length === 0) throw new Error(`no JavaScript in ${assets}`);
  const gz = gzipSizes(chunks);
  const files = Object.entries(chunks).map(([name, code]) => ({
    name,
    bytes: code.length,
    gzipBytes: gz.files[name] ?? 0,
  }));
  return { files, bytes: files.reduce((s, f) => s + f.bytes, 0), gzipBytes: gz.total };
}

/** One page load, in ms from navigation start (the page's `performance.now()` origin). */
export interface PageRun {
  /** #message got its text: the first result on screen. */
  readonly firstResultMs: number;
  /** The SayHello button was clicked (after Playwright filled the name). */
  readonly clickMs: number;
  readonly domContentLoadedMs: number;
  readonly loadMs: number;
  /** What #message said. */
  readonly message: string;
}

interface Marks {
  click?: number;
  result?: number;
  message?: string;
}

/**
 * Opens `url` in a fresh browser context (empty cache) `runs` times, fills
 * the Name field, clicks SayHello and waits for #message to have text.
 * An init script records, in the page, when the click happened and when
 * #message first got text (a MutationObserver, so the time is when the DOM
 * changed, not when Playwright noticed).
 */
export async function timeFirstResult(url: string, runs: number, name: string): Promise<PageRun[]> {
  const executablePath = findChromium();
  if (!executablePath) {
    throw new Error("no Chromium found: set CHROMIUM_PATH or install chromium (see README)");
  }
  const browser = await chromium.launch({ executablePath, args: chromiumArgs });
  try {
    const out: PageRun[] = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.addInitScript(() => {
          const marks: Marks = {};
          (window as unknown as { __benchMarks: Marks }).__benchMarks = marks;
          document.addEventListener(
            "click",
            (e) => {
              const button = (e.target as Element | null)?.closest?.("button");
              if (marks.click === undefined && button?.textContent?.trim() === "SayHello") {
                marks.click = performance.now();
              }
            },
            true,
          );
          new MutationObserver(() => {
            const text = document.getElementById("message")?.textContent ?? "";
            if (marks.result === undefined && text !== "") {
              marks.result = performance.now();
              marks.message = text;
            }
          }).observe(document, { subtree: true, childList: true, characterData: true });
        });
        await page.goto(url);
        await page.getByLabel("Name").fill(name);
        await page.getByRole("button", { name: "SayHello", exact: true }).click();
        await page.waitForFunction(
          () => (window as unknown as { __benchMarks: Marks }).__benchMarks.result !== undefined,
          undefined,
          { timeout: 30_000 },
        );
        const m = await page.evaluate(() => {
          const marks = (window as unknown as { __benchMarks: Marks }).__benchMarks;
          const nav = performance.getEntriesByType("navigation")[0] as
            | PerformanceNavigationTiming
            | undefined;
          const start = nav?.startTime ?? 0;
          return {
            firstResultMs: (marks.result ?? Number.NaN) - start,
            clickMs: (marks.click ?? Number.NaN) - start,
            domContentLoadedMs: (nav?.domContentLoadedEventEnd ?? Number.NaN) - start,
            loadMs: (nav?.loadEventEnd ?? Number.NaN) - start,
            message: marks.message ?? "",
          };
        });
        out.push(m);
      } finally {
        await context.close();
      }
    }
    return out;
  } finally {
    await browser.close();
  }
}
