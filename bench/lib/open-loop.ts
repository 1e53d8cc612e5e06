// Runs the open-loop client (open-loop-client.ts, bundled) as a child
// process pinned to the load CPU, and reads its one JSON line.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../../scripts/kit/server-process.js";
import { bundles } from "./build.js";
import type { OpenLoopOptions, OpenLoopResult } from "./open-loop-client.js";

export type { OpenLoopOptions, OpenLoopResult };

const run = promisify(execFile);

export async function runOpenLoop(o: OpenLoopOptions, cpu: number): Promise<OpenLoopResult> {
  const client = join(repoRoot, bundles["bench/lib/open-loop-client.ts"] as string);
  const { stdout } = await run(
    "taskset",
    ["-c", String(cpu), process.execPath, client, JSON.stringify(o)],
    { maxBuffer: 1024 * 1024, timeout: (o.seconds + o.warmupSeconds + 30) * 1000 },
  );
  return JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as OpenLoopResult;
}
