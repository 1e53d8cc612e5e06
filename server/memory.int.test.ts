// The short version of `npm run load`'s memory run: 20,000 calls after a
// warm-up leave the server process's RSS within a generous bound of where it
// was. It catches a gross leak (a few KiB kept per call), not a slow one;
// `npm run load` runs 100,000 calls against a tighter bound. No timings.
// RSS saw-tooths by some 40 MiB (garbage piles up until a major GC; the
// allocator sometimes holds more for a moment), so the verdict compares
// floors — the lowest of the first samples with the lowest of the last: a
// leak raises the floor, the saw-tooth does not.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { wireRequest } from "../scripts/kit/h2-calls.js";
import { requireH2load, runH2load } from "../scripts/kit/h2load.js";
import { startServerProcess } from "../scripts/kit/server-process.js";

const boundMiB = 48;
const rounds = 10;
const callsPerProtocol = 1_250; // per round: 1,250 gRPC + 1,250 Connect
// The heap takes some 30,000 calls to reach its working size.
const warmupPerProtocol = 15_000;
const floorFirst = 2; // lowest of the first 2 samples…
const floorLast = 3; // …against the lowest of the last 3

describe("memory", () => {
  it(`${rounds * 2 * callsPerProtocol} calls after ${2 * warmupPerProtocol} warm-up calls leave the RSS floor within +${boundMiB} MiB`, async (t) => {
    await requireH2load();
    const dir = await mkdtemp(join(tmpdir(), "hello-memory-test-"));
    const server = await startServerProcess({
      env: { LOG_LEVEL: "warn" },
      logFile: join(dir, "server.log"),
    });
    try {
      const round = async (calls = callsPerProtocol) => {
        for (const protocol of ["grpc", "connect"] as const) {
          const h = await runH2load({
            url: server.url,
            ...wireRequest(protocol),
            calls,
            connections: 4,
            streams: 32,
            dir,
          });
          assert.equal(h.status2xx, calls);
          assert.equal(h.failed + h.errored + h.timeout, 0);
        }
      };
      await round(warmupPerProtocol);
      const series = [server.memory().rssKiB];
      for (let i = 0; i < rounds; i++) {
        await round();
        series.push(server.memory().rssKiB);
      }
      const growthMiB =
        (Math.min(...series.slice(-floorLast)) - Math.min(...series.slice(0, floorFirst))) / 1024;
      const shown = series.map((k) => `${(k / 1024).toFixed(1)}`).join(", ");
      t.diagnostic(`RSS MiB after each ${2 * callsPerProtocol} calls: ${shown}`);
      assert.ok(
        growthMiB <= boundMiB,
        `RSS floor grew ${growthMiB.toFixed(1)} MiB (over +${boundMiB} MiB); series MiB: ${shown}`,
      );
      assert.equal(await server.stop(), 0);
    } finally {
      server.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
