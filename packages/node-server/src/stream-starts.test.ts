import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createStreamStarts } from "./stream-starts.js";

const nextTurn = () => new Promise((r) => setImmediate(r));
const unexpected = (e: unknown) => assert.fail(`a start threw: ${String(e)}`);

describe("createStreamStarts", () => {
  it("a connection starts perTurn streams at once; the rest start perTurn a turn, in order", async () => {
    const starts = createStreamStarts({ perTurn: 1000, perConnection: 3 }, unexpected);
    const ran: number[] = [];
    const burst = {};
    for (let i = 0; i < 8; i++) starts.start(burst, () => ran.push(i));
    assert.deepEqual(ran, [0, 1, 2]);
    assert.equal(starts.waiting, 5);
    await nextTurn();
    assert.deepEqual(ran, [0, 1, 2, 3, 4, 5]);
    await nextTurn();
    assert.deepEqual(ran, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(starts.waiting, 0);
  });

  it("another connection is not queued behind a burst: its first streams start at once", () => {
    const starts = createStreamStarts({ perTurn: 1000, perConnection: 2 }, unexpected);
    const ran: string[] = [];
    const burst = {};
    for (let i = 0; i < 50; i++) starts.start(burst, () => ran.push(`burst ${i}`));
    starts.start({}, () => ran.push("bystander"));
    assert.deepEqual(ran, ["burst 0", "burst 1", "bystander"]);
  });

  it("a stream that arrives while others of its connection wait goes behind them, even in a new turn", async () => {
    const starts = createStreamStarts({ perTurn: 1000, perConnection: 2 }, unexpected);
    const ran: number[] = [];
    const c = {};
    for (let i = 0; i < 5; i++) starts.start(c, () => ran.push(i));
    await nextTurn(); // 2, 3 start; 4 waits
    starts.start(c, () => ran.push(5));
    assert.deepEqual(ran, [0, 1, 2, 3]);
    await nextTurn();
    assert.deepEqual(ran, [0, 1, 2, 3, 4, 5]);
  });

  it("the count is per turn: a connection that used its share starts again at once a turn later", async () => {
    const starts = createStreamStarts({ perTurn: 1000, perConnection: 2 }, unexpected);
    const ran: number[] = [];
    const c = {};
    starts.start(c, () => ran.push(0));
    starts.start(c, () => ran.push(1));
    await nextTurn();
    await nextTurn();
    starts.start(c, () => ran.push(2));
    assert.deepEqual(ran, [0, 1, 2]);
  });

  it("a turn starts at most perTurn streams in the process, taken round-robin from the connections with streams waiting", async () => {
    const starts = createStreamStarts({ perTurn: 4, perConnection: 3 }, unexpected);
    const ran: string[] = [];
    const [a, b, c] = [{}, {}, {}];
    for (let i = 0; i < 4; i++) starts.start(a, () => ran.push(`a${i}`));
    for (let i = 0; i < 4; i++) starts.start(b, () => ran.push(`b${i}`));
    starts.start(c, () => ran.push("c0"));
    // This turn: a0–a2 (a's share), b0 (the process's fourth); b1–b3, a3 and c0 wait.
    assert.deepEqual(ran, ["a0", "a1", "a2", "b0"]);
    await nextTurn();
    // Round-robin in the order they began to wait: a, b, c, then b again.
    assert.deepEqual(ran.slice(4), ["a3", "b1", "c0", "b2"]);
    await nextTurn();
    assert.deepEqual(ran.slice(8), ["b3"]);
    assert.equal(starts.waiting, 0);
  });

  it("a connection that used its share waits for the next turn though the process has room, and then goes behind the others", async () => {
    const starts = createStreamStarts({ perTurn: 3, perConnection: 1 }, unexpected);
    const ran: string[] = [];
    const [a, b] = [{}, {}];
    for (let i = 0; i < 3; i++) starts.start(a, () => ran.push(`a${i}`));
    starts.start(b, () => ran.push("b0"));
    assert.deepEqual(ran, ["a0", "b0"]);
    await nextTurn();
    assert.deepEqual(ran, ["a0", "b0", "a1"]);
    await nextTurn();
    assert.deepEqual(ran, ["a0", "b0", "a1", "a2"]);
  });

  it("what a start throws goes to onError, now or in a later turn, and the others still start", async () => {
    const errors: unknown[] = [];
    const starts = createStreamStarts({ perTurn: 1000, perConnection: 1 }, (e) => errors.push(e));
    const ran: number[] = [];
    const c = {};
    starts.start(c, () => {
      throw new Error("now");
    });
    starts.start(c, () => {
      throw new Error("later");
    });
    starts.start(c, () => ran.push(2));
    await nextTurn();
    await nextTurn();
    assert.deepEqual(
      errors.map((e) => (e as Error).message),
      ["now", "later"],
    );
    assert.deepEqual(ran, [2]);
  });
});
