// Proof that a stranger can use the packages: each one is packed with
// `npm pack`, the tarballs are installed into a scratch project outside the
// repository (scripts/consumer, copied to the OS temp dir) together with
// stock connect-node, connect-express + express and connect-fastify +
// fastify from the registry, the project is type-checked against the
// installed .d.ts, then run: every server serves Greet with
// serverMetadataInterceptor, and a Node client with the library's transport
// reads headers and trailers apart, on success and on error, over every
// protocol the server speaks. Last, a Vite build of the browser consumer.
// KEEP_CONSUMER_PROJECT=1 keeps the scratch project for a look afterwards.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixture = join(root, "scripts", "consumer");

const packages = [
  { name: "@hello-metadata/metadata", dir: "packages/metadata" },
  { name: "@hello-metadata/node-server", dir: "packages/node-server" },
  { name: "@hello-metadata/grpc-services", dir: "packages/grpc-services" },
] as const;

/** Installed at exactly the version the workspace itself runs with. */
const sameAsWorkspace = {
  dependencies: [
    "@bufbuild/protobuf",
    "@connectrpc/connect",
    "@connectrpc/connect-node",
    "@connectrpc/connect-web",
  ],
  devDependencies: ["typescript", "vite", "tsx", "@types/node"],
} as const;

// ---------------------------------------------------------------- helpers

interface Ran {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment for every child: this process's, minus what npm and
 * node:test put there for their own children (an `npm run` parent's
 * `npm_config_*` would point npm back at the workspace), with this Node
 * first on PATH so npm, tsc and vite run on the Node under test.
 */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.toLowerCase().startsWith("npm_") || key === "NODE_TEST_CONTEXT") continue;
    env[key] = value;
  }
  env.PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`;
  return env;
}

const timings: [string, number][] = [];

function tail(text: string, lines = 40): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Runs a command to completion; rejects with its exit, stdout and stderr. */
function run(step: string, command: string, args: string[], cwd: string, timeoutMs: number) {
  const started = performance.now();
  return new Promise<Ran>((resolvePromise, reject) => {
    execFile(
      command,
      args,
      { cwd, env: childEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        timings.push([step, performance.now() - started]);
        if (error) {
          reject(
            new Error(
              `${step}: \`${command} ${args.join(" ")}\` in ${cwd} failed (${error.message.split("\n")[0]})\n--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}`,
            ),
          );
        } else {
          resolvePromise({ stdout, stderr });
        }
      },
    );
  });
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

function workspaceVersion(name: string): string {
  const manifest = readJson(join(root, "node_modules", name, "package.json")) as {
    version: string;
  };
  return manifest.version;
}

/** Builds the packages unless every dist/ is newer than every source file of its package. */
async function buildIfStale(): Promise<void> {
  const stale = packages.some(({ dir }) => {
    const built = join(root, dir, "dist", "index.js");
    if (!existsSync(built)) return true;
    const sources = files(join(root, dir, "src")).filter((f) => !f.endsWith(".test.ts"));
    const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
    return statSync(built).mtimeMs < newest;
  });
  if (stale) await run("build packages", "npm", ["run", "build:packages"], root, 120_000);
}

// ---------------------------------------------------------------- setup

/** What `npm pack --json` says about one tarball. */
interface Packed {
  readonly name: string;
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

const work = mkdtempSync(join(tmpdir(), "hello-metadata-consumer-"));
const app = join(work, "app");
let packed: Packed[] = [];
let installWarnings: string[] = [];

before(
  async () => {
    assert.ok(relative(root, work).startsWith(".."), `${work} must be outside ${root}`);
    for (let dir = dirname(app); dir !== dirname(dir); dir = dirname(dir)) {
      assert.ok(
        !existsSync(join(dir, "node_modules")),
        `${join(dir, "node_modules")} exists: Node would resolve packages from it`,
      );
    }
    await buildIfStale();

    const tarballs = join(work, "tarballs");
    mkdirSync(tarballs);
    const workspaces = packages.flatMap(({ dir }) => ["-w", dir]);
    const pack = await run(
      "npm pack",
      "npm",
      ["pack", "--json", "--pack-destination", tarballs, ...workspaces],
      root,
      60_000,
    );
    packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as Packed[];

    cpSync(fixture, app, {
      recursive: true,
      filter: (src) => !/[\\/](node_modules|dist)$/.test(src),
    });
    const manifest = readJson(join(fixture, "package.json")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const kind of ["dependencies", "devDependencies"] as const) {
      for (const name of sameAsWorkspace[kind]) manifest[kind][name] = workspaceVersion(name);
    }
    for (const { name } of packages) {
      const tarball = packed.find((p) => p.name === name);
      assert.ok(tarball, `npm pack made no tarball for ${name}`);
      manifest.dependencies[name] = `file:${join(tarballs, tarball.filename)}`;
    }
    writeFileSync(join(app, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);

    const install = await run(
      "npm install",
      "npm",
      ["install", "--no-audit", "--no-fund", "--prefer-offline"],
      app,
      240_000,
    );
    installWarnings = `${install.stdout}\n${install.stderr}`
      .split("\n")
      .filter((line) => /^npm warn/i.test(line));
  },
  { timeout: 360_000 },
);

after((t) => {
  const say = (line: string) => ("diagnostic" in t ? t.diagnostic(line) : console.log(line));
  const total = timings.reduce((sum, [, ms]) => sum + ms, 0);
  const steps = timings.map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`).join(", ");
  say(`Node ${process.version}: ${steps}; ${(total / 1000).toFixed(1)} s in children`);
  if (process.env.KEEP_CONSUMER_PROJECT) {
    say(`scratch project kept at ${app}`);
  } else {
    rmSync(work, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- packaging

describe("the tarballs", () => {
  it("each ships its dist, README.md, LICENSE and package.json, and no tests, test helpers or build info", () => {
    assert.deepEqual(packed.map((p) => p.name).sort(), packages.map((p) => p.name).sort());
    for (const p of packed) {
      const paths = p.files.map((f) => f.path);
      for (const required of ["package.json", "README.md", "LICENSE", "dist/index.js"]) {
        assert.ok(paths.includes(required), `${p.name} ships ${required}`);
      }
      assert.ok(paths.includes("dist/index.d.ts"), `${p.name} ships its types`);
      const unwanted = paths.filter((f) => /\.test\.|(^|\/)testing(\.|\/)|tsbuildinfo/.test(f));
      assert.deepEqual(unwanted, [], `${p.name} ships no tests, test helpers or build info`);
    }
  });

  it("every source map the installed packages ship points at files they ship", () => {
    const missing: string[] = [];
    let maps = 0;
    for (const { name } of packages) {
      const dir = join(app, "node_modules", name);
      for (const map of files(dir).filter((f) => f.endsWith(".map"))) {
        maps++;
        const { sources } = readJson(map) as { sources: string[] };
        for (const source of sources) {
          const target = resolve(dirname(map), source);
          if (isAbsolute(source) || !existsSync(target))
            missing.push(`${relative(app, map)} → ${source}`);
        }
      }
    }
    assert.ok(maps > 0, "the packages ship source maps");
    assert.deepEqual(missing.slice(0, 3), [], `${missing.length} map sources are not shipped`);
  });

  it("install with the registry's stock adapters meets every peer dependency", async (t) => {
    for (const line of installWarnings) t.diagnostic(line);
    const conflicts = installWarnings.filter((line) =>
      /ERESOLVE|peer dep|conflicting peer|could not resolve/i.test(line),
    );
    assert.deepEqual(conflicts, [], "npm install warns of no peer-dependency conflict");
    // npm ls exits non-zero on a missing, invalid or extraneous dependency, peers included.
    await run("npm ls", "npm", ["ls", "--all"], app, 60_000);
  });
});

// ---------------------------------------------------------------- types

describe("type-checking against the installed .d.ts (strict, NodeNext, skipLibCheck off)", () => {
  it("the Node side: servers, client, Vite config", async () => {
    await run(
      "tsc (Node)",
      process.execPath,
      ["node_modules/typescript/bin/tsc", "--noEmit", "-p", "."],
      app,
      120_000,
    );
  });

  it("the browser side, with DOM types and no Node types", async () => {
    await run(
      "tsc (browser)",
      process.execPath,
      ["node_modules/typescript/bin/tsc", "--noEmit", "-p", "browser"],
      app,
      120_000,
    );
  });
});

// ---------------------------------------------------------------- running

/** One call as the consumer reports it (src/main.ts), `-bin` values in standard base64. */
interface CallReport {
  readonly server: string;
  readonly http: "1.1" | "2";
  readonly protocol: string;
  readonly outcome: "success" | "error";
  readonly greeting?: string;
  readonly receivedKeys?: string[];
  readonly code?: string;
  readonly message?: string;
  readonly header: Record<string, string[]>;
  readonly trailer: Record<string, string[]>;
}

interface Report {
  readonly calls: CallReport[];
  readonly engineServices: unknown;
}

let report: Promise<Report> | undefined;
/** Runs the consumer once (node --import tsx src/main.ts) and parses the JSON it prints. */
function consumerReport(): Promise<Report> {
  report ??= run(
    "run consumer",
    process.execPath,
    ["--import", "tsx", "src/main.ts"],
    app,
    60_000,
  ).then(({ stdout }) => JSON.parse(stdout) as Report);
  return report;
}

const anyHttp2 = ["connect", "grpc", "grpc-web"];
const http1 = ["connect", "grpc-web"]; // gRPC needs HTTP/2
const matrix: { server: string; http: "1.1" | "2"; protocols: string[] }[] = [
  { server: "connect-node", http: "2", protocols: anyHttp2 },
  { server: "connect-node", http: "1.1", protocols: http1 },
  { server: "connect-express", http: "1.1", protocols: http1 },
  { server: "connect-fastify", http: "2", protocols: anyHttp2 },
  { server: "node-server serve()", http: "2", protocols: anyHttp2 },
  { server: "node-server serve()", http: "1.1", protocols: http1 },
  { server: "node-server createNodeAdapter()", http: "2", protocols: anyHttp2 },
];

/** The handler's header (x-greeted from x-user, trace-bin echoed: [1, 2, 3]). */
const greetHeader = { "x-greeted": ["junxi"], "trace-bin": ["AQID"] };
/** Express adds its own response header; it is header metadata like any other. */
const headerOf = (server: string) =>
  server === "connect-express" ? { ...greetHeader, "x-powered-by": ["Express"] } : greetHeader;

const expected = {
  success: (server: string) => ({
    greeting: "Hello, junxi",
    // What fromIncomingContext gave the handler: the caller's metadata and
    // its user-agent, and no protocol header (content-type, te, grpc-*, …).
    receivedKeys: ["trace-bin", "user-agent", "x-user"],
    header: headerOf(server),
    trailer: { "x-outcome": ["ok"], "cost-bin": ["AP8="] },
  }),
  error: (server: string) => ({
    code: "PermissionDenied",
    message: "failing with code 7, as asked",
    header: headerOf(server),
    trailer: { "x-outcome": ["failed"], "cost-bin": ["AP8="] },
  }),
};

describe("the consumer, run with node", () => {
  it("made exactly the calls of the matrix: each server × each protocol it serves × success and error", async () => {
    const { calls } = await consumerReport();
    const made = calls.map((c) => `${c.server} HTTP/${c.http} ${c.protocol} ${c.outcome}`);
    const planned = matrix.flatMap(({ server, http, protocols }) =>
      protocols.flatMap((protocol) =>
        ["success", "error"].map((outcome) => `${server} HTTP/${http} ${protocol} ${outcome}`),
      ),
    );
    assert.deepEqual(made, planned);
  });

  for (const { server, http, protocols } of matrix) {
    for (const protocol of protocols) {
      for (const outcome of ["success", "error"] as const) {
        it(`${server} over HTTP/${http}, ${protocol}, ${outcome}: exact header and trailer, apart`, async () => {
          const { calls } = await consumerReport();
          const call = calls.find(
            (c) =>
              c.server === server &&
              c.http === http &&
              c.protocol === protocol &&
              c.outcome === outcome,
          );
          assert.ok(call, "the consumer made this call");
          const { server: _s, http: _h, protocol: _p, outcome: _o, ...got } = call;
          assert.deepEqual(got, expected[outcome](server));
        });
      }
    }
  }

  it("the engine's health and reflection services answer, and health follows stopServing()", async () => {
    const { engineServices } = await consumerReport();
    assert.deepEqual(engineServices, {
      health: { "": "SERVING", "greet.v1.GreetService": "SERVING", "no.such.Service": "NotFound" },
      healthAfterStop: "NOT_SERVING",
      services: [
        "greet.v1.GreetService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
      ],
    });
  });
});

// ---------------------------------------------------------------- browser

describe("the browser consumer, built with Vite", () => {
  it("builds from the library's entry point alone, with no Node builtin or server package", async () => {
    const build = await run(
      "vite build",
      process.execPath,
      ["node_modules/vite/bin/vite.js", "build"],
      app,
      120_000,
    );
    const output = `${build.stdout}\n${build.stderr}`;
    assert.doesNotMatch(output, /externalized for browser compatibility/i);
    assert.doesNotMatch(output, /\bwarn(ing)?\b/i, "vite build prints no warning");

    const out = join(app, "dist", "browser");
    const built = readJson(join(out, "modules.json")) as {
      modules: string[];
      ourImports: string[];
    };
    assert.deepEqual(built.ourImports, ["@hello-metadata/metadata"], "only the entry point");
    const modules = built.modules.map((id) => relative(app, id));
    const ours = modules.filter((id) => id.includes("@hello-metadata/"));
    assert.ok(ours.length > 0, "the library's modules are bundled");
    assert.deepEqual(
      ours.filter((id) => !id.startsWith("node_modules/@hello-metadata/metadata/dist/")),
      [],
      "nothing from node-server or grpc-services",
    );
    assert.deepEqual(
      modules.filter((id) => /^node:|browser-external/.test(id)),
      [],
      "no Node builtin, not even a stubbed one",
    );

    const js = files(join(out, "assets")).filter((f) => f.endsWith(".js"));
    assert.equal(js.length, 1, "one script");
    const bundle = readFileSync(js[0] ?? "", "utf8");
    assert.doesNotMatch(bundle, /["'`]node:[a-z]|\brequire\(/);
    assert.match(bundle, /hello-metadata outgoing metadata/, "the library is in the bundle");
  });
});
