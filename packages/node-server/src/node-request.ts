import type * as http from "node:http";
import type * as http2 from "node:http2";

/** A request from Node's HTTP/1.1 server or its HTTP/2 compatibility API. */
export type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;

/**
 * A response of Node's HTTP/1.1 server or its HTTP/2 compatibility API,
 * as far as the engine's own small responders use it, so one function
 * serves both.
 */
export type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;

/**
 * What the engine's own small responders (static files, protocol errors)
 * need of a response, so one function serves HTTP/1.1 and HTTP/2 alike.
 */
export interface Responder {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: string | Uint8Array): unknown;
  destroy(): void;
}
