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

  it("every writer waits while the process's budget is spent, on any connection", async () => {
    const held = [{}, {}, {}, {}, {}].map((c) => budget.track(c, () => {}));
    const sends = held.map((s) => s.sent(90)); // 450 > 400
    const fresh = budget.track({}, () => {});
    const waits = fresh.sent(10);
    assert.equal(await settled(waits.room), false);
    assert.equal(budget.admits({}), false, "new streams are refused too");
    sends[0]?.written();
    sends[1]?.written(); // 270 + 10 waiting now
    assert.equal(await settled(waits.room), true);
    assert.equal(await settled(sends[4]?.room ?? Promise.reject()), true);
    for (const s of [...held, fresh]) s.release();
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
});
