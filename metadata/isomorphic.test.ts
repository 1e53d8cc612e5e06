// The library runs in browsers and on Node: no Node-only or DOM-only imports.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { it } from "node:test";

const dir = new URL(".", import.meta.url);
const sources = readdirSync(dir).filter(
  (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "testing.ts",
);

it("imports only Connect-ES, protobuf-es and its own modules", () => {
  assert.ok(sources.length > 5);
  for (const file of sources) {
    const text = readFileSync(new URL(file, dir), "utf8");
    for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom "([^"]+)";/gm)) {
      const spec = m[1] ?? "";
      assert.match(
        spec,
        /^(\.\/|@connectrpc\/connect($|\/protocol)|@bufbuild\/protobuf)/,
        `${file} imports ${spec}`,
      );
      assert.doesNotMatch(spec, /connect-(node|web)/, `${file} imports ${spec}`);
    }
    assert.doesNotMatch(
      text,
      /\b(window|document|Buffer|process)\./,
      `${file} uses a platform global`,
    );
  }
});
