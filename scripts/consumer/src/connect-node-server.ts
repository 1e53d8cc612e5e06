import * as http from "node:http";
import * as http2 from "node:http2";
import type { Server } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { serverMetadataInterceptor } from "@hello-metadata/metadata";
import routes from "./greet-service.js";

/** Stock connect-node, on h2c or HTTP/1.1, with the library's interceptor on the router. */
export function connectNodeServer(httpVersion: "1.1" | "2"): Server {
  const handler = connectNodeAdapter({
    routes,
    interceptors: [serverMetadataInterceptor()],
  });
  return httpVersion === "2" ? http2.createServer(handler) : http.createServer(handler);
}
