import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

const usable = /^[\x21-\x7e]{1,128}$/;

/**
 * Gives every request an `x-request-id`: the caller's when it is 1-128
 * visible ASCII characters, else a new UUID. The id is written back into the
 * request headers (so handlers, logs and hops see the one in use) and set as
 * a response header before any RPC code runs, so it is sent on every answer,
 * errors included.
 */
export function assignRequestId(
  req: { headers: IncomingHttpHeaders },
  res: { setHeader(name: string, value: OutgoingHttpHeaders[string] & {}): unknown },
): string {
  const given = req.headers["x-request-id"];
  const id = typeof given === "string" && usable.test(given) ? given : randomUUID();
  req.headers["x-request-id"] = id;
  res.setHeader("x-request-id", id);
  return id;
}
