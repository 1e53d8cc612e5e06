// The packages' README examples are the consumer project's own files
// (scripts/consumer), which scripts/consumer.int.test.ts installs from the
// tarballs, type-checks and runs. A code block right after a line
// `<!-- snippet: scripts/consumer/… -->` must be exactly that file, so an
// example cannot drift from code that is known to work.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const readmes = [
  "packages/metadata/README.md",
  "packages/node-server/README.md",
  "packages/grpc-services/README.md",
];

const marker = /<!-- snippet: (\S+) -->/g;
const markerAndBlock = /<!-- snippet: (\S+) -->\n```[a-z]*\n([\s\S]*?)\n```/g;

for (const readme of readmes) {
  describe(readme, () => {
    const text = readFileSync(join(root, readme), "utf8");
    const snippets = [...text.matchAll(markerAndBlock)];

    it("has examples, each marker followed by its code block", () => {
      assert.ok(snippets.length > 0, "at least one example comes from the consumer project");
      assert.equal(snippets.length, [...text.matchAll(marker)].length);
    });

    for (const [, path = "", block] of snippets) {
      it(`shows ${path} as it is`, () => {
        assert.ok(path.startsWith("scripts/consumer/"), "examples come from the consumer project");
        const file = readFileSync(join(root, path), "utf8").trimEnd();
        assert.equal(block, file);
      });
    }
  });
}
