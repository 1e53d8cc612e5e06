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
    assert.ok(performance.now() - started >= 29);
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
