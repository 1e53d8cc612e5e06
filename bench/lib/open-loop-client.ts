// An open-loop load client: sends unary calls at a fixed rate whatever the
// server does, and times each from when it was due to be sent (not from
// when it went out), so a stalled server is charged for every call it
// delayed — no coordinated omission. Run as its own process, pinned to the
// load CPU by the bench (bench/lib/open-loop.ts), bundled into
// dist/bench/open-loop-client.js by build.ts and run with plain node:
//
//   node dist/bench/open-loop-client.js '<json options>'   → one JSON line on stdout
//
// Calls are spread round-robin over `connections` HTTP/2 sessions; every
// millisecond the client sends the calls that are due. The first
// `warmupSeconds` are sent but not counted. An answer counts as ok when it
// is HTTP 200 with `grpc-status: 0` in its trailers and its body holds the
// expected greeting; anything else is an error.
import * as http2 from "node:http2";

export interface OpenLoopOptions {
  readonly url: string;
  readonly path: string;
  /** Request body, base64. */
  readonly body: string;
  readonly headers: Record<string, string>;
  /** Calls per second, in all. */
  readonly rate: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  /** A string every correct answer's body contains. */
  readonly expect: string;
  /** Calls in flight past which the client stops sending (the server is saturated). */
  readonly maxInFlight: number;
}

export interface OpenLoopResult {
  /** Counted calls: due after the warm-up. */
  readonly counted: number;
  readonly ok: number;
  readonly errors: number;
  /** Calls not sent because `maxInFlight` were outstanding. */
  readonly skipped: number;
  /** Counted calls finished per second. */
  readonly achievedRate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /** p99 of how late a call went out after it was due (the client's own lag). */
  readonly sendLagP99Ms: number;
  readonly firstError?: string;
}

function percentileOf(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

async function main(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const body = Buffer.from(o.body, "base64");
  const expect = Buffer.from(o.expect);
  const sessions = Array.from({ length: o.connections }, () => {
    const s = http2.connect(o.url);
    s.on("error", () => {});
    return s;
  });
  await Promise.all(
    sessions.map((s) => new Promise<void>((resolve) => s.once("connect", () => resolve()))),
  );
  const headers = { ":method": "POST", ":path": o.path, ...o.headers };
  const total = Math.round(o.rate * (o.warmupSeconds + o.seconds));
  const warmCalls = Math.round(o.rate * o.warmupSeconds);
  const latencies = new Float64Array(total);
  const lags = new Float64Array(total);
  let recorded = 0;
  let lagged = 0;
  let ok = 0;
  let errors = 0;
  let skipped = 0;
  let inFlight = 0;
  let firstError: string | undefined;
  let finished = 0;
  let lastEnd = 0;
  const intervalMs = 1000 / o.rate;

  const t0 = performance.now() + 20;
  let next = 0;
  let allDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  const settle = () => {
    finished++;
    if (finished === total) allDone();
  };
  const fail = (why: string, counted: boolean) => {
    if (counted) {
      errors++;
      firstError ??= why;
    }
  };
  const send = (k: number, due: number) => {
    const counted = k >= warmCalls;
    if (inFlight >= o.maxInFlight) {
      if (counted) skipped++;
      settle();
      return;
    }
    const now = performance.now();
    if (counted) lags[lagged++] = now - due;
    inFlight++;
    const session = sessions[k % sessions.length] as http2.ClientHttp2Session;
    const stream = session.request(headers);
    let status = 0;
    let grpcStatus: string | undefined;
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      status = Number(h[":status"]);
    });
    stream.on("trailers", (t) => {
      grpcStatus = t["grpc-status"] as string | undefined;
    });
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("error", () => {});
    stream.on("close", () => {
      inFlight--;
      const end = performance.now();
      if (counted) {
        lastEnd = end;
        if (status !== 200) fail(`HTTP ${status || `reset ${stream.rstCode}`}`, counted);
        else if (grpcStatus !== "0") fail(`grpc-status ${grpcStatus ?? "missing"}`, counted);
        else if (!Buffer.concat(chunks).includes(expect)) fail("wrong answer", counted);
        else {
          ok++;
          latencies[recorded++] = end - due;
        }
      }
      settle();
    });
    stream.end(body);
  };
  const tick = () => {
    const now = performance.now();
    while (next < total) {
      const due = t0 + next * intervalMs;
      if (due > now) break;
      send(next, due);
      next++;
    }
    if (next < total) setTimeout(tick, Math.max(0, Math.min(1, t0 + next * intervalMs - now)));
  };
  setTimeout(tick, 20);
  const countedStart = t0 + warmCalls * intervalMs;
  await Promise.race([
    done,
    new Promise((r) => setTimeout(r, (o.warmupSeconds + o.seconds + 10) * 1000 + 20)),
  ]);
  for (const s of sessions) s.destroy();
  const lat = latencies.subarray(0, recorded).sort();
  const lag = lags.subarray(0, lagged).sort();
  const counted = total - warmCalls;
  return {
    counted,
    ok,
    errors: errors + (counted - ok - errors - skipped),
    skipped,
    achievedRate: ok / Math.max(1e-9, ((lastEnd || countedStart) - countedStart) / 1000),
    p50Ms: percentileOf(lat, 50),
    p99Ms: percentileOf(lat, 99),
    p999Ms: percentileOf(lat, 99.9),
    maxMs: lat.length ? (lat[lat.length - 1] as number) : Number.NaN,
    sendLagP99Ms: percentileOf(lag, 99),
    ...(firstError ? { firstError } : {}),
  };
}

main(JSON.parse(process.argv[2] ?? "{}") as OpenLoopOptions).then(
  (r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
