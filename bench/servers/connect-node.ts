// Benchmark server B: stock Connect-ES. HelloService with the same handler
// semantics as the real server's SayHello — "Hello, <name>", the response
// header `response-time` (ISO time) and the trailer `processing-ms` — set
// with plain `ctx.responseHeader.set` / `ctx.responseTrailer.set`, no
// metadata library, no interceptors, served by `connectNodeAdapter` on an
// h2c port and on an HTTP/1.1 port (Node's plaintext HTTP/2 server does not
// speak HTTP/1.1).
//
//   node --import tsx bench/servers/connect-node.ts [--port 0] [--host 127.0.0.1]
import * as http from "node:http";
import * as http2 from "node:http2";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { HelloService } from "../../gen/hello/v1/hello_pb.js";
import { announce, exitOnSignal, listen, listenArgs } from "./cli.js";

function routes(router: ConnectRouter): void {
  router.service(HelloService, {
    sayHello(req, ctx) {
      const started = performance.now();
      ctx.responseHeader.set("response-time", new Date().toISOString());
      try {
        if (req.name === "") throw new ConnectError("name must not be empty", Code.InvalidArgument);
        return { message: `Hello, ${req.name}` };
      } finally {
        ctx.responseTrailer.set("processing-ms", (performance.now() - started).toFixed(3));
      }
    },
    // Not benchmarked: one greeting, with the same header and trailer.
    async *sayHelloStream(req, ctx) {
      const started = performance.now();
      ctx.responseHeader.set("response-time", new Date().toISOString());
      try {
        if (req.name === "") throw new ConnectError("name must not be empty", Code.InvalidArgument);
        yield { message: `Hello, ${req.name} (1/1)`, index: 1 };
      } finally {
        ctx.responseTrailer.set("processing-ms", (performance.now() - started).toFixed(3));
      }
    },
  });
}

const handler = connectNodeAdapter({ routes });
const h2 = http2.createServer(handler);
const h1 = http.createServer(handler);
const args = listenArgs();
const h2Url = await listen(h2, args);
const h1Url = await listen(h1, { ...args, port: 0 });
announce("connect-node", h2Url, h1Url);
exitOnSignal(() => {
  h1.closeAllConnections();
  h1.close();
  h2.close();
});
