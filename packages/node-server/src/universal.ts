import type { ContextValues } from "@connectrpc/connect";
import type { UniversalServerRequest } from "@connectrpc/connect/protocol";

/**
 * A request for one of Connect-ES's universal handlers, built by the engine
 * itself (connect-node's `universalRequestFromNodeRequest` throws inside the
 * request listener on a request whose authority it cannot read; the engine
 * checks the target first, see request-target.ts). Its body starts with
 * bytes already read, if any (the fast path read them, then declined), and
 * goes on with `rest`.
 */
export function universalRequest(init: {
  readonly httpVersion: string;
  readonly method: string;
  readonly url: string;
  readonly header: Headers;
  readonly signal: AbortSignal;
  readonly contextValues: ContextValues;
  readonly prefix?: readonly Uint8Array[];
  readonly rest?: AsyncIterable<Uint8Array>;
}): UniversalServerRequest {
  const { prefix = [], rest } = init;
  async function* body() {
    yield* prefix;
    if (!rest) return;
    // A handler that stops reading early (a message over the limit, a bad
    // envelope) must not destroy the exchange: that would reset the stream
    // before its answer is written. The engine drops what is left unread
    // once the answer is out.
    const readable = rest as AsyncIterable<Uint8Array> & {
      iterator?: (o: { destroyOnReturn: boolean }) => AsyncIterable<Uint8Array>;
    };
    yield* readable.iterator ? readable.iterator({ destroyOnReturn: false }) : readable;
  }
  return {
    httpVersion: init.httpVersion,
    method: init.method,
    url: init.url,
    header: init.header,
    signal: init.signal,
    contextValues: init.contextValues,
    body: body(),
  };
}
