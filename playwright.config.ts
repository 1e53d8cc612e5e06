import { defineConfig } from "@playwright/test";
import { chromiumArgs, findChromium } from "./scripts/browser.js";

// End-to-end tests in a real Chromium against the real server.
// e2e/global-setup.ts starts the server (built page included) on a free port
// and hands its URL to the tests through E2E_BASE_URL.
export default defineConfig({
  testDir: "e2e",
  globalSetup: "./e2e/global-setup.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    browserName: "chromium",
    headless: true,
    launchOptions: { executablePath: findChromium(), args: chromiumArgs },
    trace: "retain-on-failure",
  },
});
