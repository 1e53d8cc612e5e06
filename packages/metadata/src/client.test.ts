// How a failed call's merged metadata is split back into header and trailer,
// and which protocol a request speaks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DescMethodUnary } from "@bufbuild/protobuf";
import { type CallOptions, createClient, createRouterTransport } from "@connectrpc/connect";
import { callOptions, header, trailer } from "./call-options.js";
import { clientMetadataInterceptor } from "./client.js";
import { splitErrorMetadata, subtractHeaders } from "./error-metadata.js";
import { MD } from "./md.js";
import { rpcProtocolOf } from "./protocol.js";
import { echoService } from "./testing.js";
import type { MetadataError } from "./validate.js";

const obj = (h: Headers) => Object.fromEntries(h.entries());

describe("subtractHeaders", () => {
  it("removes the header's part of a joined value and keys only in the header", () => {
    const merged = new Headers({ both: "t, h", "header-only": "h", "trailer-only": "t" });
    const header = new Headers({ both: "h", "header-only": "h" });
    assert.deepEqual(obj(subtractHeaders(merged, header)), { both: "t", "trailer-only": "t" });
  });
});

describe("splitErrorMetadata", () => {
  it("Connect unary: trailer- prefixed headers are the trailer", () => {
    const raw = new Headers({ "x-h": "1", "trailer-x-t": "2" });
    const { header, trailer } = splitErrorMetadata(
      new Headers({ "x-h": "1", "x-t": "2" }),
      raw,
      "connect",
    );
    assert.deepEqual([obj(header), obj(trailer)], [{ "x-h": "1" }, { "x-t": "2" }]);
  });
  it("gRPC trailers-only: everything is trailer", () => {
    const raw = new Headers({ "grpc-status": "5", "x-t": "2" });
    const merged = new Headers({ "x-t": "2" });
    const { header, trailer } = splitErrorMetadata(merged, raw, "grpc");
    assert.deepEqual([obj(header), obj(trailer)], [{}, { "x-t": "2" }]);
  });
  it("gRPC with a header block: the header block is the header, the rest trailer", () => {
    const raw = new Headers({ "x-h": "1" });
    const merged = new Headers({ "x-t": "2", "x-h": "1" });
    const { header, trailer } = splitErrorMetadata(merged, raw, "grpc");
    assert.deepEqual([obj(header), obj(trailer)], [{ "x-h": "1" }, { "x-t": "2" }]);
  });
  it("without the raw response, all of it is reported as trailer", () => {
    const merged = new Headers({ "x-t": "2", "x-h": "1" });
    const { header, trailer } = splitErrorMetadata(merged, undefined, "grpc-web");
    assert.deepEqual([obj(header), obj(trailer)], [{}, { "x-h": "1", "x-t": "2" }]);
  });
});

describe("rpcProtocolOf", () => {
  for (const [ct, want] of [
    ["application/grpc", "grpc"],
    ["application/grpc+proto", "grpc"],
    ["application/grpc+json", "grpc"],
    ["application/grpc-web+proto", "grpc-web"],
    ["application/grpc-web-text", "grpc-web"],
    ["application/json", "connect"],
    ["application/json; charset=utf-8", "connect"],
    ["application/connect+proto", "connect"],
    ["text/plain", "connect"],
  ] as const) {
    it(`${ct} → ${want}`, () =>
      assert.equal(rpcProtocolOf(new Headers({ "content-type": ct })), want));
  }
});

describe("clientMetadataInterceptor reads responses leniently", () => {
  it("a response header that cannot be decoded is dropped and reported; the call succeeds", async () => {
    const transport = createRouterTransport(
      (router) => {
        router.rpc(echoService.methods[0] as DescMethodUnary, (req, ctx) => {
          ctx.responseHeader.set("x-bad-bin", "not base64!");
          ctx.responseHeader.set("x-good", "kept");
          ctx.responseTrailer.set("x-bad-bin", "also not base64!");
          return req;
        });
      },
      { transport: { interceptors: [clientMetadataInterceptor({ onInvalidMetadata: report })] } },
    );
    const reported: string[] = [];
    function report(e: MetadataError) {
      reported.push(e.key);
    }
    const h = new MD();
    const t = new MD();
    const client = createClient(echoService, transport) as unknown as {
      say(req: { value: string }, options: CallOptions): Promise<{ value: string }>;
    };
    const res = await client.say({ value: "hi" }, callOptions(undefined, header(h), trailer(t)));
    assert.equal(res.value, "hi");
    assert.deepEqual(h.get("x-good"), ["kept"]);
    assert.equal(h.has("x-bad-bin"), false);
    assert.equal(t.has("x-bad-bin"), false);
    assert.deepEqual(reported, ["x-bad-bin", "x-bad-bin"]);
  });
});
