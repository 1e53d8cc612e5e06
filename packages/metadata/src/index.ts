// @hello-metadata/metadata: grpc-go's metadata semantics for TypeScript, on
// Connect-ES, in browsers and on Node. This file is the public API and
// nothing else; what sibling packages need lives in internal.ts.

export {
  decodeBinaryValues,
  encodeBinaryValue,
  encodeStandardBase64,
  isBinaryKey,
} from "./binary.js";
export type { CallOption } from "./call-options.js";
export { callOptions, header, trailer } from "./call-options.js";
export { captureFetch, captureHttpClient } from "./capture.js";
export type { ClientMetadataOptions } from "./client.js";
export { clientMetadataInterceptor } from "./client.js";
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
export type { Codec, RpcProtocol, WireFormatName } from "./protocol.js";
export type { FormatOptions } from "./redact.js";
export { defaultSafeKeys, formatMD, redactMD } from "./redact.js";
export { isProtocolHeader, isReservedKey } from "./reserved.js";
export type { ServerMetadataOptions } from "./server.js";
export { sendHeader, serverMetadataInterceptor, setHeader, setTrailer } from "./server.js";
export { interopMetadataBytes, metadataSize } from "./size.js";
export type { MetadataTransportOptions } from "./transport.js";
export { createMetadataTransport } from "./transport.js";
export { checkKey, checkValue, checkWritableKey, MetadataError, validateMD } from "./validate.js";
