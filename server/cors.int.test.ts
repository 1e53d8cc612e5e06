// CORS with curl: preflight and actual requests, allowed and disallowed origins.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { HelloService } from "../gen/hello/v1/hello_pb.js";
import { rpcPath } from "../scripts/kit/rpc-path.js";
import type { RunningServer } from "./app.js";
import { curl, startTestServer } from "./testing.js";

let server: RunningServer;
let rpc: string;
before(async () => {
  server = await startTestServer();
  rpc = `${server.url}${rpcPath(HelloService.method.sayHello)}`;
});
after(() => server.close());

const allowed = "http://localhost:5173"; // npm run dev's origin, allowed by default
const disallowed = "https://evil.example";

function preflight(origin: string, headers: string) {
  return curl([
    "-X",
    "OPTIONS",
    "-H",
    `origin: ${origin}`,
    "-H",
    "access-control-request-method: POST",
    "-H",
    `access-control-request-headers: ${headers}`,
    rpc,
  ]);
}

describe("CORS", () => {
  it("preflight from an allowed origin grants the protocol and app headers", async () => {
    const res = await preflight(
      allowed,
      "content-type,connect-protocol-version,x-request-id,traceparent,x-demo-bin",
    );
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), allowed);
    const granted = (res.headers.get("access-control-allow-headers") ?? "").split(/,\s*/);
    for (const h of [
      "content-type",
      "connect-protocol-version",
      "x-grpc-web",
      "grpc-timeout",
      "x-request-id",
      "traceparent",
      "x-demo-bin",
    ]) {
      assert.ok(granted.includes(h), `allows ${h}`);
    }
    assert.match(res.headers.get("access-control-allow-methods") ?? "", /POST/);
    assert.equal(res.headers.get("access-control-allow-credentials"), null);
  });

  it("preflight from a disallowed origin gets no grant", async () => {
    const res = await preflight(disallowed, "content-type");
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    assert.match(res.body.toString(), /origin "https:\/\/evil.example" is not allowed/);
  });

  it("preflight asking for an undeclared header gets no grant", async () => {
    const res = await preflight(allowed, "content-type,x-not-declared");
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    assert.match(res.body.toString(), /not declared: x-not-declared/);
  });

  it("an allowed origin's call exposes response-time, x-request-id and the trailer", async () => {
    const res = await curl([
      "-H",
      `origin: ${allowed}`,
      "-H",
      "content-type: application/json",
      "-d",
      '{"name":"c"}',
      rpc,
    ]);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), allowed);
    const exposed = (res.headers.get("access-control-expose-headers") ?? "").split(/,\s*/);
    for (const h of [
      "response-time",
      "x-request-id",
      "processing-ms",
      "trailer-processing-ms",
      "grpc-status",
      "grpc-message",
    ]) {
      assert.ok(exposed.includes(h), `exposes ${h}`);
    }
    assert.ok(!exposed.includes("x-served-by"), "x-served-by is deliberately not exposed");
    assert.ok(res.headers.get("x-served-by"), "but it is sent");
  });

  it("a disallowed origin's call is answered without any grant, and never with *", async () => {
    const res = await curl([
      "-H",
      `origin: ${disallowed}`,
      "-H",
      "content-type: application/json",
      "-d",
      '{"name":"c"}',
      rpc,
    ]);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    assert.equal(res.headers.get("access-control-expose-headers"), null);
  });

  it("the server's own origin is allowed", async () => {
    const res = await preflight(server.url, "content-type");
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), server.url);
  });
});
