import { ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createNodeHttpClient, Http2SessionManager } from "@connectrpc/connect-node";
import {
  appendToOutgoingContext,
  callOptions,
  createMetadataTransport,
  header,
  MD,
  trailer,
} from "@hello-metadata/metadata";
import { GreetService } from "./gen/greet/v1/greet_pb.js";

/**
 * A transport that speaks `protocol` over h2c or HTTP/1.1, with the library
 * wired in. Abort `sessions` when done, or the HTTP/2 connection stays open.
 */
export function nodeTransport(
  protocol: "connect" | "grpc" | "grpc-web",
  baseUrl: string,
  httpVersion: "1.1" | "2",
): { transport: Transport; sessions?: Http2SessionManager } {
  if (httpVersion === "1.1") {
    const httpClient = createNodeHttpClient({ httpVersion: "1.1" });
    return { transport: createMetadataTransport({ protocol, baseUrl, httpClient }) };
  }
  const sessions = new Http2SessionManager(baseUrl);
  const httpClient = createNodeHttpClient({ httpVersion: "2", sessionProvider: () => sessions });
  return { transport: createMetadataTransport({ protocol, baseUrl, httpClient }), sessions };
}

/** What one Greet call gave back: the answer or the error, and the metadata apart. */
export interface GreetOutcome {
  readonly greeting?: string;
  readonly receivedKeys?: string[];
  readonly error?: ConnectError;
  readonly header: MD;
  readonly trailer: MD;
}

/** Calls Greet with `x-user` and `trace-bin` metadata; the server fails it when `failCode` is not 0. */
export async function greet(transport: Transport, failCode: number): Promise<GreetOutcome> {
  const client = createClient(GreetService, transport);
  const ctx = appendToOutgoingContext(
    undefined,
    "x-user",
    "junxi",
    "trace-bin",
    new Uint8Array([1, 2, 3]),
  );
  const headers = new MD();
  const trailers = new MD();
  try {
    const res = await client.greet(
      { failCode },
      callOptions(ctx, header(headers), trailer(trailers)),
    );
    // headers: x-greeted, trace-bin; trailers: x-outcome, cost-bin.
    return {
      greeting: res.greeting,
      receivedKeys: res.receivedKeys,
      header: headers,
      trailer: trailers,
    };
  } catch (e) {
    // Filled on error too, and still apart.
    return { error: ConnectError.from(e), header: headers, trailer: trailers };
  }
}
