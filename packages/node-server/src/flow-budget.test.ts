import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { createFlowBudget, type FlowLimits } from "./flow-budget.js";

const limits: FlowLimits = {
  maxPendingBytesPerStream: 100,
  maxPendingBytesPerConnection: 250,
  maxPendingBytesTotal: 400,
  maxPendingWritesTotal: 20,
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
    // The connection has room again (180 ≤ 250), but the third stream's
    // peer has taken none of its bytes since it began to wait: more would
    // only queue behind them. It goes on once its peer takes some.
    assert.equal(await settled(sends[2]?.room ?? Promise.reject()), false);
    sends[2]?.written();
    assert.equal(await settled(sends[2]?.room ?? Promise.reject()), true);
    assert.equal(await settled(late.room), false);
    late.written();
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
    for (const f of firsts.slice(0, 4)) f.written(); // 300 waiting now
    // Back within the budget: writers whose peers took something since they
    // began to wait go on; the reader, whose peer took nothing, waits on.
    assert.equal(await settled(sends[3]?.room ?? Promise.reject()), true);
    assert.equal(await settled(second.room), false);
    assert.equal(await settled(sends[4]?.room ?? Promise.reject()), false);
    first.written();
    firsts[4]?.written();
    assert.equal(await settled(second.room), true);
    assert.equal(await settled(sends[4]?.room ?? Promise.reject()), true);
    for (const s of [...held, reader]) s.release();
    assert.equal(budget.pending, 0);
  });

  it("past the process's budget in writes (many small messages, few bytes) a writer whose earlier writes still wait waits; one holding nothing goes on", async () => {
    // 21 one-byte writes on 21 connections: 21 bytes, far under every byte
    // budget, but 21 writes waiting > 20.
    const held = Array.from({ length: 21 }, () => budget.track({}, () => {}));
    const firsts = held.map((s) => s.sent(1));
    assert.equal(budget.pendingWrites, 21);
    const second = held[0]?.sent(1);
    assert.equal(await settled(second?.room ?? Promise.reject()), false, "22 writes waiting > 20");
    const reader = budget.track({}, () => {});
    assert.equal(await settled(reader.sent(1).room), true, "a stream holding nothing goes on");
    for (const s of held.slice(1)) s.release(); // 3 writes left waiting
    assert.equal(budget.pendingWrites, 3);
    firsts[0]?.written(); // its peer takes one: it goes on
    assert.equal(await settled(second?.room ?? Promise.reject()), true);
    for (const s of [held[0], reader]) s?.release();
    assert.equal(budget.pendingWrites, 0);
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

  it("when the process comes back within its budget, writers whose peers took nothing since they began to wait are not woken to make more", async () => {
    const stalled = Array.from({ length: 5 }, () => budget.track({}, () => {}));
    for (const s of stalled) s.sent(50);
    const waits = stalled.map((s) => s.sent(40)); // 410 and 450 > 400: the last two wait
    for (const w of waits.slice(0, 3)) assert.equal(await settled(w.room), true);
    const reading = budget.track({}, () => {});
    const r1 = reading.sent(10);
    const r2 = reading.sent(10);
    assert.equal(await settled(r2.room), false);
    r1.written(); // its peer reads, while the process is still over
    stalled[0]?.release(); // 370: back within the budget
    assert.equal(await settled(r2.room), true, "the writer whose peer read goes on");
    for (const w of waits.slice(3)) {
      assert.equal(await settled(w.room), false, "a stalled writer is not woken");
    }
    for (const s of [...stalled, reading]) s.release();
    for (const w of waits) assert.equal(await settled(w.room), true, "release wakes it");
    assert.equal(budget.pending, 0);
    assert.equal(budget.pendingWrites, 0);
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

  it("past the process's budget in writes the longest-stalled streams are reset until 3/4 of it is left", async () => {
    const shedding = createFlowBudget(limits);
    try {
      const resets: number[] = [];
      const streams = Array.from({ length: 7 }, (_, i) => {
        const s = shedding.track({}, () => {
          resets.push(i);
          s.release();
        });
        for (let k = 0; k < 3; k++) s.sent(1); // 3 one-byte writes the peer never takes
        return s;
      });
      await new Promise((r) => setTimeout(r, 1_050)); // all have stalled a second
      streams[0]?.sent(1); // 22 writes > 20; 22 bytes, far under the 400-byte budget
      await new Promise((r) => setTimeout(r, 200));
      // 22 → 18 (stream 0 — the write just sent is not progress) → 15 (1) ≤ 15: two go.
      assert.deepEqual(resets, [0, 1]);
      assert.equal(shedding.pendingWrites, 15);
      for (const s of streams) s.release();
      assert.equal(shedding.pendingWrites, 0);
    } finally {
      shedding.close();
    }
  });
});
