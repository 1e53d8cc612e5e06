// Generated code must be exactly what `buf generate` makes from the protos
// today: gen/ (the app's, buf.gen.yaml), the gRPC services package's own
// (packages/grpc-services/buf.gen.yaml), the consumer project's
// (scripts/consumer/buf.gen.yaml) and the serving engine's test service
// (packages/node-server/buf.gen.yaml).
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

const templates = [
  { template: "buf.gen.yaml", out: "gen" },
  { template: "packages/grpc-services/buf.gen.yaml", out: "packages/grpc-services/src/gen" },
  { template: "scripts/consumer/buf.gen.yaml", out: "scripts/consumer/src/gen" },
  { template: "packages/node-server/buf.gen.yaml", out: "packages/node-server/src/testing/gen" },
];

for (const { template, out } of templates) {
  it(`${out}/ is up to date with proto/ (run \`npm run generate\` if this fails)`, () => {
    const dir = join(tmp, template.replaceAll("/", "_"));
    execFileSync(
      join(root, "node_modules/.bin/buf"),
      ["generate", "--template", template, "-o", dir],
      {
        cwd: root,
      },
    );
    const fresh = join(dir, out);
    const committed = join(root, out);
    assert.deepEqual(files(committed), files(fresh), "the same files");
    for (const f of files(fresh)) {
      assert.equal(
        readFileSync(join(committed, f), "utf8"),
        readFileSync(join(fresh, f), "utf8"),
        `${out}/${f} differs from buf generate's output`,
      );
    }
  });
}
