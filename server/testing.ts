import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type RunningServer, type ServerOptions, startServer } from "./app.js";
import { createLogger } from "./logging.js";

/** The built web page; integration runs `npm run build` first. */
export const webRoot = fileURLToPath(new URL("../dist/web", import.meta.url));

/**
 * Starts the real server on an ephemeral port of 127.0.0.1. Logs go to
 * `logs` when given, else nowhere (tests keep their output readable).
 * `options` overrides any other server option (limits, downstream, …).
 */
export function startTestServer(
  logs?: NodeJS.WritableStream,
  options: Partial<ServerOptions> = {},
): Promise<RunningServer> {
  return startServer({
    port: 0,
    host: "127.0.0.1",
    webRoot,
    logger: logs ? createLogger("info", logs) : createLogger("silent"),
    ...options,
  });
}

/** A parsed HTTP response as curl printed it. */
export interface CurlResponse {
  readonly status: number;
  readonly httpVersion: string;
  readonly headers: Headers;
  readonly body: Buffer;
}

const run = promisify(execFile);

/**
 * Runs the real `curl` binary with `args` plus `-sS -i` and parses the last
 * response (status line, headers, body). Rejects when curl itself fails.
 */
export async function curl(args: string[], input?: Buffer): Promise<CurlResponse> {
  const child = run("curl", ["-sS", "-i", "--max-time", "10", ...args], {
    encoding: "buffer",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (input) {
    child.child.stdin?.end(input);
  }
  const { stdout } = await child.catch((e: { code?: unknown; stderr?: Buffer }) => {
    const shown = args.join(" ");
    throw new Error(
      `curl ${shown.length > 300 ? `${shown.slice(0, 300)}…` : shown} failed (exit ${String(e.code)}): ${e.stderr?.toString().trim() ?? ""}`,
    );
  });
  let raw = stdout as Buffer;
  // Skip interim responses such as "HTTP/1.1 100 Continue".
  for (;;) {
    const end = raw.indexOf("\r\n\r\n");
    const head = raw.subarray(0, end).toString("latin1");
    const [statusLine = "", ...lines] = head.split("\r\n");
    const m = /^HTTP\/([\d.]+) (\d{3})/.exec(statusLine);
    if (!m) throw new Error(`curl printed no status line: ${JSON.stringify(head.slice(0, 200))}`);
    const status = Number(m[2]);
    if (status >= 100 && status < 200) {
      raw = raw.subarray(end + 4);
      continue;
    }
    const headers = new Headers();
    for (const line of lines) {
      const i = line.indexOf(":");
      headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
    }
    return { status, httpVersion: m[1] ?? "", headers, body: raw.subarray(end + 4) };
  }
}
