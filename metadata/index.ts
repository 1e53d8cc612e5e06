// hello-metadata: grpc-go's metadata semantics for TypeScript, on Connect-ES.
// Public API first; the helpers other modules need come after.

export {
  decodeBinaryValues,
  encodeBinaryValue,
  encodeStandardBase64,
  isBinaryKey,
} from "./binary.js";
export type { CallOption, RpcProtocol } from "./client.js";
export {
  callOptions,
  captureFetch,
  captureHttpClient,
  clientMetadataInterceptor,
  header,
  rpcProtocolOf,
  trailer,
} from "./client.js";
export { deriveContextValues } from "./context-values.js";
export {
  fromIncomingContext,
  newIncomingContext,
  valueFromIncomingContext,
} from "./incoming-context.js";
export type { AnyMDValue, MDRecord, MDValue } from "./md.js";
export { join, MD, newMD, pairs } from "./md.js";
export {
  appendToOutgoingContext,
  fromOutgoingContext,
  newOutgoingContext,
} from "./outgoing-context.js";
export type { FormatOptions } from "./redact.js";
export { defaultSafeKeys, formatMD, redactMD } from "./redact.js";

export { isProtocolHeader, isReservedKey } from "./reserved.js";
export type { ServerMetadataOptions } from "./server.js";
export {
  sendHeader,
  serverMetadataInterceptor,
  setHeader,
  setTrailer,
} from "./server.js";
export type { MetadataTransportOptions } from "./transport.js";
export { createMetadataTransport } from "./transport.js";
export { checkKey, checkValue, checkWritableKey, MetadataError, validateMD } from "./validate.js";
export type { ReadOptions } from "./wire.js";
export { MetadataSizeError, readMetadata, writeMetadata } from "./wire.js";
