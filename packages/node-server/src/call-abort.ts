import { Code, ConnectError } from "@connectrpc/connect";
import { LazySignal } from "./lazy-signal.js";

/** What a raw HTTP/2 stream and a Node response both emit when the exchange ends. */
interface Exchange {
  once(event: "close", listener: () => void): unknown;
}

/** A call's abort signal, tied to its stream or response. */
export interface CallAbort {
  readonly abort: LazySignal;
  /** Marks the answer as fully written: a close from now on aborts nothing. */
  finished(): void;
}

/**
 * A call's abort signal, aborted with `Canceled` when the stream or response
 * closes before its answer was written (the client went away, or reset the
 * stream). A flag, not `writableFinished`, tells the two apart: a stream
 * reset by the peer reports its writable side finished too.
 */
export function abortOnClose(exchange: Exchange): CallAbort {
  const abort = new LazySignal();
  let done = false;
  exchange.once("close", () => {
    if (!done) abort.abort(new ConnectError("the client closed the request", Code.Canceled));
  });
  return {
    abort,
    finished: () => {
      done = true;
    },
  };
}
