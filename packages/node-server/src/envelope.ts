/**
 * gRPC's length-prefixed message framing (also gRPC-Web's and Connect
 * streaming's): one flag byte, a big-endian uint32 length, the payload.
 */

/** The bytes of one envelope's header. */
export const envelopeHeaderBytes = 5;

/**
 * The payload of a body that is exactly one uncompressed envelope no larger
 * than `readMaxBytes`, or undefined for anything else (compressed, several
 * messages, a length that lies), which the caller leaves to Connect-ES.
 */
export function singleEnvelope(body: Uint8Array, readMaxBytes: number): Uint8Array | undefined {
  if (body.byteLength < envelopeHeaderBytes || body[0] !== 0) return undefined;
  const length =
    ((body[1] ?? 0) << 24) | ((body[2] ?? 0) << 16) | ((body[3] ?? 0) << 8) | (body[4] ?? 0);
  if (length !== body.byteLength - envelopeHeaderBytes || length > readMaxBytes) return undefined;
  return body.subarray(envelopeHeaderBytes);
}

/** One envelope around `data`. */
export function envelope(flags: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.byteLength + envelopeHeaderBytes);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, data.byteLength);
  out.set(data, envelopeHeaderBytes);
  return out;
}

/** `parts` one after another in one array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
