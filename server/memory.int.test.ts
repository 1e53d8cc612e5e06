// The short version of `npm run load`'s memory run: 20,000 calls after a
// warm-up leave the server process's RSS within a generous bound of where it
// was. It catches a gross leak (a few KiB kept per call), not a slow one;
// `npm run load` runs 100,000 calls against a tighter bound. No timings.
// RSS jumps by tens of MiB for a moment now and then (the allocator, not
// the JS heap) and falls back, so the verdict takes the lowest of the last
// samples: a leak raises that floor, a spike does not.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { requireH2load, runH2load } from "../scripts/load/h2load.js";
import { memoryOf, startServerProcess } from "../scripts/load/server-process.js";

const boundMiB = 48;
const rounds = 8;
const callsPerProtocol = 1_250; // per round: 1,250 gRPC + 1,250 Connect
const floorOf = 4; // the verdict looks at the lowest of the last 4 samples

describe("memory", () => {
  it(`${rounds * 2 * callsPerProtocol} calls after a warm-up leave RSS within +${boundMiB} MiB`, async (t) => {
    await requireH2load();
    const dir = await mkdtemp(join(tmpdir(), "hello-memory-test-"));
    const server = await startServerProcess({ dir, logLevel: "warn" });
    try {
      const round = async () => {
        for (const protocol of ["grpc", "connect"] as const) {
          const h = await runH2load({
            url: server.url,
            protocol,
            calls: callsPerProtocol,
            connections: 4,
            streams: 32,
            dir,
          });
          assert.equal(h.status2xx, callsPerProtocol);
          assert.equal(h.failed + h.errored + h.timeout, 0);
        }
      };
      await round(); // warm-up
      const series = [memoryOf(server.pid).rssKiB];
      for (let i = 0; i < rounds; i++) {
        await round();
        series.push(memoryOf(server.pid).rssKiB);
      }
      const [first = 0] = series;
      const growthMiB = (Math.min(...series.slice(-floorOf)) - first) / 1024;
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
