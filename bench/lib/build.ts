// What the bench runs, built first: `npm run build` (the packages, the page
// in dist/web, the server bundle dist/server/main.js), and esbuild bundles
// of the peer servers and the open-loop client into dist/bench, so that
// every server is started alike — plain `node` on one JavaScript file,
// with node_modules for its packages, as `npm start` runs this server.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { repoRoot } from "../../scripts/kit/server-process.js";
import { bundleDir } from "./servers.js";

const run = promisify(execFile);

/** `npm run build`; rejects with its output on failure. */
export async function buildApp(): Promise<void> {
  try {
    await run("npm", ["run", "build"], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm run build failed: ${err.message}\n${err.stdout ?? ""}${err.stderr ?? ""}`);
  }
}

/** The bench's own programs, bundled: entry → output, relative to the repository root. */
export const bundles: Readonly<Record<string, string>> = {
  "bench/servers/connect-node.ts": `${bundleDir}/servers/connect-node.js`,
  "bench/servers/grpc-js.ts": `${bundleDir}/servers/grpc-js.js`,
  "bench/servers/raw-http2.ts": `${bundleDir}/servers/raw-http2.js`,
  "bench/lib/open-loop-client.ts": `${bundleDir}/open-loop-client.js`,
};

/** Bundles the peers and the open-loop client as `npm run build:server` bundles the server. */
export async function buildBenchPrograms(): Promise<void> {
  await Promise.all(
    Object.entries(bundles).map(([entry, out]) =>
      build({
        entryPoints: [join(repoRoot, entry)],
        outfile: join(repoRoot, out),
        bundle: true,
        platform: "node",
        format: "esm",
        packages: "external",
        target: "node20",
        logLevel: "warning",
      }),
    ),
  );
}

/** The built files a run needs that are missing (for --skip-build). */
export function missingBuilds(): string[] {
  return ["dist/server/main.js", "dist/web/index.html", ...Object.values(bundles)].filter(
    (f) => !existsSync(join(repoRoot, f)),
  );
}
