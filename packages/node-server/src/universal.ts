import type * as http from "node:http";
import type { UniversalServerRequest } from "@connectrpc/connect/protocol";

/**
 * A request for one of Connect-ES's universal handlers whose body starts
 * with bytes already read (the fast path read them, then declined) and goes
 * on with whatever is left in `rest`.
 */
export function withBody(
  req: Omit<UniversalServerRequest, "body">,
  prefix: readonly Uint8Array[],
  rest: AsyncIterable<Uint8Array> | undefined,
): UniversalServerRequest {
  async function* body() {
    yield* prefix;
    if (rest) yield* rest;
  }
  return { ...req, body: body() };
}

/** The request's URL for Connect-ES: its authority (HTTP/2 `:authority` or `host`) and path. */
export function absoluteUrl(headers: http.IncomingHttpHeaders, path: string): string {
  const authority = headers[":authority"] ?? headers.host ?? "localhost";
  return `http://${authority}${path}`;
}
