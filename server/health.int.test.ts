// gRPC health checking against the real server, called with @grpc/grpc-js
// (the client Kubernetes-style probes and Node services use): Check, Watch,
// and what both say once shutdown begins.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { healthV1 } from "@hello-metadata/grpc-services";
import { rpcPath } from "../scripts/kit/rpc-path.js";
import type { RunningServer } from "./app.js";

const {
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus: Status,
} = healthV1;
type HealthCheckResponse = healthV1.HealthCheckResponse;
type Status = healthV1.HealthCheckResponse_ServingStatus;

import { startTestServer } from "./testing.js";

const serialize = (service: string) =>
  Buffer.from(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service })));
const deserialize = (bytes: Buffer) => fromBinary(HealthCheckResponseSchema, bytes);

function clientFor(server: RunningServer): grpc.Client {
  return new grpc.Client(new URL(server.url).host, grpc.credentials.createInsecure());
}

/** Health/Check; resolves with the status, or rejects with grpc-js's error. */
function check(client: grpc.Client, service: string): Promise<Status> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      rpcPath(healthV1.Health.method.check),
      serialize,
      deserialize,
      service,
      new grpc.Metadata(),
      { deadline: Date.now() + 5_000 },
      (error, res?: HealthCheckResponse) =>
        error || !res ? reject(error ?? new Error("no response")) : resolve(res.status),
    );
  });
}

/** An open Health/Watch stream: the statuses so far, and how it ended. */
interface Watch {
  readonly statuses: Status[];
  /** Resolves once `count` statuses arrived. */
  received(count: number): Promise<void>;
  /** Resolves with the final status code once the stream ended. */
  readonly ended: Promise<grpc.status>;
  readonly call: grpc.ClientReadableStream<HealthCheckResponse>;
}

function watch(client: grpc.Client, service: string): Watch {
  const call = client.makeServerStreamRequest(
    rpcPath(healthV1.Health.method.watch),
    serialize,
    deserialize,
    service,
    new grpc.Metadata(),
  );
  const statuses: Status[] = [];
  const waiters: (() => void)[] = [];
  call.on("data", (res: HealthCheckResponse) => {
    statuses.push(res.status);
    for (const w of waiters.splice(0)) w();
  });
  call.on("error", () => {}); // the status event carries the outcome
  const ended = new Promise<grpc.status>((resolve) => {
    call.on("status", (s: grpc.StatusObject) => resolve(s.code));
  });
  const received = async (count: number) => {
    while (statuses.length < count) {
      await Promise.race([
        new Promise<void>((r) => waiters.push(r)),
        ended.then((code) => {
          throw new Error(`Watch ended (${grpc.status[code]}) after ${statuses.length} statuses`);
        }),
      ]);
    }
  };
  return { statuses, received, ended, call };
}

const within = <T>(ms: number, p: Promise<T>, what: string): Promise<T> =>
  Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms).unref(),
    ),
  ]);

describe("Health/Check", () => {
  it("SERVING for the server and for HelloService; NOT_FOUND for other names", async () => {
    const server = await startTestServer();
    const client = clientFor(server);
    try {
      assert.equal(await check(client, ""), Status.SERVING);
      assert.equal(await check(client, "hello.v1.HelloService"), Status.SERVING);
      await assert.rejects(check(client, "hello.v1.NoSuchService"), (e: grpc.ServiceError) => {
        assert.equal(e.code, grpc.status.NOT_FOUND);
        assert.match(e.details, /unknown service "hello.v1.NoSuchService"/);
        return true;
      });
    } finally {
      client.close();
      await server.close();
    }
  });

  it("NOT_SERVING once the server stops serving; a Watch then says so and ends", async () => {
    const server = await startTestServer();
    const client = clientFor(server);
    try {
      server.serving.stopServing();
      assert.equal(await check(client, ""), Status.NOT_SERVING);
      assert.equal(await check(client, "hello.v1.HelloService"), Status.NOT_SERVING);
      const known = watch(client, "");
      const unknown = watch(client, "hello.v1.NoSuchService");
      assert.equal(await within(5_000, known.ended, "Watch end"), grpc.status.OK);
      assert.equal(await within(5_000, unknown.ended, "Watch end"), grpc.status.OK);
      assert.deepEqual(known.statuses, [Status.NOT_SERVING]);
      assert.deepEqual(unknown.statuses, [Status.SERVICE_UNKNOWN]);
    } finally {
      client.close();
      await server.close();
    }
  });
});

describe("Health/Watch", () => {
  it("SERVING at once; on close(): NOT_SERVING, the stream ends OK, close() does not wait", async () => {
    const server = await startTestServer();
    const client = clientFor(server);
    try {
      const whole = watch(client, "");
      const hello = watch(client, "hello.v1.HelloService");
      await within(5_000, Promise.all([whole.received(1), hello.received(1)]), "first status");
      assert.deepEqual(whole.statuses, [Status.SERVING]);
      assert.deepEqual(hello.statuses, [Status.SERVING]);

      const started = performance.now();
      const closed = server.close();
      assert.equal(await within(5_000, whole.ended, "Watch end"), grpc.status.OK);
      assert.equal(await within(5_000, hello.ended, "Watch end"), grpc.status.OK);
      assert.deepEqual(whole.statuses, [Status.SERVING, Status.NOT_SERVING]);
      assert.deepEqual(hello.statuses, [Status.SERVING, Status.NOT_SERVING]);
      await within(5_000, closed, "close()");
      // The grace period is 10 s: open watches must not hold shutdown.
      assert.ok(performance.now() - started < 3_000, "close() finished without the grace period");
    } finally {
      client.close();
      await server.close();
    }
  });

  it("an unknown service: SERVICE_UNKNOWN, the stream stays open until shutdown", async () => {
    const server = await startTestServer();
    const client = clientFor(server);
    try {
      const w = watch(client, "hello.v1.NoSuchService");
      await within(5_000, w.received(1), "first status");
      assert.deepEqual(w.statuses, [Status.SERVICE_UNKNOWN]);
      const early = await Promise.race([
        w.ended.then(() => "ended"),
        new Promise((r) => setTimeout(() => r("open"), 300)),
      ]);
      assert.equal(early, "open", "the spec keeps the stream open for an unknown service");

      const started = performance.now();
      await within(5_000, server.close(), "close()");
      assert.equal(await within(5_000, w.ended, "Watch end"), grpc.status.OK);
      assert.deepEqual(
        w.statuses,
        [Status.SERVICE_UNKNOWN],
        "no status for a service it never knew",
      );
      assert.ok(performance.now() - started < 3_000, "close() finished without the grace period");
    } finally {
      client.close();
      await server.close();
    }
  });

  it("the caller cancelling ends the stream on the server too", async () => {
    const server = await startTestServer();
    const client = clientFor(server);
    try {
      const w = watch(client, "");
      await within(5_000, w.received(1), "first status");
      w.call.cancel();
      assert.equal(await within(5_000, w.ended, "Watch end"), grpc.status.CANCELLED);
      // Were the handler still waiting, close() would wait the 10 s grace.
      const started = performance.now();
      await within(5_000, server.close(), "close()");
      assert.ok(performance.now() - started < 3_000, "no Watch left running");
    } finally {
      client.close();
      await server.close();
    }
  });
});
