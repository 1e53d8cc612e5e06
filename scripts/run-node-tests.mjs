// Runs the node:test suites through tsx. `unit` runs every *.test.ts that is
// not an integration test; `integration` runs *.int.test.ts (real servers on
// real ports, real clients). Files are listed here because Node 20's --test
// does not expand globs itself.
import { spawn } from "node:child_process";
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

/**
 * Files that mostly wait (calls held open for a minute and more) run in a
 * second test process beside the rest, instead of after it: they cost
 * wall-clock time, not CPU. Their output is buffered and printed when they end.
 */
const waiting = files.filter((f) => f.endsWith("long-calls.int.test.ts"));
const rest = files.filter((f) => !waiting.includes(f));

function run(list, inherit) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--test", "--test-reporter=spec", ...extra, ...list],
      { stdio: inherit ? "inherit" : ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    if (!inherit) {
      child.stdout.on("data", (c) => {
        out += c;
      });
      child.stderr.on("data", (c) => {
        out += c;
      });
    }
    child.on("exit", (code) => resolve({ code: code ?? 1, out }));
  });
}

const [main, side] = await Promise.all([
  run(rest, true),
  waiting.length > 0 ? run(waiting, false) : Promise.resolve({ code: 0, out: "" }),
]);
if (side.out) process.stdout.write(`\n--- ${waiting.join(", ")}\n${side.out}`);
process.exit(main.code || side.code);
