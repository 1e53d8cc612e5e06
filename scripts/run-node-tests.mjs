// Runs the node:test suites through tsx. `unit` runs every *.test.ts that is
// not an integration test; `integration` runs *.int.test.ts (real servers on
// real ports, real clients). Files are listed here because Node 20's --test
// does not expand globs itself.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const kind = process.argv[2];
const roots = ["packages", "server", "web", "scripts", "bench"];
const skip = new Set(["node_modules", "dist", "gen"]);

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory() && !skip.has(e.name)) walk(p, out);
    else if (e.isFile() && e.name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const all = roots.flatMap((r) => walk(r, [])).sort();
const files =
  kind === "integration"
    ? all.filter((f) => f.endsWith(".int.test.ts"))
    : all.filter((f) => !f.endsWith(".int.test.ts"));
if (files.length === 0) {
  console.error(`no ${kind} test files found`);
  process.exit(1);
}
const extra = process.argv.slice(3);
const res = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", ...extra, ...files],
  { stdio: "inherit" },
);
process.exit(res.status ?? 1);
