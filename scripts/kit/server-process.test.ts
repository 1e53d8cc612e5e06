import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { announcedUrls, listenFlags, serverCommand, serverCommandLine } from "./server-process.js";

describe("announcedUrls", () => {
  const cases = [
    {
      name: "a one-port server's line, words after the URL ignored",
      printed: "hello-metadata listening on http://127.0.0.1:4000 (Connect, gRPC)\nopen …",
      want: { url: "http://127.0.0.1:4000" },
    },
    {
      name: "a bench server with its own HTTP/1.1 port, lines in either order",
      printed:
        "raw listening (HTTP/1.1) on http://127.0.0.1:4002\nraw listening on http://127.0.0.1:4001\n",
      want: { url: "http://127.0.0.1:4001", http1Url: "http://127.0.0.1:4002" },
    },
    { name: "nothing yet", printed: '{"level":30,"msg":"starting"}\n', want: {} },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(announcedUrls(c.printed), c.want));
  }
});

describe("serverCommand", () => {
  it("runs a .ts entry under tsx, with the listen flags before the caller's", () => {
    assert.deepEqual(serverCommand({ args: ["--metadata", "off"] }), [
      process.execPath,
      "--import",
      "tsx",
      "server/main.ts",
      ...listenFlags,
      "--metadata",
      "off",
    ]);
  });

  it("runs a built .js entry under plain node", () => {
    assert.deepEqual(serverCommand({ entry: "dist/server/main.js" }), [
      process.execPath,
      "dist/server/main.js",
      ...listenFlags,
    ]);
  });

  it("pins with taskset, shown with `node` for the full path", () => {
    assert.equal(
      serverCommandLine({ cpu: 0, entry: "bench/servers/grpc-js.ts" }),
      "taskset -c 0 node --import tsx bench/servers/grpc-js.ts --port 0 --host 127.0.0.1",
    );
  });
});
