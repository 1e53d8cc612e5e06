import * as http from "node:http";
import type { ServerLimits } from "./limits.js";
import { parseErrorAnswer } from "./node-errors.js";

/**
 * Node's HTTP/1.1 server for connections the one-port listener hands over:
 * header size and timeouts from `limits`, no cap on the header count (Node's
 * default silently drops fields past 2000; the size bounds the count), and
 * requests Node cannot parse answered with a reason (see node-errors.ts).
 */
export function createHttp1Server(
  limits: ServerLimits,
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): http.Server {
  const h1 = http.createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often Node checks the two timeouts above (its default is 30 s).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs / 2),
    },
    handler,
  );
  h1.maxHeadersCount = 0;
  // This server never listens itself (connections are handed to it), but
  // Node starts its connection tracking on "listening": without it,
  // headersTimeout, requestTimeout and closeIdleConnections() do nothing.
  h1.emit("listening");
  h1.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || err.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    socket.end(parseErrorAnswer(err));
  });
  return h1;
}
