// Finds the Chromium that Playwright should drive, in this order:
// 1. CHROMIUM_PATH (an explicit choice always wins);
// 2. Playwright's own Chromium, when `npx playwright install chromium` worked;
// 3. Debian's /usr/bin/chromium.
// Returns undefined when none is there.
import { existsSync } from "node:fs";
import { chromium } from "@playwright/test";

export function findChromium(): string | undefined {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  try {
    const own = chromium.executablePath();
    if (own && existsSync(own)) return own;
  } catch {
    // Playwright has no browser of its own here.
  }
  for (const path of ["/usr/bin/chromium", "/usr/bin/chromium-browser"]) {
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** Flags for a headless Chromium on a machine with no outside network and no GPU. */
export const chromiumArgs: string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
