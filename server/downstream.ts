import { type Client, createClient } from "@connectrpc/connect";
import type { UniversalClientFn } from "@connectrpc/connect/protocol";
import { createNodeHttpClient, Http2SessionManager } from "@connectrpc/connect-node";
import { createMetadataTransport } from "@hello-metadata/metadata";
import { HelloService } from "../gen/hello/v1/hello_pb.js";

/** The next HelloService on the call path, and how to let go of it. */
export interface Downstream {
  readonly client: Client<typeof HelloService>;
  /** HTTP/2 connections open to the downstream now. */
  readonly connections: number;
  /** Closes every pooled connection. */
  close(): void;
}

/** How the pool spreads calls. */
export interface PoolLimits {
  /** Calls one pooled connection carries at once before another is opened. */
  readonly hopStreamsPerConnection: number;
  /** Connections the pool may open to the downstream. */
  readonly hopConnections: number;
}

interface Member {
  readonly manager: Http2SessionManager;
  readonly request: UniversalClientFn;
  inFlight: number;
}

/**
 * A HelloService client for hops: gRPC over h2c to `baseUrl()` (resolved
 * at the first call, so it may name this server's own port once it is
 * known), with the metadata library's transport, over a pool of
 * connections: a call goes to the least busy one, and a new connection is
 * opened when every one carries `hopStreamsPerConnection` calls, up to
 * `hopConnections` — one full connection never makes hops wait.
 */
export function createDownstream(baseUrl: () => string, limits: PoolLimits): Downstream {
  const members: Member[] = [];
  const open = (url: string): Member => {
    const manager = new Http2SessionManager(url, { idleConnectionTimeoutMs: 30_000 });
    const member: Member = {
      manager,
      request: createNodeHttpClient({ httpVersion: "2", sessionProvider: () => manager }),
      inFlight: 0,
    };
    members.push(member);
    return member;
  };
  const pick = (url: string): Member => {
    let best: Member | undefined;
    for (const m of members) if (!best || m.inFlight < best.inFlight) best = m;
    if (
      best &&
      (best.inFlight < limits.hopStreamsPerConnection || members.length >= limits.hopConnections)
    ) {
      return best;
    }
    return open(url);
  };
  const pooled: UniversalClientFn = async (req) => {
    const member = pick(req.url);
    member.inFlight++;
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        member.inFlight--;
      }
    };
    try {
      const res = await member.request(req);
      const body = res.body;
      return {
        ...res,
        body: (async function* () {
          try {
            yield* body;
          } finally {
            finish();
          }
        })(),
      };
    } catch (e) {
      finish();
      throw e;
    }
  };
  let client: Client<typeof HelloService> | undefined;
  return {
    get client() {
      client ??= createClient(
        HelloService,
        createMetadataTransport({ protocol: "grpc", baseUrl: baseUrl(), httpClient: pooled }),
      );
      return client;
    },
    get connections() {
      return members.length;
    },
    close() {
      for (const m of members.splice(0)) m.manager.abort();
    },
  };
}
