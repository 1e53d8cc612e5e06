/**
 * What one enveloped frame of a response body was: a message, Connect's
 * end-of-stream message (flag 0x02), or gRPC-Web's trailer frame (flag 0x80).
 */
export interface WireFrame {
  /** When its last byte arrived, ms since the call started. */
  readonly at: number;
  readonly kind: "message" | "end-stream" | "trailer-frame";
  readonly flags: number;
  /** Payload length in bytes. */
  readonly bytes: number;
  /** For end-stream and trailer frames: the metadata it carried, keys lowercased. */
  readonly fields: readonly [string, string][];
  /** For a Connect end-stream message with an error: its code. */
  readonly errorCode?: string;
}

/** What the page's `fetch` saw of one call: the wire as far as JavaScript can see it. */
export interface WireRecord {
  /** `performance.now()` when fetch was called; every other time is relative to it. */
  start: number;
  /** The request headers connect-web sent, lowercased. */
  requestHeaders: [string, string][];
  /** HTTP status; undefined until the response headers arrived. */
  status?: number;
  /** When the response headers arrived. */
  headersAt?: number;
  /**
   * The response headers fetch lets the page read: cross-origin, only the
   * CORS-safelisted ones and those in `Access-Control-Expose-Headers`.
   */
  responseHeaders: [string, string][];
  /** Frames of an enveloped body (Connect streaming, gRPC-Web), in order. */
  frames: WireFrame[];
  /** Response body bytes read so far. */
  bodyBytes: number;
  /** When the body's last byte was read. */
  endAt?: number;
  /** Set when fetch itself failed: no HTTP response reached the page (CORS, network). */
  failed?: string;
}

/**
 * Wraps `fetchFn` so that one call's wire is recorded in `record`: request
 * headers, status, readable response headers, and, as they stream in, the
 * frames of an enveloped body. The response is passed on unchanged (same
 * status, headers and bytes); only its body is piped through an observer.
 * A tap is meant for one call: make a new one per call.
 */
export function createWireTap(fetchFn: typeof fetch = globalThis.fetch): {
  fetch: typeof fetch;
  record: WireRecord;
} {
  const record: WireRecord = {
    start: performance.now(),
    requestHeaders: [],
    responseHeaders: [],
    frames: [],
    bodyBytes: 0,
  };
  const now = () => performance.now() - record.start;
  const tapped: typeof fetch = async (input, init) => {
    record.start = performance.now();
    record.requestHeaders = [...new Headers(init?.headers)];
    let res: Response;
    try {
      res = await fetchFn(input, init);
    } catch (e) {
      record.failed = e instanceof Error ? e.message : String(e);
      throw e;
    }
    record.headersAt = now();
    record.status = res.status;
    record.responseHeaders = [...res.headers];
    if (!res.body) return res;
    const type = res.headers.get("content-type") ?? "";
    const grpcWeb = type.startsWith("application/grpc-web");
    const enveloped = grpcWeb || type.startsWith("application/connect+");
    let pending = new Uint8Array();
    const observer = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        out.enqueue(chunk);
        record.bodyBytes += chunk.length;
        if (!enveloped) return;
        const joined = new Uint8Array(pending.length + chunk.length);
        joined.set(pending);
        joined.set(chunk, pending.length);
        pending = joined;
        while (pending.length >= 5) {
          const length = new DataView(pending.buffer, pending.byteOffset).getUint32(1);
          if (pending.length < 5 + length) break;
          record.frames.push(frame(pending[0] ?? 0, pending.slice(5, 5 + length), grpcWeb, now()));
          pending = pending.slice(5 + length);
        }
      },
      flush() {
        record.endAt = now();
      },
    });
    return new Response(res.body.pipeThrough(observer), {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  };
  return { fetch: tapped, record };
}

const decoder = new TextDecoder();

function frame(flags: number, payload: Uint8Array, grpcWeb: boolean, at: number): WireFrame {
  const base = { at, flags, bytes: payload.length };
  if (grpcWeb && flags & 0x80) {
    // gRPC-Web trailers: HTTP/1-style "key: value" lines.
    const fields: [string, string][] = [];
    for (const line of decoder.decode(payload).split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0)
        fields.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
    }
    return { ...base, kind: "trailer-frame", fields };
  }
  if (!grpcWeb && flags & 0x02) {
    // Connect end-of-stream: {"metadata": {"key": ["value"]}, "error": {...}}.
    try {
      const end = JSON.parse(decoder.decode(payload)) as {
        metadata?: Record<string, string[]>;
        error?: { code?: string };
      };
      const fields = Object.entries(end.metadata ?? {}).map(
        ([k, vs]) => [k.toLowerCase(), vs.join(", ")] as [string, string],
      );
      return { ...base, kind: "end-stream", fields, errorCode: end.error?.code };
    } catch {
      return { ...base, kind: "end-stream", fields: [] };
    }
  }
  return { ...base, kind: "message", fields: [] };
}
