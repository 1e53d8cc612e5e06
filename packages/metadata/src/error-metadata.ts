import { trailerDemux } from "@connectrpc/connect/protocol-connect";
import type { RpcProtocol } from "./protocol.js";

/**
 * Splits a failed unary call's merged `ConnectError.metadata` back into
 * header and trailer, using the raw response headers when a capturing
 * transport recorded them:
 * - Connect: the raw headers are the whole answer; `trailer-` prefixed ones
 *   are the trailer (Connect-ES's `trailerDemux`).
 * - gRPC and gRPC-Web with a header block: the raw headers are the header;
 *   the rest of the merged metadata is the trailer.
 * - gRPC trailers-only (the raw headers carry `grpc-status`), or nothing
 *   recorded: everything is trailer, as the gRPC spec defines trailers-only.
 */
export function splitErrorMetadata(
  merged: Headers,
  raw: Headers | undefined,
  protocol: RpcProtocol,
): { header: Headers; trailer: Headers } {
  if (!raw || (protocol !== "connect" && raw.has("grpc-status"))) {
    return { header: new Headers(), trailer: merged };
  }
  if (protocol === "connect") {
    const [header, trailer] = trailerDemux(raw);
    return { header, trailer };
  }
  return { header: raw, trailer: subtractHeaders(merged, raw) };
}

/**
 * Returns `merged` without the values that came from `header`. Connect-ES
 * appends header values to the trailer's (joined by ", "), so a key in both
 * loses the header's part; a key only in `header` disappears.
 */
export function subtractHeaders(merged: Headers, header: Headers): Headers {
  const out = new Headers();
  merged.forEach((value, key) => {
    const h = header.get(key);
    if (h === null) out.append(key, value);
    else if (value === h) return;
    else if (value.endsWith(`, ${h}`)) out.append(key, value.slice(0, -(h.length + 2)));
    else if (value.startsWith(`${h}, `)) out.append(key, value.slice(h.length + 2));
    else out.append(key, value);
  });
  return out;
}
