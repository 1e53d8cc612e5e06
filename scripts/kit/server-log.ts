// The server's per-call log lines (`"msg":"rpc"`, one per call at
// LOG_LEVEL=info), read back from the file a server process wrote its
// stdout to, so a run can check that the server handled exactly the calls
// its clients saw.
import { readFile } from "node:fs/promises";

/** Per-call log lines, counted. */
export interface LoggedCalls {
  readonly total: number;
  readonly ok: number;
  /** `code` → count (`"?"` for a line without a code), in order of first appearance. */
  readonly byCode: Map<string, number>;
  /** `protocol code` → count, in order of first appearance. */
  readonly byProtocolAndCode: Map<string, number>;
}

/**
 * Counts the per-call log lines in `logFile` — only those whose `requestId`
 * is `requestId` when one is given (a run sends one `x-request-id` on every
 * call, so its lines can be told from other runs'). The logger writes
 * asynchronously, so this rereads the file for up to `settleMs` until
 * `expected` lines are there; with `expected` 0 it reads it once. A last
 * line without its newline is still being written and is left for the next
 * read.
 *
 * @throws Error quoting the line when a complete line that starts with `{` is not JSON.
 */
export async function loggedCalls(
  logFile: string,
  requestId?: string,
  expected = 0,
  settleMs = 5_000,
): Promise<LoggedCalls> {
  const deadline = Date.now() + settleMs;
  const tag = requestId === undefined ? "{" : `"requestId":${JSON.stringify(requestId)}`;
  for (;;) {
    const text = await readFile(logFile, "utf8");
    const byCode = new Map<string, number>();
    const byProtocolAndCode = new Map<string, number>();
    let total = 0;
    let ok = 0;
    for (const line of text.split("\n").slice(0, -1)) {
      if (!line.startsWith("{") || !line.includes(tag)) continue;
      const entry = parse(line);
      if (entry.msg !== "rpc") continue;
      if (requestId !== undefined && entry.requestId !== requestId) continue;
      total++;
      if (entry.code === "ok") ok++;
      count(byCode, entry.code ?? "?");
      count(byProtocolAndCode, `${entry.protocol} ${entry.code}`);
    }
    if (total >= expected || Date.now() > deadline) {
      return { total, ok, byCode, byProtocolAndCode };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface RpcLine {
  msg?: string;
  code?: string;
  protocol?: string;
  requestId?: string;
}

function parse(line: string): RpcLine {
  try {
    return JSON.parse(line) as RpcLine;
  } catch (e) {
    throw new Error(`server log line is not JSON (${(e as Error).message}): ${line.slice(0, 300)}`);
  }
}

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
