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

/**
 * Whether AsyncLocalStorage is cheap here: from Node 24 it rides on
 * AsyncContextFrame; before, it turns on promise hooks for the whole
 * process, which cost about 5% of a loaded server.
 */
const cheapContext = Number(process.versions.node.split(".")[0]) >= 24;
const current = new AsyncLocalStorage<() => RequestSummary>();
/** Without cheap context: the request whose handling began most recently. */
let latest: (() => RequestSummary) | undefined;

/**
 * The request the current code runs for, if any: a process-level handler
 * for uncaught exceptions and unhandled rejections can name the request that
 * caused one. On Node 24 and later the engine runs every request in its own
 * async context, so this is exact; on older Node, where that context would
 * cost every call, it is the request whose handling began most recently.
 */
export function currentRequest(): RequestSummary | undefined {
  return (cheapContext ? current.getStore() : latest)?.();
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
 * Runs one request's handling so that nothing it throws or rejects escapes
 * (`describe` names the request, built only when something is logged):
 * a synchronous throw and a rejection both end in `onFailure` (which answers
 * in the request's protocol, or resets the stream when an answer had
 * begun), and are logged once — as one debug line when they only mean the
 * client went away, as an error otherwise.
 */
export function runGuarded(
  describe: () => RequestSummary,
  log: EngineLog,
  work: () => Promise<unknown>,
  onFailure: (error: unknown) => void,
): void {
  const fail = (error: unknown) => {
    const request = describe();
    if (isClientGone(error)) {
      log.debug({ request, error: errorField(error).message }, "client went away");
    } else {
      log.error({ request, error: errorField(error) }, "request failed in the engine");
    }
    try {
      onFailure(error);
    } catch (e) {
      log.error({ request, error: errorField(e) }, "could not answer a failed request");
    }
  };
  const start = () => {
    let pending: Promise<unknown>;
    try {
      pending = work();
    } catch (e) {
      fail(e);
      return;
    }
    pending.catch(fail);
  };
  if (cheapContext) {
    current.run(describe, start);
  } else {
    latest = describe;
    start();
  }
}
