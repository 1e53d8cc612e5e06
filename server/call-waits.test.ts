import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { sleep, untilAborted } from "./call-waits.js";

/** A request stream that yields `values`, then waits for a next message that never comes. */
function stalled<T>(values: readonly T[]): AsyncIterable<T> & { returned: boolean } {
  const source = {
    returned: false,
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        next: (): Promise<IteratorResult<T>> =>
          i < values.length
            ? Promise.resolve({ done: false, value: values[i++] as T })
            : new Promise<never>(() => {}),
        return: (): Promise<IteratorResult<T>> => {
          source.returned = true;
          return Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  };
  return source;
}

async function* finite<T>(values: readonly T[]): AsyncGenerator<T> {
  yield* values;
}

async function collect<T>(it: AsyncIterable<T>, into: T[]): Promise<void> {
  for await (const v of it) into.push(v);
}

describe("untilAborted", () => {
  it("passes every message on and ends when the request stream ends", async () => {
    const got: number[] = [];
    await collect(untilAborted(finite([1, 2, 3]), new AbortController().signal), got);
    assert.deepEqual(got, [1, 2, 3]);
  });

  it("a deadline passing while it waits for a message ends the wait with DEADLINE_EXCEEDED", {
    timeout: 2_000,
  }, async () => {
    const source = stalled(["a"]);
    const controller = new AbortController();
    const got: string[] = [];
    const done = collect(untilAborted(source, controller.signal), got);
    setTimeout(() => controller.abort(new ConnectError("deadline", Code.DeadlineExceeded)), 20);
    await assert.rejects(done, (e: unknown) => ConnectError.from(e).code === Code.DeadlineExceeded);
    assert.deepEqual(got, ["a"], "the message before the deadline was read");
    assert.equal(source.returned, true, "the request stream is let go");
  });

  it("a signal aborted before the first read ends it at once, with the signal's code", {
    timeout: 2_000,
  }, async () => {
    const controller = new AbortController();
    controller.abort(new ConnectError("gone", Code.Canceled));
    await assert.rejects(
      collect(untilAborted(stalled([1]), controller.signal), []),
      (e: unknown) => ConnectError.from(e).code === Code.Canceled,
    );
  });

  it("a handler that stops early lets the request stream go", async () => {
    const source = stalled([1, 2]);
    for await (const v of untilAborted(source, new AbortController().signal)) {
      if (v === 1) break;
    }
    assert.equal(source.returned, true);
  });
});

describe("sleep", () => {
  it("waits its time", async () => {
    const started = performance.now();
    await sleep(30, new AbortController().signal);
    assert.ok(performance.now() - started >= 30);
  });

  it("never ends before its time by the clock the handler reads (timers may fire up to 1 ms early)", async () => {
    // Node's timers count in whole milliseconds of the event loop's cached
    // clock, so a bare setTimeout(ms) can fire almost a millisecond before
    // ms have passed by performance.now() (a 60 s SayHello once reported
    // processing-ms 59999.472). A handler that promises delay_ms must wait it.
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setImmediate(r));
      const busyUntil = performance.now() + (i % 3) * 0.7; // a part-millisecond of work first
      while (performance.now() < busyUntil) {
        // busy
      }
      const ms = 1 + (i % 4);
      const started = performance.now();
      await sleep(ms, new AbortController().signal);
      const took = performance.now() - started;
      assert.ok(took >= ms, `sleep(${ms}) took ${took.toFixed(3)} ms`);
    }
  });

  it("ends early with the signal's reason when the call is cancelled", async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new ConnectError("cancelled", Code.Canceled)), 10);
    await assert.rejects(
      sleep(10_000, controller.signal),
      (e: unknown) => ConnectError.from(e).code === Code.Canceled,
    );
    assert.ok(performance.now() - started < 1_000);
  });
});
