// @hello-metadata/metadata/internal — @private. What the sibling packages
// (@hello-metadata/node-server) and the app built on them share with the
// library: wire-level reading and writing, the protocol module, and the
// contract by which a server engine sends headers early. Not a public API:
// it follows the packages' versions, not semantic versioning.

export { deriveContextValues } from "./context-values.js";
export type { HeaderSender } from "./header-sender.js";
export { headerSenderKey } from "./header-sender.js";
export type { Codec, RpcProtocol, WireFormat } from "./protocol.js";
export {
  acceptedContentTypes,
  acceptPost,
  decodeGrpcMessage,
  encodeGrpcMessage,
  isRpcContentType,
  protocolOfFormat,
  requestContentType,
  rpcProtocolOf,
  wireFormatOf,
} from "./protocol.js";
export { fieldOverheadBytes } from "./size.js";
export type { ReadOptions } from "./wire.js";
export { MetadataSizeError, readMetadata, writeMetadata } from "./wire.js";
