// Trace signatures: repeats of one bug must match and two bugs must not,
// whatever values the traces carry.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { traceSignature } from "./oracle.js";

const connectError = `file:///w/node_modules/@connectrpc/connect-node/dist/esm/node-universal-handler.js:49
        throw new ConnectError("unable to determine request authority from Node.js server request", Code.Internal);
        ^

ConnectError: [internal] unable to determine request authority from Node.js server request
    at universalRequestFromNodeRequest (file:///w/node_modules/@connectrpc/connect-node/dist/esm/node-universal-handler.js:49:15)
    at adapter (file:///w/packages/node-server/dist/adapter.js:115:26)
`;

const invalidUrl = (where: string, input: string) => `node:internal/url:806
    const href = bindingUrl.parse(input, base, raiseException);
                            ^

TypeError: Invalid URL
    at new URL (node:internal/url:806:29)
    at ${where}
    at Server.emit (node:events:524:28) {
  code: 'ERR_INVALID_URL',
  input: '${input}'
}
`;

const nodeInternal = `node:internal/http2/core:2966
      throw new ERR_HTTP2_INVALID_STREAM();
      ^

Error [ERR_HTTP2_INVALID_STREAM]: The stream has been destroyed
    at ServerHttp2Stream.additionalHeaders (node:internal/http2/core:2966:13)
    at Http2ServerResponse.writeContinue (node:internal/http2/compat:902:12)
    at Http2Server.<anonymous> (file:///w/packages/node-server/dist/http2-server.js:27:22)
`;

describe("traceSignature", () => {
  const cases = [
    {
      name: "names the error and the first frame outside Node, from node_modules on",
      stderr: connectError,
      want: "ConnectError: [internal] unable to determine request authority from Node.js server request at universalRequestFromNodeRequest (@connectrpc/connect-node/dist/esm/node-universal-handler.js:49)",
    },
    {
      name: "an anonymous frame in the project is named by its file and line",
      stderr: invalidUrl("file:///w/packages/node-server/dist/static-files.js:27:21", "//"),
      want: "TypeError: Invalid URL at <anonymous> (packages/node-server/dist/static-files.js:27)",
    },
    {
      name: "Node's own errors with a code in brackets count as error lines",
      stderr: nodeInternal,
      want: "Error [ERR_HTTP2_INVALID_STREAM]: The stream has been destroyed at Http2Server.<anonymous> (packages/node-server/dist/http2-server.js:27)",
    },
    {
      name: "an error logged after a message is still the error line",
      stderr:
        "rpc failed in the adapter Error [ERR_HTTP2_ERROR]: Protocol error\n    at Http2Session.onSessionInternalError (node:internal/http2/core:816:26)\n",
      want: "rpc failed in the adapter Error [ERR_HTTP2_ERROR]: Protocol error at Http2Session.onSessionInternalError (node:internal/http2/core:816)",
    },
    {
      name: "a warning with no error line is named by its first line, numbers out",
      stderr:
        "(node:19775) TimeoutOverflowWarning: 359999996400000 does not fit into a 32-bit signed integer.\nTimeout duration was set to 1.\n",
      want: "(node:N) TimeoutOverflowWarning: N does not fit into a N-bit signed integer.",
    },
    { name: "nothing on stderr", stderr: "", want: "(no output)" },
  ];
  for (const c of cases) it(c.name, () => assert.equal(traceSignature(c.stderr), c.want));

  it("a death is named by the last trace, the one that killed it", () => {
    const complaint =
      "rpc failed in the adapter Error [ERR_HTTP2_ERROR]: Protocol error\n    at x (node:internal/http2/core:816:26)\n";
    assert.equal(traceSignature(complaint + connectError, "last"), traceSignature(connectError));
    assert.equal(traceSignature(complaint + connectError), traceSignature(complaint));
  });

  it("the same bug with other values has the same signature", () => {
    const at = "file:///w/packages/node-server/dist/static-files.js:27:21";
    assert.equal(traceSignature(invalidUrl(at, "//")), traceSignature(invalidUrl(at, "http://[x")));
  });

  it("the same error in another place has another signature", () => {
    assert.notEqual(
      traceSignature(invalidUrl("file:///w/packages/node-server/dist/static-files.js:27:21", "//")),
      traceSignature(
        invalidUrl(
          "universalRequestFromNodeRequest (file:///w/node_modules/@connectrpc/connect-node/dist/esm/node-universal-handler.js:93:14)",
          "//",
        ),
      ),
    );
  });
});
