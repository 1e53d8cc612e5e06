import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import { createConnectionShares } from "./connection-shares.js";

const socket = (bytesRead: number) => ({ bytesRead }) as Socket;

describe("createConnectionShares", () => {
  it("a newcomer gets the least active connection of the client holding the most", () => {
    const shares = createConnectionShares();
    const busy = socket(9_000);
    const idle = socket(24);
    for (const s of [busy, idle, socket(500)]) shares.add("10.0.0.1", s);
    shares.add("10.0.0.2", socket(0));
    assert.deepEqual(shares.evictFor("10.0.0.9"), { client: "10.0.0.1", socket: idle });
    assert.notEqual(shares.evictFor("10.0.0.9")?.socket, busy, "the next least active goes next");
  });

  it("nobody gives up a connection unless they hold at least two more than the newcomer", () => {
    const shares = createConnectionShares();
    shares.add("10.0.0.1", socket(0));
    shares.add("10.0.0.1", socket(0));
    shares.add("10.0.0.2", socket(0));
    assert.equal(shares.evictFor("10.0.0.2"), undefined, "2 is not two more than 1");
    assert.equal(shares.evictFor("10.0.0.1"), undefined, "nobody holds more than the newcomer");
    assert.equal(shares.evictFor("10.0.0.9")?.client, "10.0.0.1", "2 is two more than 0");
  });

  it("evicting evens the shares out: from any start, repeated newcomers never take from a client with fewer", () => {
    // Property over generated holdings: every eviction comes from a client
    // holding at least two more than the newcomer, and the newcomer's count
    // (which the caller then adds) never passes the victim's.
    for (let seed = 1; seed <= 200; seed++) {
      let x = seed;
      const rand = (n: number) => {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        return x % n;
      };
      const shares = createConnectionShares();
      const counts = new Map<string, number>();
      for (let c = 0; c < 1 + rand(6); c++) {
        const n = rand(20);
        for (let i = 0; i < n; i++) shares.add(`c${c}`, socket(rand(1000)));
        counts.set(`c${c}`, n);
      }
      for (let round = 0; round < 30; round++) {
        const newcomer = `c${rand(8)}`;
        const mine = counts.get(newcomer) ?? 0;
        const evicted = shares.evictFor(newcomer);
        const most = Math.max(0, ...[...counts].filter(([c]) => c !== newcomer).map(([, n]) => n));
        if (!evicted) {
          assert.ok(most < mine + 2, `seed ${seed}: ${most} held elsewhere, newcomer ${mine}`);
          continue;
        }
        const theirs = counts.get(evicted.client) ?? 0;
        assert.ok(theirs >= mine + 2, `seed ${seed}: took from ${theirs} for ${mine}`);
        assert.equal(theirs, most, `seed ${seed}: took from the client holding the most`);
        counts.set(evicted.client, theirs - 1);
        shares.add(newcomer, socket(0));
        counts.set(newcomer, mine + 1);
      }
    }
  });
});
