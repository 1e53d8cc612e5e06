import { parseContentType as parseConnect } from "@connectrpc/connect/protocol-connect";
import { parseContentType as parseGrpc } from "@connectrpc/connect/protocol-grpc";
import { parseContentType as parseGrpcWeb } from "@connectrpc/connect/protocol-grpc-web";

/**
 * The RPC protocols and their wire formats, named once. Every part of the
 * project that asks "which protocol is this request?" asks here, and the
 * answer comes from Connect-ES's own content-type parsers, so it is exactly
 * what Connect-ES's router will accept.
 */

/** The three RPC protocols, as Connect-ES names them in `protocolName`. */
export type RpcProtocol = "connect" | "grpc" | "grpc-web";

/** How messages are encoded: protobuf binary or protobuf JSON. */
export type Codec = "proto" | "json";

/**
 * A protocol with its codec, by the one name the project uses for it in
 * pages, tools and reports: gRPC and gRPC-Web with protobuf (`grpc`,
 * `grpc-web`), Connect with either codec (`connect-json`, `connect-proto`).
 */
export type WireFormatName = "grpc" | "grpc-web" | `connect-${Codec}`;

/** The content type a unary request in `format` is sent with. */
export function requestContentType(format: WireFormatName): string {
  switch (format) {
    case "grpc":
      return "application/grpc";
    case "grpc-web":
      return "application/grpc-web+proto";
    case "connect-json":
      return "application/json";
    case "connect-proto":
      return "application/proto";
  }
}

/** The protocol a named wire format speaks. */
export function protocolOfFormat(format: WireFormatName): RpcProtocol {
  return format.startsWith("connect-") ? "connect" : (format as RpcProtocol);
}

/** What a request's content type says about its wire format. */
export interface WireFormat {
  readonly protocol: RpcProtocol;
  readonly codec: Codec;
  /** Connect's streaming form (`application/connect+…`); gRPC and gRPC-Web are always enveloped. */
  readonly stream: boolean;
  /** gRPC-Web's base64 text mode (`application/grpc-web-text`). */
  readonly text: boolean;
}

/**
 * Reads a content type (`application/grpc+proto`, `application/json`, …)
 * into its wire format, or undefined when it names none of the protocols.
 * Parameters other than Connect's `charset=utf-8` do not match, as in
 * Connect-ES. The answer is shared between calls: do not change it.
 */
export function wireFormatOf(contentType: string | null | undefined): WireFormat | undefined {
  if (contentType === null || contentType === undefined) return undefined;
  // The same few content types arrive on every call: remember what they say.
  const known = formats.get(contentType);
  if (known !== undefined || formats.has(contentType)) return known;
  const format = parseWireFormat(contentType);
  if (formats.size < 64) formats.set(contentType, format);
  return format;
}

const formats = new Map<string, WireFormat | undefined>();

function parseWireFormat(contentType: string): WireFormat | undefined {
  const ct = contentType.trim();
  const web = parseGrpcWeb(ct);
  if (web) return { protocol: "grpc-web", codec: codec(web.binary), stream: false, text: web.text };
  const grpc = parseGrpc(ct);
  if (grpc) return { protocol: "grpc", codec: codec(grpc.binary), stream: false, text: false };
  const connect = parseConnect(ct);
  if (connect) {
    return {
      protocol: "connect",
      codec: codec(connect.binary),
      stream: connect.stream,
      text: false,
    };
  }
  return undefined;
}

function codec(binary: boolean): Codec {
  return binary ? "proto" : "json";
}

/**
 * Which protocol a request (or the request of a response being read)
 * speaks, from its `content-type`: gRPC-Web, gRPC, or Connect for anything
 * else (Connect GET requests carry no content type).
 */
export function rpcProtocolOf(requestHeader: Headers): RpcProtocol {
  return wireFormatOf(requestHeader.get("content-type"))?.protocol ?? "connect";
}

/** Reports whether a request's content type names one of the RPC protocols. */
export function isRpcContentType(contentType: string | null | undefined): boolean {
  return wireFormatOf(contentType) !== undefined;
}

/** A one-line list of the content types the protocols accept, for error messages. */
export const acceptedContentTypes =
  "application/json or application/proto (Connect unary), application/connect+json or +proto (Connect streaming), application/grpc[+proto|+json] (gRPC), application/grpc-web[-text][+proto|+json] (gRPC-Web)";

/** The `Accept-Post` value for a 415 answer: one content type per protocol and codec. */
export const acceptPost =
  "application/json, application/proto, application/connect+json, application/connect+proto, application/grpc, application/grpc+json, application/grpc-web, application/grpc-web+json, application/grpc-web-text";

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Bytes `grpc-message` carries as they are: printable ASCII except `%` (gRPC PROTOCOL-HTTP2). */
const plainMessage = /^(?:[\x21-\x24\x26-\x7e](?:[\x20-\x24\x26-\x7e]*[\x21-\x24\x26-\x7e])?)?$/;

/**
 * Encodes a status message for the `grpc-message` header or trailer as the
 * gRPC spec writes it (PROTOCOL-HTTP2, "Status-Message"): the text as UTF-8,
 * then every byte outside 0x20–0x7E, and `%` itself, as `%XX`. Spaces,
 * commas and other printable characters stay as they are — unlike
 * `encodeURIComponent`, which some clients do not fully undo — except a
 * space at either end, which is encoded too: HTTP drops a field value's
 * leading and trailing whitespace (and HTTP/2 forbids it), so it would not
 * arrive.
 */
export function encodeGrpcMessage(message: string): string {
  if (plainMessage.test(message)) return message;
  const bytes = utf8Encoder.encode(message);
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    const edgeSpace = byte === 0x20 && (i === 0 || i === bytes.length - 1);
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25 && !edgeSpace
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * Decodes a `grpc-message` value, whichever way it was percent-encoded (the
 * spec's form or `encodeURIComponent`'s): each valid `%XX` becomes its byte,
 * the bytes are read as UTF-8 (invalid sequences become U+FFFD), and a `%`
 * not followed by two hex digits is kept as it is — as the spec asks, a bad
 * encoding never throws and never loses the message.
 */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes("%")) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      bytes.push(...utf8Encoder.encode(value[i] ?? ""));
    }
  }
  return utf8Decoder.decode(new Uint8Array(bytes));
}
