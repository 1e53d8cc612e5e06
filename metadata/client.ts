import {
  type CallOptions,
  Code,
  ConnectError,
  type ContextValues,
  createContextKey,
  createContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import type { UniversalClientFn } from "@connectrpc/connect/protocol";
import { deriveContextValues } from "./context-values.js";
import type { MD } from "./md.js";
import { fromOutgoingContext } from "./outgoing-context.js";
import { MetadataError } from "./validate.js";
import { readMetadata, writeMetadata } from "./wire.js";

/** Where a call's response metadata is copied to; see {@link header}. */
interface CaptureTargets {
  header?: MD;
  trailer?: MD;
}

const captureKey = createContextKey<CaptureTargets | undefined>(undefined, {
  description: "hello-metadata response capture",
});

/** A call option in grpc-go's sense; pass it to {@link callOptions}. */
export interface CallOption {
  /** @internal */
  readonly apply: (targets: CaptureTargets) => void;
}

/**
 * Asks for the response header metadata of a call to be stored in `md`
 * (grpc-go's `grpc.Header(&md)`). When the call ends, on success or error,
 * `md` holds exactly the headers the server sent as metadata: protocol
 * headers removed, `-bin` values decoded, trailers not mixed in. Whatever
 * `md` held before is replaced.
 */
export function header(md: MD): CallOption {
  return { apply: (t) => (t.header = md) };
}

/**
 * Asks for the response trailer metadata of a call to be stored in `md`
 * (grpc-go's `grpc.Trailer(&md)`); see {@link header}. For a stream, `md` is
 * filled once the stream has ended.
 */
export function trailer(md: MD): CallOption {
  return { apply: (t) => (t.trailer = md) };
}

/**
 * Builds Connect `CallOptions` from a context (typically made with
 * `appendToOutgoingContext`) and grpc-go-style call options:
 * `client.sayHello(req, callOptions(ctx, header(h), trailer(t)))`.
 * The context is not changed. Spread the result to add other options:
 * `{ ...callOptions(ctx), timeoutMs: 500 }`.
 */
export function callOptions(
  values: ContextValues | undefined,
  ...options: CallOption[]
): CallOptions & { contextValues: ContextValues } {
  const targets: CaptureTargets = {};
  for (const o of options) o.apply(targets);
  return {
    contextValues: deriveContextValues(values ?? createContextValues()).set(captureKey, targets),
  };
}

/** Raw response headers seen by a capturing HTTP client, keyed by the call's signal. */
const rawHeaders = new WeakMap<AbortSignal, { header?: Headers }>();

/**
 * Wraps a `fetch` so the client interceptor can tell header metadata from
 * trailer metadata when a unary call fails (Connect-ES merges both into
 * `ConnectError.metadata`). Pass it to connect-web's transports:
 * `createConnectTransport({ baseUrl, fetch: captureFetch(), interceptors: [clientMetadataInterceptor()] })`.
 * It changes nothing about the request or the response.
 */
export function captureFetch(fetchFn: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    const res = await fetchFn(input, init);
    const slot = init?.signal ? rawHeaders.get(init.signal) : undefined;
    if (slot) slot.header = res.headers;
    return res;
  };
}

/**
 * The same as {@link captureFetch} for a Connect `UniversalClientFn` (for
 * example connect-node's `createNodeHttpClient`), for transports built with
 * `createTransport` from `@connectrpc/connect/protocol-*`.
 */
export function captureHttpClient(client: UniversalClientFn): UniversalClientFn {
  return async (req) => {
    const res = await client(req);
    const slot = req.signal ? rawHeaders.get(req.signal) : undefined;
    if (slot) slot.header = res.header;
    return res;
  };
}

/**
 * The client half of the library, for every Connect-ES transport (connect-web
 * and connect-node; Connect, gRPC and gRPC-Web). For every call it:
 * - writes the outgoing metadata of the call's `contextValues` into the
 *   request headers, `-bin` values as unpadded base64. Invalid or reserved
 *   metadata fails the call with `Internal` before anything is sent, as
 *   grpc-go does for invalid metadata (grpc-go drops reserved keys silently;
 *   we refuse them);
 * - fills the MDs asked for with `header()` and `trailer()`, on success and
 *   on error, keeping headers and trailers apart. On a failed unary call the
 *   split is exact when the transport uses `captureFetch` or
 *   `captureHttpClient`; without them a failed unary call reports all of its
 *   metadata as trailer. A gRPC "trailers-only" response has no header
 *   block: everything in it is trailer, as the gRPC spec defines.
 */
export function clientMetadataInterceptor(): Interceptor {
  return (next) => async (req) => {
    const outgoing = fromOutgoingContext(req.contextValues);
    if (outgoing) {
      try {
        writeMetadata(req.header, outgoing);
      } catch (e) {
        if (e instanceof MetadataError) {
          throw new ConnectError(`invalid outgoing metadata: ${e.message}`, Code.Internal);
        }
        throw e;
      }
    }
    const targets = req.contextValues.get(captureKey);
    if (!targets || (!targets.header && !targets.trailer)) return next(req);
    const raw: { header?: Headers } = {};
    rawHeaders.set(req.signal, raw);
    const protocol = rpcProtocolOf(req.header);
    try {
      const res = await next(req);
      fill(targets.header, res.header);
      if (!res.stream) {
        fill(targets.trailer, res.trailer);
        return res;
      }
      return { ...res, message: captureStreamEnd(res.message, res.trailer, res.header, targets) };
    } catch (e) {
      const err = ConnectError.from(e);
      const split = splitErrorMetadata(err.metadata, raw.header, protocol);
      fill(targets.header, split.header);
      fill(targets.trailer, split.trailer);
      throw err;
    } finally {
      rawHeaders.delete(req.signal);
    }
  };
}

async function* captureStreamEnd<T>(
  messages: AsyncIterable<T>,
  trailerHeaders: Headers,
  headerHeaders: Headers,
  targets: CaptureTargets,
): AsyncIterable<T> {
  try {
    yield* messages;
    fill(targets.trailer, trailerHeaders);
  } catch (e) {
    const err = ConnectError.from(e);
    // Stream errors carry the trailers plus a copy of the headers.
    fill(targets.trailer, subtractHeaders(err.metadata, headerHeaders));
    throw err;
  }
}

/** The RPC protocols, as Connect-ES names them in `protocolName`. */
export type RpcProtocol = "connect" | "grpc" | "grpc-web";

/**
 * Which RPC protocol a request speaks, read from its content type:
 * `application/grpc-web…` is gRPC-Web, `application/grpc…` gRPC, anything
 * else Connect.
 */
export function rpcProtocolOf(requestHeader: Headers): RpcProtocol {
  const ct = requestHeader.get("content-type") ?? "";
  if (ct.startsWith("application/grpc-web")) return "grpc-web";
  if (ct.startsWith("application/grpc")) return "grpc";
  return "connect";
}

/**
 * Splits a failed unary call's merged `ConnectError.metadata` back into
 * header and trailer, using the raw response headers when a capturing
 * transport recorded them.
 */
function splitErrorMetadata(
  merged: Headers,
  raw: Headers | undefined,
  protocol: RpcProtocol,
): { header: Headers; trailer: Headers } {
  if (!raw || (protocol !== "connect" && raw.has("grpc-status"))) {
    return { header: new Headers(), trailer: merged };
  }
  if (protocol === "connect") {
    const header = new Headers();
    const trailer = new Headers();
    raw.forEach((value, key) => {
      if (key.startsWith("trailer-")) trailer.append(key.slice("trailer-".length), value);
      else header.append(key, value);
    });
    return { header, trailer };
  }
  return { header: raw, trailer: subtractHeaders(merged, raw) };
}

/**
 * Returns `merged` without the values that came from `header`. Connect-ES
 * appends header values to the trailer's (joined by ", "), so a key in both
 * loses the header's part; a key only in `header` disappears.
 */
function subtractHeaders(merged: Headers, header: Headers): Headers {
  const out = new Headers();
  merged.forEach((value, key) => {
    const h = header.get(key);
    if (h === null) out.append(key, value);
    else if (value === h) return;
    else if (value.endsWith(`, ${h}`)) out.append(key, value.slice(0, -(h.length + 2)));
    else if (value.startsWith(`${h}, `)) out.append(key, value.slice(h.length + 2));
    else out.append(key, value);
  });
  return out;
}

function fill(target: MD | undefined, headers: Headers): void {
  if (!target) return;
  let md: MD;
  try {
    md = readMetadata(headers);
  } catch (e) {
    throw new ConnectError(`invalid response metadata: ${(e as Error).message}`, Code.Internal);
  }
  for (const key of target.keys()) target.delete(key);
  for (const [key, values] of md.entries()) target.set(key, ...(values as never[]));
}

/** Exposed for tests of the merge rules; not part of the public API. */
export const internalForTesting = { subtractHeaders, splitErrorMetadata };
