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
 * Connect-ES.
 */
export function wireFormatOf(contentType: string | null | undefined): WireFormat | undefined {
  if (contentType === null || contentType === undefined) return undefined;
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
