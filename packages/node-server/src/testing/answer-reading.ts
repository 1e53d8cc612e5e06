import type { Answer } from "./wire-client.js";

/**
 * Reads what an RPC answer says, whatever its protocol, for the assertions
 * of the differential suite: the status code a client would see and the
 * body's messages.
 */

/** gRPC-Web's trailer frame flag. */
const trailerFlag = 0x80;

/** One length-prefixed frame: its flags byte and payload. */
export interface Frame {
  readonly flags: number;
  readonly data: Buffer;
}

/** The length-prefixed frames of a body, or undefined when the body is not a sequence of frames. */
export function framesOf(body: Buffer): Frame[] | undefined {
  const out: Frame[] = [];
  let at = 0;
  while (at < body.length) {
    if (body.length - at < 5) return undefined;
    const length = body.readUInt32BE(at + 1);
    if (body.length - at - 5 < length) return undefined;
    out.push({ flags: body[at] ?? 0, data: body.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return out;
}

/**
 * The gRPC status of a gRPC or gRPC-Web answer: `grpc-status` and the
 * decoded `grpc-message` from the HTTP trailers, the headers
 * (trailers-only) or gRPC-Web's trailer frame; undefined when there is none.
 */
export function grpcStatusOf(answer: Answer): { code: number; message: string } | undefined {
  const fields = answer.trailers["grpc-status"]
    ? answer.trailers
    : answer.headers["grpc-status"]
      ? answer.headers
      : trailerFrameFields(answer.body);
  const code = fields["grpc-status"]?.[0];
  if (code === undefined) return undefined;
  return { code: Number(code), message: decodeURIComponent(fields["grpc-message"]?.[0] ?? "") };
}

function trailerFrameFields(body: Buffer): Record<string, readonly string[]> {
  const trailer = framesOf(body)?.find((f) => (f.flags & trailerFlag) !== 0);
  const out: Record<string, string[]> = {};
  for (const line of trailer?.data.toString("latin1").split("\r\n") ?? []) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    out[name] = [...(out[name] ?? []), line.slice(i + 1).trim()];
  }
  return out;
}

/** A Connect error body (`{"code": …, "message": …}`), or undefined when the body is not one. */
export function connectErrorOf(answer: Answer): { code: string; message?: string } | undefined {
  if (answer.headers["content-type"]?.[0] !== "application/json" || answer.status === 200) {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(answer.body.toString("utf8"));
    if (typeof parsed === "object" && parsed !== null && "code" in parsed) {
      return parsed as { code: string; message?: string };
    }
  } catch {
    // not JSON: not a Connect error
  }
  return undefined;
}

/**
 * Decodes a gRPC-Web text body: base64 in groups of four characters, each
 * group padded only at its end, so independently encoded chunks may follow
 * one another. Throws when the body is anything else.
 */
export function decodeGrpcWebText(body: Buffer): Buffer {
  const text = body.toString("latin1");
  if (!/^(?:[A-Za-z0-9+/]{2}(?:[A-Za-z0-9+/]{2}|[A-Za-z0-9+/]=|==))*$/.test(text)) {
    throw new Error(`not gRPC-Web text: ${JSON.stringify(text.slice(0, 80))}`);
  }
  return Buffer.concat((text.match(/[^=]+=*/g) ?? []).map((s) => Buffer.from(s, "base64")));
}
