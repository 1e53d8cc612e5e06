import * as http2 from "node:http2";
import type { NodeAdapter } from "./adapter.js";
import type { ServerLimits } from "./limits.js";

/**
 * Node's HTTP/2 server for h2c connections the one-port listener hands
 * over. Streams arrive raw, so unary calls can take the adapter's fast path;
 * every other stream is handed to a second server object that never listens
 * and only runs Node's request/response compatibility API on it, which
 * calls `compat`.
 */
export function createHttp2Server(
  limits: ServerLimits,
  adapter: Pick<NodeAdapter, "handleStream">,
  compat: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
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
  const h2Compat = http2.createServer(options, compat);
  h2.setTimeout(limits.idleTimeoutMs);
  h2.on(
    "stream",
    (
      stream: http2.ServerHttp2Stream,
      headers: http2.IncomingHttpHeaders,
      flags: number,
      rawHeaders: string[],
    ) => {
      // A stream whose request never finishes, or that goes quiet, is reset.
      stream.setTimeout(limits.streamIdleTimeoutMs, () =>
        stream.close(http2.constants.NGHTTP2_CANCEL),
      );
      if (!adapter.handleStream(stream, headers)) {
        h2Compat.emit("stream", stream, headers, flags, rawHeaders);
      }
    },
  );
  return h2;
}
