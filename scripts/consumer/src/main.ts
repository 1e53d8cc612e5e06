// Runs the consumer: every server × every protocol it serves × success and
// error, then the engine's health and reflection services, and prints one
// JSON report on stdout for scripts/consumer.int.test.ts to check.
import { Code } from "@connectrpc/connect";
import { encodeStandardBase64, type MD, type RpcProtocol } from "@hello-metadata/metadata";
import { greet, nodeTransport } from "./client.js";
import { connectNodeServer } from "./connect-node-server.js";
import { expressServer } from "./express-server.js";
import { fastifyServer } from "./fastify-server.js";
import { GreetService } from "./gen/greet/v1/greet_pb.js";
import { healthStatus, listServices } from "./grpc-services-client.js";
import { type Listening, listen } from "./listen.js";
import { nodeAdapterServer } from "./node-adapter-server.js";
import { serveGreet } from "./serve-engine.js";

type Protocol = RpcProtocol;

/** One Greet call as the report shows it; `-bin` values in standard base64. */
export interface CallReport {
  readonly server: string;
  readonly http: "1.1" | "2";
  readonly protocol: Protocol;
  readonly outcome: "success" | "error";
  readonly greeting?: string;
  readonly receivedKeys?: string[];
  readonly code?: string;
  readonly message?: string;
  readonly header: Record<string, string[]>;
  readonly trailer: Record<string, string[]>;
}

/** What the engine's gRPC services answered. */
export interface ServicesReport {
  /** Health/Check per service name, while serving: the status name or the error code. */
  readonly health: Record<string, string>;
  /** Health/Check of "" once stopServing() was called. */
  readonly healthAfterStop: string;
  /** Reflection's list_services. */
  readonly services: string[];
}

export interface Report {
  readonly calls: CallReport[];
  readonly engineServices: ServicesReport;
}

const anyHttp2: Protocol[] = ["connect", "grpc", "grpc-web"];
const http1: Protocol[] = ["connect", "grpc-web"]; // gRPC needs HTTP/2

/** Each server, how to reach it, and the protocols it serves there. */
const targets: {
  server: string;
  http: "1.1" | "2";
  protocols: Protocol[];
  start: () => Promise<Listening>;
}[] = [
  {
    server: "connect-node",
    http: "2",
    protocols: anyHttp2,
    start: () => listen(connectNodeServer("2")),
  },
  {
    server: "connect-node",
    http: "1.1",
    protocols: http1,
    start: () => listen(connectNodeServer("1.1")),
  },
  {
    server: "connect-express",
    http: "1.1",
    protocols: http1,
    start: () => listen(expressServer()),
  },
  { server: "connect-fastify", http: "2", protocols: anyHttp2, start: fastifyServer },
  { server: "node-server serve()", http: "2", protocols: anyHttp2, start: () => serveGreet(0) },
  { server: "node-server serve()", http: "1.1", protocols: http1, start: () => serveGreet(0) },
  {
    server: "node-server createNodeAdapter()",
    http: "2",
    protocols: anyHttp2,
    start: () => listen(nodeAdapterServer()),
  },
];

function record(md: MD): Record<string, string[]> {
  return Object.fromEntries(
    md
      .entries()
      .map(([key, values]) => [
        key,
        values.map((v) => (typeof v === "string" ? v : encodeStandardBase64(v))),
      ]),
  );
}

async function callAll(): Promise<CallReport[]> {
  const calls: CallReport[] = [];
  for (const { server, http, protocols, start } of targets) {
    const listening = await start();
    try {
      for (const protocol of protocols) {
        const { transport, sessions } = nodeTransport(protocol, listening.url, http);
        try {
          for (const outcome of ["success", "error"] as const) {
            const got = await greet(transport, outcome === "error" ? Code.PermissionDenied : 0);
            calls.push({
              server,
              http,
              protocol,
              outcome,
              ...(got.error
                ? { code: Code[got.error.code], message: got.error.rawMessage }
                : { greeting: got.greeting, receivedKeys: got.receivedKeys }),
              header: record(got.header),
              trailer: record(got.trailer),
            });
          }
        } finally {
          sessions?.abort();
        }
      }
    } finally {
      await listening.close();
    }
  }
  return calls;
}

async function engineServices(): Promise<ServicesReport> {
  const engine = await serveGreet(0);
  const { transport, sessions } = nodeTransport("grpc", engine.url, "2");
  try {
    const health: Record<string, string> = {};
    for (const name of ["", GreetService.typeName, "no.such.Service"]) {
      health[name] = await healthStatus(transport, name);
    }
    const services = await listServices(transport);
    engine.serving.stopServing();
    const healthAfterStop = await healthStatus(transport, "");
    return { health, healthAfterStop, services };
  } finally {
    sessions?.abort();
    await engine.close();
  }
}

const report: Report = { calls: await callAll(), engineServices: await engineServices() };
process.stdout.write(`${JSON.stringify(report)}\n`);
