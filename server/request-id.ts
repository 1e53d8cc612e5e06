import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

const usable = /^[\x21-\x7e]{1,128}$/;

/**
 * Gives every request an `x-request-id`: the caller's when it is 1-128
 * visible ASCII characters, else a new UUID. The id is written back into the
 * request headers (so handlers, logs and hops see the one in use); the
 * caller sets it as a response header before any RPC code runs, so it is
 * sent on every answer, errors included.
 *
 * @returns the id in use.
 */
export function assignRequestId(headers: IncomingHttpHeaders): string {
  const given = headers["x-request-id"];
  const id = typeof given === "string" && usable.test(given) ? given : randomUUID();
  headers["x-request-id"] = id;
  return id;
}
