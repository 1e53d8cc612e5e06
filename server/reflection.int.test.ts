// gRPC server reflection against the real server: the tools that use it
// (buf curl without --schema, a python grpcio reflection client), and the
// protocol's answers request by request through a connect-node gRPC client.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { equals, fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { healthV1, reflectionV1, reflectionV1alpha } from "@hello-metadata/grpc-services";
import { file_hello_v1_hello, HelloService } from "../gen/hello/v1/hello_pb.js";
import { rpcPath } from "../scripts/kit/rpc-path.js";
import type { RunningServer } from "./app.js";

const { ServerReflection } = reflectionV1;
const ServerReflectionV1alpha = reflectionV1alpha.ServerReflection;
type ServerReflectionResponse = reflectionV1.ServerReflectionResponse;

import { debianPython } from "./interop/clients.js";
import { startTestServer } from "./testing.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const run = promisify(execFile);

let server: RunningServer;
let sessions: Http2SessionManager;
before(async () => {
  server = await startTestServer();
  sessions = new Http2SessionManager(server.url);
});
after(async () => {
  sessions.abort();
  await server.close();
});

const services = [
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
  "hello.v1.HelloService",
];

const buf = (...args: string[]) =>
  run(`${root}node_modules/.bin/buf`, ["curl", ...args], { cwd: root, timeout: 20_000 });

describe("buf curl, schema from reflection (no --schema)", () => {
  it("--list-services lists every service the server routes", async () => {
    const { stdout } = await buf("--list-services", server.url);
    assert.deepEqual(stdout.trim().split("\n"), services);
  });

  it("--list-methods lists every method", async () => {
    const { stdout } = await buf("--list-methods", server.url);
    assert.deepEqual(stdout.trim().split("\n"), [
      "grpc.health.v1.Health/Check",
      "grpc.health.v1.Health/Watch",
      "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
      "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      "hello.v1.HelloService/SayHello",
      "hello.v1.HelloService/SayHelloAll",
      "hello.v1.HelloService/SayHelloChat",
      "hello.v1.HelloService/SayHelloStream",
    ]);
  });

  for (const reflect of ["grpc-v1", "grpc-v1alpha"]) {
    it(`calls SayHello over gRPC with --reflect-protocol ${reflect}`, async () => {
      const { stdout } = await buf(
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        "--reflect-protocol",
        reflect,
        "-d",
        '{"name":"reflected"}',
        `${server.url}${rpcPath(HelloService.method.sayHello)}`,
      );
      assert.equal(JSON.parse(stdout).message, "Hello, reflected");
    });
  }

  it("calls the health check by reflection too", async () => {
    const { stdout } = await buf(
      "-d",
      "{}",
      `${server.url}${rpcPath(healthV1.Health.method.check)}`,
    );
    assert.deepEqual(JSON.parse(stdout), { status: "SERVING" });
  });
});

describe("python grpcio (server/interop/python_reflection.py)", () => {
  for (const version of ["v1", "v1alpha"]) {
    it(`lists services and their methods over ${version}`, async () => {
      const args = ["server/interop/python_reflection.py", new URL(server.url).host];
      if (version === "v1alpha") args.push("--v1alpha");
      const { stdout } = await run(debianPython, args, { cwd: root, timeout: 20_000 }).catch(
        (e: { stderr?: string; message: string }) => {
          throw new Error(`${debianPython} python_reflection.py failed: ${e.stderr || e.message}`);
        },
      );
      const listed = JSON.parse(stdout).services as {
        name: string;
        file: string;
        methods: { name: string; clientStreaming: boolean; serverStreaming: boolean }[];
      }[];
      assert.deepEqual(
        listed.map((s) => s.name),
        services,
      );
      const hello = listed.find((s) => s.name === "hello.v1.HelloService");
      assert.equal(hello?.file, "hello/v1/hello.proto");
      assert.deepEqual(hello?.methods, [
        {
          name: "SayHello",
          input: "hello.v1.SayHelloRequest",
          output: "hello.v1.SayHelloResponse",
          clientStreaming: false,
          serverStreaming: false,
        },
        {
          name: "SayHelloStream",
          input: "hello.v1.SayHelloStreamRequest",
          output: "hello.v1.SayHelloStreamResponse",
          clientStreaming: false,
          serverStreaming: true,
        },
        {
          name: "SayHelloAll",
          input: "hello.v1.SayHelloAllRequest",
          output: "hello.v1.SayHelloAllResponse",
          clientStreaming: true,
          serverStreaming: false,
        },
        {
          name: "SayHelloChat",
          input: "hello.v1.SayHelloChatRequest",
          output: "hello.v1.SayHelloChatResponse",
          clientStreaming: true,
          serverStreaming: true,
        },
      ]);
      const info = listed.find((s) => s.name === "grpc.reflection.v1.ServerReflection");
      assert.deepEqual(
        info?.methods.map((m) => [m.name, m.clientStreaming, m.serverStreaming]),
        [["ServerReflectionInfo", true, true]],
      );
    });
  }
});

type Request = MessageInitShape<typeof reflectionV1.ServerReflectionRequestSchema>;

/** Sends `requests` on one reflection stream; resolves with the responses. */
async function reflect(
  requests: Request[],
  service: typeof ServerReflection | typeof ServerReflectionV1alpha = ServerReflection,
): Promise<ServerReflectionResponse[]> {
  const transport = createGrpcTransport({ baseUrl: server.url, sessionManager: sessions });
  // v1alpha's messages are v1's under another package: one client type serves both.
  const client = createClient(service as typeof ServerReflection, transport);
  const out: ServerReflectionResponse[] = [];
  for await (const res of client.serverReflectionInfo(
    (async function* () {
      yield* requests;
    })(),
  )) {
    out.push(res);
  }
  return out;
}

function fileNames(res: ServerReflectionResponse | undefined): string[] {
  assert.equal(res?.messageResponse.case, "fileDescriptorResponse", JSON.stringify(res));
  return res.messageResponse.value.fileDescriptorProto.map(
    (b) => fromBinary(FileDescriptorProtoSchema, b).name,
  );
}

function errorOf(res: ServerReflectionResponse | undefined): [number, string] {
  assert.equal(res?.messageResponse.case, "errorResponse", JSON.stringify(res));
  return [res.messageResponse.value.errorCode, res.messageResponse.value.errorMessage];
}

describe("the reflection protocol, request by request", () => {
  it("list_services: the routed services, with the host and request echoed", async () => {
    const [res] = await reflect([
      { host: "example.test", messageRequest: { case: "listServices", value: "*" } },
    ]);
    assert.equal(res?.validHost, "example.test");
    assert.deepEqual(res?.originalRequest?.messageRequest, { case: "listServices", value: "*" });
    assert.equal(res?.messageResponse.case, "listServicesResponse");
    assert.deepEqual(
      res.messageResponse.value.service.map((s) => s.name),
      services,
    );
  });

  it("file_by_filename: the file's descriptor, equal to protobuf-es's", async () => {
    const [res] = await reflect([
      { messageRequest: { case: "fileByFilename", value: "hello/v1/hello.proto" } },
    ]);
    assert.equal(res?.messageResponse.case, "fileDescriptorResponse");
    const [bytes, ...rest] = res.messageResponse.value.fileDescriptorProto;
    assert.equal(rest.length, 0, "hello.proto imports nothing");
    assert.ok(bytes);
    const file = fromBinary(FileDescriptorProtoSchema, bytes);
    assert.ok(equals(FileDescriptorProtoSchema, file, file_hello_v1_hello.proto));
    assert.deepEqual(
      file.service[0]?.method.map((m) => m.name),
      ["SayHello", "SayHelloStream", "SayHelloAll", "SayHelloChat"],
    );
  });

  it("file_containing_symbol: services, methods, messages, fields, oneofs, enums, enum values", async () => {
    const cases: [string, string][] = [
      ["hello.v1.HelloService", "hello/v1/hello.proto"],
      ["hello.v1.HelloService.SayHelloStream", "hello/v1/hello.proto"],
      ["hello.v1.HopReport", "hello/v1/hello.proto"],
      ["hello.v1.HopReport.deadline_ms", "hello/v1/hello.proto"],
      ["grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc/health/v1/health.proto"],
      ["grpc.health.v1.HealthCheckResponse.NOT_SERVING", "grpc/health/v1/health.proto"],
      [
        "grpc.reflection.v1alpha.ServerReflectionRequest.message_request",
        "grpc/reflection/v1alpha/reflection.proto",
      ],
    ];
    const responses = await reflect(
      cases.map(([symbol]) => ({
        messageRequest: { case: "fileContainingSymbol", value: symbol },
      })),
    );
    assert.equal(responses.length, cases.length, "one response per request");
    cases.forEach(([symbol, file], i) => {
      assert.deepEqual(fileNames(responses[i]), [file], symbol);
    });
  });

  it("NOT_FOUND answers keep the stream going", async () => {
    const responses = await reflect([
      { messageRequest: { case: "fileContainingSymbol", value: "hello.v1.Nope" } },
      { messageRequest: { case: "fileByFilename", value: "nope.proto" } },
      {
        messageRequest: {
          case: "fileContainingExtension",
          value: { containingType: "hello.v1.SayHelloRequest", extensionNumber: 100 },
        },
      },
      { messageRequest: { case: "allExtensionNumbersOfType", value: "hello.v1.Nope" } },
      { messageRequest: { case: "fileContainingSymbol", value: "hello.v1.SayHelloRequest" } },
    ]);
    assert.deepEqual(errorOf(responses[0]), [Code.NotFound, "symbol not found: hello.v1.Nope"]);
    assert.deepEqual(errorOf(responses[1]), [Code.NotFound, "file not found: nope.proto"]);
    assert.deepEqual(errorOf(responses[2]), [
      Code.NotFound,
      "extension not found: 100 of hello.v1.SayHelloRequest",
    ]);
    assert.deepEqual(errorOf(responses[3]), [
      Code.NotFound,
      "message type not found: hello.v1.Nope",
    ]);
    assert.deepEqual(fileNames(responses[4]), ["hello/v1/hello.proto"]);
  });

  it("all_extension_numbers_of_type: none for a known message", async () => {
    const [res] = await reflect([
      { messageRequest: { case: "allExtensionNumbersOfType", value: "hello.v1.SayHelloRequest" } },
    ]);
    assert.equal(res?.messageResponse.case, "allExtensionNumbersResponse");
    assert.equal(res.messageResponse.value.baseTypeName, "hello.v1.SayHelloRequest");
    assert.deepEqual(res.messageResponse.value.extensionNumber, []);
  });

  it("a file asked for twice on one stream is sent twice", async () => {
    const responses = await reflect([
      { messageRequest: { case: "fileByFilename", value: "grpc/health/v1/health.proto" } },
      { messageRequest: { case: "fileContainingSymbol", value: "grpc.health.v1.Health" } },
    ]);
    assert.deepEqual(fileNames(responses[0]), ["grpc/health/v1/health.proto"]);
    assert.deepEqual(fileNames(responses[1]), ["grpc/health/v1/health.proto"]);
  });

  it("v1alpha answers as v1 does", async () => {
    const [res] = await reflect(
      [{ messageRequest: { case: "fileContainingSymbol", value: "hello.v1.HelloService" } }],
      ServerReflectionV1alpha,
    );
    assert.deepEqual(fileNames(res), ["hello/v1/hello.proto"]);
  });

  it("a request that asks nothing ends the stream with InvalidArgument", async () => {
    await assert.rejects(reflect([{ host: "x" }]), (e: unknown) => {
      assert.ok(e instanceof ConnectError);
      assert.equal(e.code, Code.InvalidArgument);
      assert.match(e.rawMessage, /names no question/);
      return true;
    });
  });
});
