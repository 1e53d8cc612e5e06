// HTTP/2 frames on the wire (RFC 9113 §4, §6), for a client that writes
// them itself: the connection preface, an encoder for every frame type a
// client sends (SETTINGS, HEADERS, CONTINUATION, DATA, RST_STREAM,
// WINDOW_UPDATE, PING, GOAWAY, PRIORITY, and any type at all) with its
// flags and padding, and a reader of frame headers for seeing what a
// server answered. The encoder writes what it is told, valid or not: a
// reserved bit, a zero increment, a stream id of 0 on a stream frame.

/** The client connection preface (RFC 9113 §3.4). */
export const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** Frame type codes. */
export const frameType = {
  data: 0x0,
  headers: 0x1,
  priority: 0x2,
  rstStream: 0x3,
  settings: 0x4,
  pushPromise: 0x5,
  ping: 0x6,
  goaway: 0x7,
  windowUpdate: 0x8,
  continuation: 0x9,
} as const;

/** Frame flags. */
export const flag = {
  endStream: 0x1,
  ack: 0x1,
  endHeaders: 0x4,
  padded: 0x8,
  priority: 0x20,
} as const;

/** SETTINGS identifiers (RFC 9113 §6.5.2, RFC 8441). */
export const setting = {
  headerTableSize: 0x1,
  enablePush: 0x2,
  maxConcurrentStreams: 0x3,
  initialWindowSize: 0x4,
  maxFrameSize: 0x5,
  maxHeaderListSize: 0x6,
  enableConnectProtocol: 0x8,
} as const;

/** Error codes (RFC 9113 §7), by code. */
export const errorName: Readonly<Record<number, string>> = {
  0: "NO_ERROR",
  1: "PROTOCOL_ERROR",
  2: "INTERNAL_ERROR",
  3: "FLOW_CONTROL_ERROR",
  4: "SETTINGS_TIMEOUT",
  5: "STREAM_CLOSED",
  6: "FRAME_SIZE_ERROR",
  7: "REFUSED_STREAM",
  8: "CANCEL",
  9: "COMPRESSION_ERROR",
  10: "CONNECT_ERROR",
  11: "ENHANCE_YOUR_CALM",
  12: "INADEQUATE_SECURITY",
  13: "HTTP_1_1_REQUIRED",
};

/** Frame type names, by code. */
export const frameName: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(frameType).map(([k, v]) => [v, k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()]),
);

/**
 * One frame: the 9-byte header (24-bit length, type, flags, reserved bit
 * and 31-bit stream id) and the payload. `length` overrides the declared
 * length (a frame that lies about its size); `reserved` sets the reserved bit.
 */
export function encodeFrame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array,
  { length, reserved = false }: { length?: number; reserved?: boolean } = {},
): Buffer {
  const head = Buffer.alloc(9);
  const declared = length ?? payload.length;
  head.writeUIntBE(declared & 0xffffff, 0, 3);
  head[3] = type & 0xff;
  head[4] = flags & 0xff;
  head.writeUInt32BE(((streamId & 0x7fffffff) | (reserved ? 0x80000000 : 0)) >>> 0, 5);
  return Buffer.concat([head, payload]);
}

/** A padded payload (PADDED flag): pad length byte, the data, `padLength` zero bytes. */
function pad(data: Uint8Array, padLength: number | undefined): Uint8Array {
  if (padLength === undefined) return data;
  return Buffer.concat([Buffer.from([padLength & 0xff]), data, Buffer.alloc(padLength & 0xff)]);
}

/** SETTINGS with these `[id, value]` entries; with `ack`, a SETTINGS ACK (which must have none). */
export function settingsFrame(
  entries: readonly (readonly [number, number])[],
  ack = false,
): Buffer {
  const payload = Buffer.alloc(entries.length * 6);
  entries.forEach(([id, value], i) => {
    payload.writeUInt16BE(id & 0xffff, i * 6);
    payload.writeUInt32BE(value >>> 0, i * 6 + 2);
  });
  return encodeFrame(frameType.settings, ack ? flag.ack : 0, 0, payload);
}

/** Options of a HEADERS frame. */
export interface HeadersOptions {
  readonly endStream?: boolean;
  /** Default true; false means CONTINUATION frames follow. */
  readonly endHeaders?: boolean;
  /** PADDED with this many bytes of padding. */
  readonly padLength?: number;
  /** PRIORITY: depends on `dependency` (exclusively or not) with `weight` (0-255, meaning 1-256). */
  readonly priority?: {
    readonly dependency: number;
    readonly weight: number;
    readonly exclusive: boolean;
  };
}

/** HEADERS carrying `block` (an HPACK header block fragment). */
export function headersFrame(streamId: number, block: Uint8Array, o: HeadersOptions = {}): Buffer {
  let flags = 0;
  if (o.endStream) flags |= flag.endStream;
  if (o.endHeaders ?? true) flags |= flag.endHeaders;
  let fragment: Uint8Array = block;
  if (o.priority) {
    flags |= flag.priority;
    const p = Buffer.alloc(5);
    p.writeUInt32BE(
      ((o.priority.dependency & 0x7fffffff) | (o.priority.exclusive ? 0x80000000 : 0)) >>> 0,
      0,
    );
    p[4] = o.priority.weight & 0xff;
    fragment = Buffer.concat([p, block]);
  }
  if (o.padLength !== undefined) flags |= flag.padded;
  return encodeFrame(frameType.headers, flags, streamId, pad(fragment, o.padLength));
}

/** CONTINUATION carrying the next fragment of a header block. */
export function continuationFrame(
  streamId: number,
  fragment: Uint8Array,
  endHeaders: boolean,
): Buffer {
  return encodeFrame(frameType.continuation, endHeaders ? flag.endHeaders : 0, streamId, fragment);
}

/** DATA, optionally ending the stream and padded. */
export function dataFrame(
  streamId: number,
  data: Uint8Array,
  { endStream = false, padLength }: { endStream?: boolean; padLength?: number } = {},
): Buffer {
  const flags = (endStream ? flag.endStream : 0) | (padLength === undefined ? 0 : flag.padded);
  return encodeFrame(frameType.data, flags, streamId, pad(data, padLength));
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0, 0);
  return b;
}

/** RST_STREAM with an error code. */
export function rstStreamFrame(streamId: number, code: number): Buffer {
  return encodeFrame(frameType.rstStream, 0, streamId, u32(code));
}

/** WINDOW_UPDATE by `increment` (0 and values over 2^31-1 are errors the encoder still writes). */
export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  return encodeFrame(frameType.windowUpdate, 0, streamId, u32(increment));
}

/** PING with 8 bytes of opaque data (shorter or longer data is written as given). */
export function pingFrame(data: Uint8Array, ack = false): Buffer {
  return encodeFrame(frameType.ping, ack ? flag.ack : 0, 0, data);
}

/** GOAWAY with the last stream id, an error code and debug data. */
export function goawayFrame(
  lastStreamId: number,
  code: number,
  debug: Uint8Array = Buffer.alloc(0),
): Buffer {
  return encodeFrame(
    frameType.goaway,
    0,
    0,
    Buffer.concat([u32(lastStreamId & 0x7fffffff), u32(code), debug]),
  );
}

/** PRIORITY: `streamId` depends on `dependency` with `weight`. */
export function priorityFrame(
  streamId: number,
  dependency: number,
  weight: number,
  exclusive = false,
): Buffer {
  const p = Buffer.alloc(5);
  p.writeUInt32BE(((dependency & 0x7fffffff) | (exclusive ? 0x80000000 : 0)) >>> 0, 0);
  p[4] = weight & 0xff;
  return encodeFrame(frameType.priority, 0, streamId, p);
}

/** A frame header as read back from the wire. */
export interface FrameHead {
  readonly length: number;
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  /** The first bytes of the payload (all of it for short frames). */
  readonly payload: Buffer;
}

/**
 * The frames in `bytes` (what a server sent after the preface), as far as
 * they are complete; a frame cut off at the end is left out.
 */
export function readFrames(bytes: Buffer): FrameHead[] {
  const frames: FrameHead[] = [];
  let at = 0;
  while (at + 9 <= bytes.length) {
    const length = bytes.readUIntBE(at, 3);
    if (at + 9 + length > bytes.length) break;
    frames.push({
      length,
      type: bytes[at + 3] as number,
      flags: bytes[at + 4] as number,
      streamId: bytes.readUInt32BE(at + 5) & 0x7fffffff,
      payload: bytes.subarray(at + 9, at + 9 + Math.min(length, 64)),
    });
    at += 9 + length;
  }
  return frames;
}

/**
 * A frame as a reader sees it: `GOAWAY(PROTOCOL_ERROR)`, `RST_STREAM(CANCEL)`,
 * `HEADERS`, … (error codes named, for the two frames that carry one).
 */
export function describeFrameHead(f: FrameHead): string {
  const name = frameName[f.type] ?? `TYPE_${f.type}`;
  if (f.type === frameType.rstStream && f.payload.length >= 4) {
    return `${name}(${errorName[f.payload.readUInt32BE(0)] ?? f.payload.readUInt32BE(0)})`;
  }
  if (f.type === frameType.goaway && f.payload.length >= 8) {
    return `${name}(${errorName[f.payload.readUInt32BE(4)] ?? f.payload.readUInt32BE(4)})`;
  }
  return name;
}
