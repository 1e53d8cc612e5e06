// createNodeAdapter as a plain request handler, the way its doc comment
// offers it ("pass it to http.createServer or http2.createServer"): on
// Node's HTTP/2 compatibility API no raw stream reaches handleStream, so the
// fast path's answers go through the compatibility response, and a gRPC
// call's status must still arrive in the HTTP trailers.
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { after, before, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createNodeHttpClient, Http2SessionManager } from "@connectrpc/connect-node";
import {
  callOptions,
  createMetadataTransport,
  MD,
  pairs,
  serverMetadataInterceptor,
  setTrailer,
  trailer,
} from "@hello-metadata/metadata";
import { createNodeAdapter } from "@hello-metadata/node-server";
import { HelloService } from "../gen/hello/v1/hello_pb.js";

let server: http2.Http2Server;
let baseUrl: string;
let sessions: Http2SessionManager;

before(async () => {
  const adapter = createNodeAdapter({
    routes: (router) =>
      router.service(HelloService, {
        sayHello(req, ctx) {
          setTrailer(ctx, pairs("t-name", req.name));
          if (req.failCode !== 0) throw new ConnectError("asked to fail", req.failCode);
          return { message: `Hello, ${req.name}` };
        },
      }),
    interceptors: [serverMetadataInterceptor()],
  });
  server = http2.createServer(adapter);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  baseUrl = `http://127.0.0.1:${address.port}`;
  sessions = new Http2SessionManager(baseUrl);
});

after(async () => {
  sessions.abort();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const client = () =>
  createClient(
    HelloService,
    createMetadataTransport({
      protocol: "grpc",
      baseUrl,
      httpClient: createNodeHttpClient({ httpVersion: "2", sessionProvider: () => sessions }),
    }),
  );

it("a gRPC call through the compatibility API gets its status and trailers", async () => {
  const t = new MD();
  const res = await client().sayHello({ name: "compat" }, callOptions(undefined, trailer(t)));
  assert.equal(res.message, "Hello, compat");
  assert.deepEqual(t.get("t-name"), ["compat"]);
});

it("a failing gRPC call through the compatibility API gets its code and trailers", async () => {
  const t = new MD();
  const err = await client()
    .sayHello({ name: "compat", failCode: Code.Aborted }, callOptions(undefined, trailer(t)))
    .then(() => undefined, ConnectError.from);
  assert.equal(err?.code, Code.Aborted);
  assert.equal(err?.rawMessage, "asked to fail");
  assert.deepEqual(t.get("t-name"), ["compat"]);
});
