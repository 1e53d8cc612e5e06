// The bystander of a flood: an ordinary client at another address
// (127.0.0.2) that calls gRPC SayHello on a fresh h2c connection, one call
// after another with a short pause, for as long as the flood lasts. Every
// call is checked in full (the survival fuzzer's bystander: HTTP 200, the
// greeting, grpc-status 0) and timed, connection set-up included.
import { callBystander } from "../fuzz/bystander.js";
import { percentile } from "../kit/h2load.js";

/** What the bystander saw over a flood. */
export interface BystanderReport {
  readonly ok: number;
  readonly failed: number;
  /** Why calls failed, by reason. */
  readonly reasons: Readonly<Record<string, number>>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** A running bystander; `stop` waits for the call in flight and reports. */
export interface Bystander {
  stop(): Promise<BystanderReport>;
}

/**
 * Starts calling `url`: each call must be answered within `timeoutMs`
 * (default 2 s), and the next starts `gapMs` (default 100 ms) after.
 */
export function startBystander(url: string, { gapMs = 100, timeoutMs = 2_000 } = {}): Bystander {
  const latencies: number[] = [];
  const reasons: Record<string, number> = {};
  let failed = 0;
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const r = await callBystander(url, timeoutMs);
      latencies.push(r.ms);
      if (!r.ok) {
        failed++;
        reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
      }
      if (!stopping) await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      const sorted = [...latencies].sort((a, b) => a - b);
      return {
        ok: latencies.length - failed,
        failed,
        reasons,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        maxMs: percentile(sorted, 100),
      };
    },
  };
}
