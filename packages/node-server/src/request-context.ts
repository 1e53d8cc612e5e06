import { AsyncLocalStorage } from "node:async_hooks";
import type { EngineLog } from "./engine-log.js";
import { cut, errorField } from "./engine-log.js";
import { isClientGone } from "./node-errors.js";

/** What the engine knows about a request, bounded, for logs. */
export interface RequestSummary {
  readonly method: string;
  /** The target as received, cut to 200 characters. */
  readonly target: string;
  readonly httpVersion: string;
  /** The client's address. */
  readonly client: string;
}

const current = new AsyncLocalStorage<RequestSummary>();

/**
 * The request the current code runs for, if any: a process-level handler
 * for uncaught exceptions and unhandled rejections can name the request that
 * caused one (the engine runs every request inside its summary).
 */
export function currentRequest(): RequestSummary | undefined {
  return current.getStore();
}

/** A bounded summary of a request for logs. */
export function summarize(
  method: string | undefined,
  target: string | undefined,
  httpVersion: string,
  client: string | undefined,
): RequestSummary {
  return {
    method: cut(method ?? "", 16),
    target: cut(target ?? "", 200),
    httpVersion,
    client: client ?? "",
  };
}

/**
 * Runs one request's handling so that nothing it throws or rejects escapes:
 * a synchronous throw and a rejection both end in `onFailure` (which answers
 * in the request's protocol, or resets the stream when an answer had
 * begun), and are logged once — as one debug line when they only mean the
 * client went away, as an error otherwise.
 */
export function runGuarded(
  summary: RequestSummary,
  log: EngineLog,
  work: () => Promise<unknown>,
  onFailure: (error: unknown) => void,
): void {
  current.run(summary, () => {
    const fail = (error: unknown) => {
      if (isClientGone(error)) {
        log.debug({ request: summary, error: errorField(error).message }, "client went away");
      } else {
        log.error({ request: summary, error: errorField(error) }, "request failed in the engine");
      }
      try {
        onFailure(error);
      } catch (e) {
        log.error({ request: summary, error: errorField(e) }, "could not answer a failed request");
      }
    };
    let pending: Promise<unknown>;
    try {
      pending = work();
    } catch (e) {
      fail(e);
      return;
    }
    pending.catch(fail);
  });
}
