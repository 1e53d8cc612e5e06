import * as http2 from "node:http2";
import type { NodeAdapter } from "./adapter.js";
import type { ClientBudget } from "./client-budget.js";
import { type EngineLog, errorField } from "./engine-log.js";
import type { FlowBudget } from "./flow-budget.js";
import type { ServerLimits } from "./limits.js";
import { watchSession } from "./session-watch.js";
import { createStreamStarts } from "./stream-starts.js";

const { NGHTTP2_REFUSED_STREAM, HTTP2_HEADER_STATUS } = http2.constants;

/** What the HTTP/2 server needs besides its limits. */
export interface Http2ServerParts {
  readonly adapter: Pick<NodeAdapter, "handleStream">;
  /** Node's compatibility API, for streams the adapter does not take (static files, 404). */
  readonly compat: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;
  readonly clients: ClientBudget;
  readonly flow: FlowBudget;
  readonly log: EngineLog;
  /** The client a stream stands for: its session's peer, or who a trusted proxy names. */
  readonly clientOf: (
    session: http2.ServerHttp2Session,
    headers: http2.IncomingHttpHeaders,
  ) => string;
  /** Refuses a session's peer's new connections for a while (rapid resets). */
  readonly penalize: (session: http2.ServerHttp2Session) => void;
}

/**
 * Node's HTTP/2 server for h2c connections the one-port listener hands
 * over. Every stream is admitted against the budgets first — streams per
 * client and in the process, response bytes waiting per connection and in
 * the process (REFUSED_STREAM past any of them, which gRPC clients retry) —
 * and its header list is measured (past `maxHeaderBytes`: 431, in the
 * protocol's words for RPCs). RPC streams go to the adapter raw; any other
 * is handed to a second server object that never listens and only runs
 * Node's request/response compatibility API. Admitted streams start at most
 * `streamStartsPerTurn` per event-loop turn, `streamStartsPerConnectionPerTurn`
 * of one connection, round-robin (see stream-starts.ts), so bursts do not
 * hold other connections' calls.
 * Each session is watched for keepalive, idleness and rapid resets (see
 * session-watch.ts).
 */
export function createHttp2Server(
  limits: ServerLimits,
  parts: Http2ServerParts,
): http2.Http2Server {
  const options: http2.ServerOptions = {
    maxSessionMemory: 32,
    // Every field costs at least 32 bytes of the header list size, so this
    // many pairs never cut a list that fits maxHeaderListSize.
    maxHeaderListPairs: Math.ceil(limits.maxHeaderBytes / 32) + 16,
    settings: {
      maxConcurrentStreams: limits.maxConcurrentStreams,
      maxHeaderListSize: limits.maxHeaderBytes,
    },
  };
  const h2 = http2.createServer(options);
  const h2Compat = http2.createServer(options, parts.compat);
  const starts = createStreamStarts(
    {
      perTurn: limits.streamStartsPerTurn,
      perConnection: limits.streamStartsPerConnectionPerTurn,
    },
    (e) => parts.log.error({ error: errorField(e) }, "starting an HTTP/2 stream failed"),
  );
  h2.on("session", (session) => {
    watchSession(session, limits, {
      log: parts.log,
      onAbuse: () => parts.penalize(session),
    });
  });
  h2.on(
    "stream",
    (
      stream: http2.ServerHttp2Stream,
      headers: http2.IncomingHttpHeaders,
      flags: number,
      rawHeaders: string[],
    ) => {
      stream.on("error", () => {}); // resets by the client end the stream; nothing to report
      const session = stream.session as http2.ServerHttp2Session | undefined;
      const client = session ? parts.clientOf(session, headers) : "";
      if (!session || !parts.flow.admits(session) || parts.clients.openStream(client)) {
        stream.close(NGHTTP2_REFUSED_STREAM);
        return;
      }
      stream.once("close", () => parts.clients.closeStream(client));
      if (headerListSize(rawHeaders) > limits.maxHeaderBytes) {
        refuseHeaders(stream, headers, limits.maxHeaderBytes);
        return;
      }
      starts.start(session, () => {
        // A stream that waited for its turn may have been reset meanwhile.
        if (stream.destroyed || stream.closed) return;
        if (parts.adapter.handleStream(stream, headers, client)) return;
        // Node's compatibility layer throws at once on a stream the client has
        // already reset (ERR_HTTP2_INVALID_STREAM from writeContinue, for one):
        // such a stream has nothing left to answer.
        if (stream.destroyed || stream.closed) return;
        try {
          h2Compat.emit("stream", stream, headers, flags, rawHeaders);
        } catch (e) {
          if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
          if ((e as NodeJS.ErrnoException).code !== "ERR_HTTP2_INVALID_STREAM") {
            parts.log.error({ error: errorField(e) }, "the HTTP/2 compatibility layer failed");
          }
        }
      });
    },
  );
  return h2;
}

/** The size of a header list as HPACK counts it (RFC 7541 §4.1), pseudo-headers included. */
function headerListSize(raw: string[]): number {
  let size = 0;
  for (let i = 0; i < raw.length; i += 2) {
    size += (raw[i]?.length ?? 0) + (raw[i + 1]?.length ?? 0) + 32;
  }
  return size;
}

/**
 * Answers a stream whose header list is over the limit: gRPC and gRPC-Web
 * get `resource_exhausted` in a trailers-only answer, everything else 431.
 */
function refuseHeaders(
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  max: number,
): void {
  const message = `request headers are larger than the server accepts (${max} bytes)`;
  const contentType = headers["content-type"] ?? "";
  if (/^application\/grpc/i.test(contentType)) {
    const web = /^application\/grpc-web/i.test(contentType);
    stream.respond(
      {
        [HTTP2_HEADER_STATUS]: 200,
        "content-type": web ? "application/grpc-web+proto" : "application/grpc",
        "grpc-status": "8",
        "grpc-message": message,
      },
      { endStream: true },
    );
    return;
  }
  stream.respond({ [HTTP2_HEADER_STATUS]: 431, "content-type": "text/plain; charset=utf-8" });
  stream.end(`Request Header Fields Too Large: ${message}\n`);
}
