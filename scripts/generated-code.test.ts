// gen/ must be exactly what `buf generate` makes from proto/ today.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, it } from "node:test";

const root = new URL("..", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "hello-gen-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

it("gen/ is up to date with proto/ (run `npm run generate` if this fails)", () => {
  execFileSync(join(root, "node_modules/.bin/buf"), ["generate", "-o", tmp], { cwd: root });
  const fresh = join(tmp, "gen");
  const committed = join(root, "gen");
  assert.deepEqual(files(committed), files(fresh), "the same files");
  for (const f of files(fresh)) {
    assert.equal(
      readFileSync(join(committed, f), "utf8"),
      readFileSync(join(fresh, f), "utf8"),
      `gen/${f} differs from buf generate's output`,
    );
  }
});
