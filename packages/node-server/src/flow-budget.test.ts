import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { createFlowBudget, type FlowLimits } from "./flow-budget.js";

const limits: FlowLimits = {
  maxPendingBytesPerStream: 100,
  maxPendingBytesPerConnection: 250,
  maxPendingBytesTotal: 400,
  stallTimeoutMs: 60_000,
};

/** Whether `p` has settled by the time the microtasks queued now have run. */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await new Promise((r) => setImmediate(r));
  return done;
}

describe("createFlowBudget", () => {
  const budget = createFlowBudget(limits);
  after(() => budget.close());

  it("a writer within its stream's budget goes on; past it, it waits until the peer takes bytes", async () => {
    const s = budget.track({}, () => {});
    assert.equal(await settled(s.sent(60).room), true);
    const second = s.sent(60);
    assert.equal(await settled(second.room), false, "120 bytes waiting > 100");
    second.written();
    assert.equal(await settled(second.room), true);
    s.release();
  });

  it("writers under their own budget wait while their connection's is spent, and go on once it has room", async () => {
    const connection = {};
    const streams = [1, 2, 3].map(() => budget.track(connection, () => {}));
    const sends = streams.map((s) => s.sent(90));
    // 270 bytes waiting on the connection > 250: the third write's writer waits, and so does
    // any later writer on it, though each stream holds less than its own 100.
    assert.equal(await settled(sends[0]?.room ?? Promise.reject()), true);
    assert.equal(await settled(sends[2]?.room ?? Promise.reject()), false);
    const lateStream = budget.track(connection, () => {});
    const late = lateStream.sent(1);
    assert.equal(await settled(late.room), false);
    // Another connection is not held back by this one.
    const other = budget.track({}, () => {});
    assert.equal(await settled(other.sent(90).room), true);
    other.release();
    sends[0]?.written();
    assert.equal(await settled(sends[2]?.room ?? Promise.reject()), true);
    assert.equal(await settled(late.room), true);
    for (const s of [...streams, lateStream]) s.release();
    assert.equal(budget.pending, 0);
  });

  it("past the process's budget a writer whose earlier bytes still wait waits, on any connection; one whose peer took everything goes on", async () => {
    const held = [{}, {}, {}, {}, {}].map((c) => budget.track(c, () => {}));
    const firsts = held.map((s) => s.sent(40));
    const sends = held.map((s) => s.sent(50)); // 450 > 400
    assert.equal(
      await settled(sends[4]?.room ?? Promise.reject()),
      false,
      "the write past the budget waits",
    );
    const reader = budget.track({}, () => {});
    const first = reader.sent(10);
    assert.equal(await settled(first.room), true, "a stream holding nothing goes on");
    const second = reader.sent(10);
    assert.equal(await settled(second.room), false, "once it holds bytes it waits too");
    assert.equal(budget.admits({}), true, "new streams are still admitted");
    for (const f of firsts.slice(0, 3)) f.written(); // 330 waiting now
    assert.equal(await settled(second.room), true);
    assert.equal(await settled(sends[4]?.room ?? Promise.reject()), true);
    for (const s of [...held, reader]) s.release();
    assert.equal(budget.pending, 0);
  });

  it("a released stream's writer stops waiting, and its bytes are given back", async () => {
    const connection = {};
    const a = budget.track(connection, () => {});
    const b = budget.track(connection, () => {});
    a.sent(200);
    const waits = b.sent(90);
    assert.equal(await settled(waits.room), false);
    b.release();
    assert.equal(await settled(waits.room), true);
    a.release();
    assert.equal(budget.pending, 0);
    assert.equal(budget.admits(connection), true);
  });

  it("past the process's budget the longest-stalled streams are reset until it is within 3/4 of it; a stream that has not stalled a second is not", async () => {
    const shedding = createFlowBudget(limits); // stallTimeoutMs 60 s: only shedding resets here
    try {
      const resets: string[] = [];
      const track = (name: string) => {
        const s = shedding.track({}, () => {
          resets.push(name);
          s.release();
        });
        return s;
      };
      const stalled = ["a", "b", "c", "d"].map((name) => {
        const s = track(name);
        s.sent(90); // never written: the peer takes nothing
        return s;
      });
      await new Promise((r) => setTimeout(r, 1_050)); // a, b, c, d have stalled a second
      const fresh = track("fresh");
      fresh.sent(90); // 450 waiting > 400
      assert.equal(shedding.admits({}), true, "new streams are still admitted");
      await new Promise((r) => setTimeout(r, 200)); // the shed pass runs within 100 ms
      // 450 → 360 (a) → 270 (b) ≤ 300: the two longest-stalled go; the fresh one stays.
      assert.deepEqual(resets, ["a", "b"]);
      assert.equal(shedding.pending, 270);
      for (const s of [...stalled, fresh]) s.release();
      assert.equal(shedding.pending, 0);
    } finally {
      shedding.close();
    }
  });
});
