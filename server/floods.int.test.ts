// Bounded floods against the server as `npm start` runs it
// (dist/server/main.js in its own process, LOG_LEVEL=info), each on a fresh
// process while a bystander at 127.0.0.2 calls SayHello on fresh h2c
// connections (2 s per call) — the floods of `npm run floods`
// (scripts/floods/) with smaller counts. Each must leave the server up,
// with no fatal log line (the last-resort handlers), its peak RSS within
// the flood's bound, and exit 0 on SIGTERM.
//
// The bystander checks are todo tests: each fails today, which also shows
// that the oracle can fail (README "Floods" has the figures). Idle
// connections from a few addresses fill the global connection budget and a
// new client is closed at once; a burst of zero-window streams and a rapid
// reset flood each delay some bystander calls past 2 s on this 2-core machine.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { connectionFlood } from "../scripts/floods/connection-flood.js";
import { type Flood, type FloodResult, runFlood } from "../scripts/floods/flood.js";
import { rapidResetFlood } from "../scripts/floods/rapid-reset.js";
import { zeroWindowFlood } from "../scripts/floods/zero-window.js";

const why = (r: FloodResult) =>
  `${r.failures.join("; ")}\nattacker: ${r.attacker}\nbystander: ${JSON.stringify(r.bystander)}`;

/** Runs `flood` once for the tests of its block: survival, then the bystander (todo while `gap`). */
function floodTests(flood: Flood, gap: string, more: (r: () => FloodResult) => void = () => {}) {
  describe(flood.description, () => {
    let r: FloodResult;
    before(async () => {
      r = await runFlood(flood, { port: 0, logFile: `/tmp/hello-floods-test-${flood.name}.log` });
      console.log(
        `${flood.name}: RSS ${(r.rssBeforeKiB / 1024).toFixed(1)} → peak ${(r.rssPeakKiB / 1024).toFixed(1)} MiB; attacker: ${r.attacker}; bystander ${r.bystander.ok}/${r.bystander.failed}, p99 ${r.bystander.p99Ms.toFixed(0)} ms`,
      );
    });
    it("the server stays up, logs nothing fatal, keeps RSS within the bound and exits 0", () => {
      assert.equal(r.up, true, why(r));
      assert.equal(r.fatalLines, 0, why(r));
      assert.ok(
        r.rssPeakKiB - r.rssBeforeKiB <= flood.rssBoundMiB * 1024,
        `peak RSS grew past +${flood.rssBoundMiB} MiB\n${why(r)}`,
      );
      assert.equal(r.exitCode, 0, why(r));
    });
    more(() => r);
    it("every bystander call is answered within 2 s", { todo: gap }, () => {
      assert.equal(r.bystander.failed, 0, why(r));
    });
  });
}

floodTests(
  zeroWindowFlood({ connections: 8, streamsPerConnection: 32, holdSeconds: 4, rssBoundMiB: 100 }),
  "a burst of streaming work stalls the event loop for seconds",
);

floodTests(
  rapidResetFlood({ addresses: 2, seconds: 6 }),
  "the server reads on a reset flood until its GOAWAY lands",
  (r) =>
    it("the attacker is sent GOAWAY (ENHANCE_YOUR_CALM)", () => {
      assert.match(r().attacker, /GOAWAY\(ENHANCE_YOUR_CALM\)/, why(r()));
    }),
);

floodTests(
  connectionFlood({
    addresses: 2,
    connectionsPerAddress: 150,
    holdSeconds: 2,
    descriptorLimit: 256,
  }),
  "the global connection budget refuses a new client once idle connections fill it",
  (r) =>
    it("under ulimit -n 256 it holds 192 connections and closes the excess at once", () => {
      assert.equal(r().notes["connections held open at the end"], 192, why(r()));
      assert.match(r().attacker, /closed before any frame/, why(r()));
    }),
);
