// The layout's import rules (README "Layout and architecture"), checked on
// every source file: a part that reaches into another it may not know
// fails here, naming the file and the import.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";

const root = new URL("..", import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts)$/.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .filter((f) => !f.includes("/gen/") && !f.includes("/dist/") && !f.includes("node_modules"));
}

/** Every module specifier a file imports or re-exports. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  return [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm)].map(
    (m) => m[1] ?? "",
  );
}

interface Rule {
  readonly part: string;
  readonly dir: string;
  /** Which files of the part the rule covers (tests and test helpers may know more). */
  readonly files?: (file: string) => boolean;
  readonly forbidden: readonly { readonly pattern: RegExp; readonly why: string }[];
}

const library = (f: string) =>
  !f.endsWith(".test.ts") && !f.endsWith("/testing.ts") && !f.includes("/testing/");

const rules: readonly Rule[] = [
  {
    part: "the library",
    dir: "packages/metadata/src",
    files: library,
    forbidden: [
      { pattern: /^node:/, why: "it is isomorphic" },
      { pattern: /@hello-metadata\/(node-server|grpc-services)/, why: "it knows no engine" },
      { pattern: /(^|\/)(gen|server|web)\//, why: "it knows no app and no hello.v1 code" },
      { pattern: /^@connectrpc\/connect-(node|web)/, why: "it runs on any transport" },
    ],
  },
  {
    part: "the engine",
    dir: "packages/node-server/src",
    files: library,
    forbidden: [
      { pattern: /(^|\/)(gen|server|web)\//, why: "it knows no app and no hello.v1 code" },
      { pattern: /@hello-metadata\/grpc-services/, why: "services are the app's choice" },
      { pattern: /^@hello-metadata\/metadata$/, why: "it uses the library's internal entry only" },
    ],
  },
  {
    part: "the gRPC services",
    dir: "packages/grpc-services/src",
    files: library,
    forbidden: [
      { pattern: /^node:/, why: "they run on any Connect-ES server" },
      { pattern: /@hello-metadata\//, why: "they stand alone" },
      { pattern: /(^|\/)(server|web)\//, why: "they know no app" },
    ],
  },
  {
    part: "the page",
    dir: "web",
    files: (f) =>
      !f.includes("vite-plugins/") && !f.endsWith("vite.config.ts") && !f.endsWith(".test.ts"),
    forbidden: [
      {
        pattern: /(^|\/)(server|packages)\//,
        why: "it imports packages by name, never the server",
      },
      { pattern: /@hello-metadata\/(node-server|grpc-services)/, why: "it is a browser page" },
      { pattern: /@hello-metadata\/metadata\//, why: "it uses the library's public entry only" },
      { pattern: /^node:/, why: "it runs in a browser" },
    ],
  },
  {
    part: "the app",
    dir: "server",
    files: (f) => !f.endsWith(".test.ts") && !f.includes("/interop/"),
    forbidden: [
      { pattern: /(^|\/)web\//, why: "it serves the page as files, never its code" },
      { pattern: /(^|\/)packages\//, why: "it imports the packages by name" },
    ],
  },
];

describe("import boundaries", () => {
  for (const rule of rules) {
    it(`${rule.part} (${rule.dir}) imports only what it may`, () => {
      const files = sources(rule.dir).filter(rule.files ?? (() => true));
      assert.ok(files.length > 0, `no files in ${rule.dir}`);
      const broken: string[] = [];
      for (const file of files) {
        for (const spec of importsOf(file)) {
          for (const { pattern, why } of rule.forbidden) {
            if (pattern.test(spec)) broken.push(`${file} imports ${spec}: ${why}`);
          }
        }
      }
      assert.deepEqual(broken, []);
    });
  }

  it("the rules catch a forbidden import (checked on a known-bad line)", () => {
    const bad = 'import { x } from "../../../server/app.js";';
    const spec = /from\s+"([^"]+)"/.exec(bad)?.[1] ?? "";
    const engine = rules.find((r) => r.part === "the engine");
    assert.ok(engine?.forbidden.some(({ pattern }) => pattern.test(spec)));
  });
});
