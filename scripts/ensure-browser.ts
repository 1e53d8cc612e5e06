// Makes sure a Chromium is there for the Playwright tests: uses one that is
// found (see browser.mjs), else tries Playwright's own download, else, as
// root on Debian, installs Debian's chromium with apt-get. Otherwise it says
// exactly what to install and fails.
import { spawnSync } from "node:child_process";
import { findChromium } from "./browser.js";

function tryRun(cmd: string, args: string[]): boolean {
  console.log(`$ ${cmd} ${args.join(" ")}`);
  return spawnSync(cmd, args, { stdio: "inherit", timeout: 10 * 60_000 }).status === 0;
}

let found = findChromium();
if (!found && !process.env.CHROMIUM_PATH) {
  tryRun("npx", ["playwright", "install", "chromium"]);
  found = findChromium();
}
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (
  !found &&
  !process.env.CHROMIUM_PATH &&
  isRoot &&
  spawnSync("which", ["apt-get"]).status === 0
) {
  tryRun("apt-get", ["update", "-qq"]);
  tryRun("apt-get", ["install", "-y", "-qq", "chromium"]);
  found = findChromium();
}
if (!found) {
  console.error(
    process.env.CHROMIUM_PATH
      ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist.`
      : "No Chromium found for the browser tests. Install one of:\n" +
          "  npx playwright install chromium      (Playwright's own build)\n" +
          "  sudo apt-get install chromium        (Debian/Ubuntu)\n" +
          "or point CHROMIUM_PATH at a Chromium or Chrome binary.",
  );
  process.exit(1);
}
console.log(`browser tests use ${found}`);
