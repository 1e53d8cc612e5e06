import * as http2 from "node:http2";
import type { Server } from "node:net";
import { serverMetadataInterceptor } from "@hello-metadata/metadata";
import { createNodeAdapter } from "@hello-metadata/node-server";
import routes from "./greet-service.js";

/** The engine's adapter as the request handler of Node's own HTTP/2 server (h2c). */
export function nodeAdapterServer(): Server {
  const adapter = createNodeAdapter({ routes, interceptors: [serverMetadataInterceptor()] });
  return http2.createServer(adapter);
}
