/**
 * Content types the server answers RPCs with, one pattern per protocol:
 * Connect unary (`application/json`, `application/proto`), Connect streaming
 * (`application/connect+json|proto`), gRPC (`application/grpc[+proto|+json]`)
 * and gRPC-Web (`application/grpc-web[-text][+proto|+json]`).
 */
const rpcContentType =
  /^application\/(json|proto|connect\+(json|proto)|grpc(\+(json|proto))?|grpc-web(-text)?(\+(json|proto))?)(\s*;.*)?$/i;

/** A one-line list of what {@link isRpcContentType} accepts, for error messages. */
export const acceptedContentTypes =
  "application/json or application/proto (Connect), application/grpc[+proto|+json] (gRPC), application/grpc-web[+proto|+json] (gRPC-Web)";

/** Reports whether `contentType` names one of the RPC protocols. */
export function isRpcContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && rpcContentType.test(contentType.trim());
}
