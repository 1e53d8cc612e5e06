import {
  Code,
  ConnectError,
  createContextKey,
  type HandlerContext,
  type Interceptor,
} from "@connectrpc/connect";
import { headerSenderKey } from "./header-sender.js";
import { newIncomingContext } from "./incoming-context.js";
import type { MD } from "./md.js";
import { MetadataError } from "./validate.js";
import { MetadataSizeError, readMetadata, writeMetadata } from "./wire.js";

/**
 * Per-call state behind setHeader, sendHeader and setTrailer: which of
 * grpc-go's deadlines ("headers sent", "call done") have passed.
 */
interface CallState {
  headerSent: boolean;
  done: boolean;
}

const callStateKey = createContextKey<CallState | undefined>(undefined, {
  description: "hello-metadata server call state",
});

/** Options for {@link serverMetadataInterceptor}. */
export interface ServerMetadataOptions {
  /**
   * The most request metadata accepted, in bytes counted as HPACK counts
   * (name + value + 32 per entry, protocol headers not counted). Past it the
   * call fails with `ResourceExhausted` giving the size and the limit.
   * Default: no limit beyond the transport's.
   */
  readonly maxBytes?: number;
}

/**
 * The server half of the library, installed once on the router
 * (`connectNodeAdapter({ interceptors: [serverMetadataInterceptor()] })`).
 * For every call, on every protocol, it:
 * - reads the request headers into the incoming metadata
 *   (`fromIncomingContext`), refusing the call with `InvalidArgument` when a
 *   key or text value is not valid metadata or a `-bin` value is not base64
 *   (grpc-go answers `Internal` for the latter; the caller is at fault, so
 *   we say so);
 * - tracks when headers go out and when the call ends, so that `setHeader`,
 *   `sendHeader` and `setTrailer` fail the way grpc-go's do when too late.
 */
export function serverMetadataInterceptor(options: ServerMetadataOptions = {}): Interceptor {
  const read = { validate: true, maxBytes: options.maxBytes };
  return (next) => async (req) => {
    let incoming: MD;
    try {
      incoming = readMetadata(req.header, read);
    } catch (e) {
      if (e instanceof MetadataSizeError) {
        throw new ConnectError(e.message, Code.ResourceExhausted);
      }
      if (e instanceof MetadataError) {
        throw new ConnectError(`invalid request metadata: ${e.message}`, Code.InvalidArgument);
      }
      throw e;
    }
    newIncomingContext(req.contextValues, incoming);
    const state: CallState = { headerSent: false, done: false };
    req.contextValues.set(callStateKey, state);
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await next(req);
    } catch (e) {
      end(state);
      throw e;
    }
    if (!res.stream) {
      end(state);
      return res;
    }
    return { ...res, message: trackStream(res.message, state) };
  };
}

/** Marks the headers sent at the first message and the call done at the end. */
async function* trackStream<T>(messages: AsyncIterable<T>, state: CallState): AsyncIterable<T> {
  try {
    for await (const message of messages) {
      state.headerSent = true;
      yield message;
    }
  } finally {
    end(state);
  }
}

function end(state: CallState): void {
  state.headerSent = true;
  state.done = true;
}

function stateOf(ctx: HandlerContext, fn: string): CallState {
  const state = ctx.values.get(callStateKey);
  if (!state) {
    throw new ConnectError(
      `${fn}: no metadata call state in this context; install serverMetadataInterceptor() on the router`,
      Code.Internal,
    );
  }
  return state;
}

function writeChecked(fn: string, target: Headers, md: MD): void {
  try {
    writeMetadata(target, md);
  } catch (e) {
    if (e instanceof MetadataError) throw new ConnectError(`${fn}: ${e.message}`, Code.Internal);
    throw e;
  }
}

/**
 * Sets response header metadata (grpc-go's `grpc.SetHeader`). Repeated calls
 * merge: values are appended in call order. Everything set goes out when the
 * first of these happens: `sendHeader` is called, the first message of a
 * stream is sent, or the call ends (unary handlers: when they return or
 * throw). An empty `md` is a no-op, as in grpc-go.
 *
 * @throws ConnectError `Internal` when the headers were already sent, when
 *   `md` is not valid metadata or uses a reserved key, or when the server
 *   interceptor is not installed. grpc-js and connect-es would drop a late
 *   header silently; grpc-go reports it, and so do we.
 */
export function setHeader(ctx: HandlerContext, md: MD): void {
  if (md.length === 0) return;
  const state = stateOf(ctx, "setHeader");
  if (state.headerSent) {
    throw new ConnectError(
      "setHeader: headers were already sent (by sendHeader, the first message, or the end of the call)",
      Code.Internal,
    );
  }
  writeChecked("setHeader", ctx.responseHeader, md);
}

/**
 * Sends the response headers (grpc-go's `grpc.SendHeader`): `md` is merged
 * with what `setHeader` collected, the headers are marked sent (later
 * `setHeader`/`sendHeader` calls fail), and the header block goes out now
 * where the engine serving the call can send it ahead of the answer:
 * `@hello-metadata/node-server` writes it at once for gRPC and gRPC-Web
 * calls (unary and streaming) and Connect streams — an HTTP/2 HEADERS frame,
 * or HTTP/1.1's status line and headers, flushed. Connect unary carries its
 * status and trailers in the header block, so there the headers are closed
 * but leave with the answer; engines without an early path (stock
 * connect-node, express, fastify) send them with the first message. A
 * client sees them before any message either way.
 *
 * It may be called at most once, and not after the headers went out.
 *
 * @throws ConnectError `Internal` when called twice or after the headers
 *   were sent, or when `md` is not valid metadata or uses a reserved key.
 */
export function sendHeader(ctx: HandlerContext, md: MD): void {
  const state = stateOf(ctx, "sendHeader");
  if (state.headerSent) {
    throw new ConnectError(
      "sendHeader: headers were already sent (sendHeader called twice, or after the first message or the end of the call)",
      Code.Internal,
    );
  }
  writeChecked("sendHeader", ctx.responseHeader, md);
  state.headerSent = true;
  ctx.values.get(headerSenderKey)?.(ctx.responseHeader);
}

/**
 * Sets response trailer metadata (grpc-go's `grpc.SetTrailer`), sent when the
 * call ends, on success and on error. Repeated calls merge, appending values.
 * An empty `md` is a no-op.
 *
 * @throws ConnectError `Internal` when the call has already ended, or when
 *   `md` is not valid metadata or uses a reserved key.
 */
export function setTrailer(ctx: HandlerContext, md: MD): void {
  if (md.length === 0) return;
  const state = stateOf(ctx, "setTrailer");
  if (state.done) {
    throw new ConnectError(
      "setTrailer: the call has already ended; trailers were sent",
      Code.Internal,
    );
  }
  writeChecked("setTrailer", ctx.responseTrailer, md);
}
