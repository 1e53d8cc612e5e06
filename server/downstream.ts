import { type Client, createClient } from "@connectrpc/connect";
import { createNodeHttpClient, Http2SessionManager } from "@connectrpc/connect-node";
import { createMetadataTransport } from "@hello-metadata/metadata";
import { HelloService } from "../gen/hello/v1/hello_pb.js";

/** The next HelloService on the call path, and how to let go of it. */
export interface Downstream {
  readonly client: Client<typeof HelloService>;
  /** Closes the pooled HTTP/2 connection. */
  close(): void;
}

/**
 * A HelloService client for hops: gRPC over one pooled h2c connection to
 * `baseUrl()` (resolved at the first call, so it may name this server's own
 * port once it is known), with the metadata library's transport.
 */
export function createDownstream(baseUrl: () => string): Downstream {
  let sessions: Http2SessionManager | undefined;
  const sessionFor = (url: string) => {
    sessions ??= new Http2SessionManager(url, { idleConnectionTimeoutMs: 30_000 });
    return sessions;
  };
  let client: Client<typeof HelloService> | undefined;
  return {
    get client() {
      client ??= createClient(
        HelloService,
        createMetadataTransport({
          protocol: "grpc",
          baseUrl: baseUrl(),
          httpClient: createNodeHttpClient({ httpVersion: "2", sessionProvider: sessionFor }),
        }),
      );
      return client;
    },
    close() {
      sessions?.abort();
    },
  };
}
