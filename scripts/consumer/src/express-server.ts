import * as http from "node:http";
import type { Server } from "node:net";
import { expressConnectMiddleware } from "@connectrpc/connect-express";
import { serverMetadataInterceptor } from "@hello-metadata/metadata";
import express from "express";
import routes from "./greet-service.js";

/** connect-express: the routes as express middleware, on HTTP/1.1. */
export function expressServer(): Server {
  const app = express();
  app.use(expressConnectMiddleware({ routes, interceptors: [serverMetadataInterceptor()] }));
  return http.createServer(app);
}
