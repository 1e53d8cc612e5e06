// An HTTP/2 case (http2-grammar.ts) compiled to the exact bytes a client
// writes: the preface, the client's SETTINGS, each stream's HEADERS (split
// over CONTINUATION, padded, with priority) and DATA, resets and window
// updates, and the extra frames placed among them, each with a one-line
// description for reports. Header blocks are HPACK literals (hpack.ts), so
// every byte of every field goes out as generated.
import { type Call, callOf } from "./calls.js";
import { encodeHeaderBlock, type HeaderField } from "./hpack.js";
import {
  continuationFrame,
  dataFrame,
  encodeFrame,
  frameName,
  frameType,
  goawayFrame,
  headersFrame,
  pingFrame,
  preface,
  priorityFrame,
  rstStreamFrame,
  settingsFrame,
  windowUpdateFrame,
} from "./http2-frames.js";
import type { Choice, ExtraFrame, Http2Case, StreamScript } from "./http2-grammar.js";
import type { ServerSurface } from "./routes.js";

/** The header fields of a stream, in the order the spec says, as latin1 name/value pairs. */
export function streamFields(s: StreamScript, call: Call): HeaderField[] {
  const p = s.pseudo;
  const authority = "localhost";
  const pseudo: [string, string][] = [];
  const put = <N extends string>(
    name: string,
    choice: Choice<N>,
    value: (n: N | "default") => string,
  ) => {
    if (choice === "missing") return;
    if (typeof choice === "object") {
      pseudo.push([name, choice.value]);
      return;
    }
    const v = value(choice === "twice" ? "default" : choice);
    pseudo.push([name, v]);
    if (choice === "twice") pseudo.push([name, v]);
  };
  put(":method", p.method, () => call.method);
  put(":scheme", p.scheme, (n) => (n === "default" ? "http" : n));
  put(":authority", p.authority, () => authority);
  put(":path", p.path, (n) => {
    switch (n) {
      case "empty":
        return "";
      case "asterisk":
        return "*";
      case "no-slash":
        return call.path.replace(/^\/+/, "");
      case "absolute":
        return `http://${authority}${call.path}`;
      default:
        return call.path;
    }
  });
  pseudo.push(...p.extra.map(([k, v]): [string, string] => [k, v]));
  const regular: [string, string][] = call.headers.map(([k, v]) => [
    s.nameCase === "upper" ? k.toUpperCase() : k,
    v,
  ]);
  if (p.host === "same") regular.push(["host", authority]);
  else if (p.host !== "none") regular.push(["host", p.host.value]);
  regular.push(...s.extraFields.map(([k, v]): [string, string] => [k, v]));
  let ordered: [string, string][];
  if (p.order === "pseudo-first") ordered = [...pseudo, ...regular];
  else if (p.order === "regular-first") ordered = [...regular, ...pseudo];
  else ordered = interleave(pseudo, regular);
  const literal = s.block.kind === "hpack" ? s.block.literal : "without-indexing";
  return ordered.map(([name, value]) => ({ name, value, kind: literal }));
}

function interleave<T>(a: readonly T[], b: readonly T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < b.length) out.push(b[i] as T);
    if (i < a.length) out.push(a[i] as T);
  }
  return out;
}

function headerBlock(s: StreamScript, call: Call): Buffer {
  const fields = streamFields(s, call);
  switch (s.block.kind) {
    case "hpack":
      return encodeHeaderBlock(fields);
    case "table-size":
      return encodeHeaderBlock(fields, s.block.size);
    case "raw":
      return Buffer.from(s.block.bytes, "latin1");
    case "suffix":
      return Buffer.concat([encodeHeaderBlock(fields), Buffer.from(s.block.bytes, "latin1")]);
  }
}

/** A frame as compiled, with a one-line description for reports. */
export interface CompiledFrame {
  readonly bytes: Buffer;
  readonly description: string;
}

function frame(bytes: Buffer, description: string): CompiledFrame {
  return { bytes, description };
}

function splitEven(bytes: Buffer, pieces: number): Buffer[] {
  if (pieces <= 1 || bytes.length === 0) return [bytes];
  const step = Math.ceil(bytes.length / pieces);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += step) out.push(bytes.subarray(i, i + step));
  return out;
}

function describeFields(fields: readonly HeaderField[]): string {
  const shown = fields.map(
    (f) =>
      `${JSON.stringify(f.name)}: ${JSON.stringify(f.value.length > 60 ? `${f.value.slice(0, 60)}… (${f.value.length} bytes)` : f.value)}`,
  );
  return `[${shown.join(", ")}]`;
}

/** The frames of one stream, given its id. */
function streamFrames(s: StreamScript, id: number, surface: ServerSurface): CompiledFrame[] {
  const call = callOf(s.call, surface);
  const out: CompiledFrame[] = [];
  const block = headerBlock(s, call);
  const fragments = splitEven(block, s.continuations + 1);
  const noBody = call.body.length === 0 && s.data.end === "last" && !s.trailers;
  const priority = s.priority
    ? {
        dependency: s.priority.dependency === "self" ? id : s.priority.dependency,
        weight: s.priority.weight,
        exclusive: s.priority.exclusive,
      }
    : undefined;
  const blockText =
    s.block.kind === "raw"
      ? `raw HPACK ${JSON.stringify(s.block.bytes)}`
      : describeFields(streamFields(s, call)) +
        (s.block.kind === "hpack" ? "" : ` (${s.block.kind})`);
  fragments.forEach((fragment, i) => {
    const last = i === fragments.length - 1;
    if (i === 0) {
      out.push(
        frame(
          headersFrame(id, fragment, {
            endStream: noBody,
            endHeaders: last,
            padLength: s.headersPad,
            priority,
          }),
          `HEADERS stream=${id}${noBody ? " END_STREAM" : ""}${last ? " END_HEADERS" : ""}${s.headersPad === undefined ? "" : ` PADDED(${s.headersPad})`}${priority ? ` PRIORITY(dep=${priority.dependency})` : ""} ${blockText}`,
        ),
      );
    } else {
      out.push(
        frame(
          continuationFrame(id, fragment, last),
          `CONTINUATION stream=${id}${last ? " END_HEADERS" : ""} (${fragment.length} bytes)`,
        ),
      );
    }
  });
  const rst = s.after.kind === "rst" ? s.after : undefined;
  if (rst?.beforeData)
    out.push(frame(rstStreamFrame(id, rst.code), `RST_STREAM stream=${id} code=${rst.code}`));
  if (!noBody) {
    const pieces = splitEven(call.body, s.data.pieces);
    pieces.forEach((piece, i) => {
      const endStream = i === pieces.length - 1 && s.data.end === "last" && !s.trailers;
      out.push(
        frame(
          dataFrame(id, piece, { endStream, padLength: s.data.padLength }),
          `DATA stream=${id}${endStream ? " END_STREAM" : ""} (${piece.length} bytes${s.data.padLength === undefined ? "" : `, padded ${s.data.padLength}`}) ${JSON.stringify(piece.subarray(0, 48).toString("latin1"))}`,
        ),
      );
    });
    if (s.data.end === "empty-frame" && !s.trailers) {
      out.push(
        frame(
          dataFrame(id, Buffer.alloc(0), { endStream: true }),
          `DATA stream=${id} END_STREAM (0 bytes)`,
        ),
      );
    }
    if (s.trailers) {
      const fields = [{ name: "x-trailer", value: "1" }];
      out.push(
        frame(
          headersFrame(id, encodeHeaderBlock(fields), { endStream: true }),
          `HEADERS stream=${id} END_STREAM END_HEADERS (trailers) ${describeFields(fields)}`,
        ),
      );
    }
  }
  if (rst && !rst.beforeData)
    out.push(frame(rstStreamFrame(id, rst.code), `RST_STREAM stream=${id} code=${rst.code}`));
  if (s.after.kind === "window") {
    out.push(
      frame(
        windowUpdateFrame(id, s.after.increment),
        `WINDOW_UPDATE stream=${id} increment=${s.after.increment}`,
      ),
    );
  }
  return out;
}

const minimalRequest = encodeHeaderBlock([
  { name: ":method", value: "POST" },
  { name: ":scheme", value: "http" },
  { name: ":path", value: "/hello.v1.HelloService/SayHello" },
  { name: ":authority", value: "localhost" },
  { name: "content-type", value: "application/grpc" },
]);

function extraFrames(e: ExtraFrame, lastStream: number): CompiledFrame[] {
  const b = (s: string) => Buffer.from(s, "latin1");
  switch (e.kind) {
    case "ping":
      return [
        frame(pingFrame(b(e.data), e.ack), `PING${e.ack ? " ACK" : ""} ${JSON.stringify(e.data)}`),
      ];
    case "settings":
      return [
        frame(
          settingsFrame(e.entries, e.ack),
          `SETTINGS${e.ack ? " ACK" : ""} ${JSON.stringify(e.entries)}`,
        ),
      ];
    case "window": {
      const stream = e.onStream ? lastStream : 0;
      return [
        frame(
          windowUpdateFrame(stream, e.increment),
          `WINDOW_UPDATE stream=${stream} increment=${e.increment}`,
        ),
      ];
    }
    case "priority":
      return [
        frame(
          priorityFrame(e.stream, e.dependency, e.weight),
          `PRIORITY stream=${e.stream} dep=${e.dependency} weight=${e.weight}`,
        ),
      ];
    case "goaway":
      return [frame(goawayFrame(e.last, e.code), `GOAWAY last=${e.last} code=${e.code}`)];
    case "rst":
      return [
        frame(rstStreamFrame(e.stream, e.code), `RST_STREAM stream=${e.stream} code=${e.code}`),
      ];
    case "continuation":
      return [
        frame(
          continuationFrame(e.stream, b(e.bytes), true),
          `CONTINUATION stream=${e.stream} END_HEADERS ${JSON.stringify(e.bytes)}`,
        ),
      ];
    case "data":
      return [
        frame(
          dataFrame(e.stream, b(e.bytes)),
          `DATA stream=${e.stream} ${JSON.stringify(e.bytes)}`,
        ),
      ];
    case "push-promise":
      return [
        frame(
          encodeFrame(
            frameType.pushPromise,
            0x4,
            e.stream,
            Buffer.concat([Buffer.from([0, 0, 0, 2]), minimalRequest]),
          ),
          `PUSH_PROMISE stream=${e.stream} promised=2`,
        ),
      ];
    case "unknown":
      return [
        frame(
          encodeFrame(e.type, e.flags, e.stream, b(e.bytes)),
          `TYPE_0x${e.type.toString(16)} flags=0x${e.flags.toString(16)} stream=${e.stream} ${JSON.stringify(e.bytes)}`,
        ),
      ];
    case "lying-length": {
      const payload = Buffer.alloc(8);
      const stream = e.type === frameType.settings || e.type === frameType.ping ? 0 : 1;
      return [
        frame(
          encodeFrame(e.type, 0, stream, payload, { length: e.declared }),
          `${frameName[e.type]} stream=${stream} declaring ${e.declared} bytes, carrying 8`,
        ),
      ];
    }
    case "flood":
      return flood(e.frame, e.count, lastStream);
  }
}

/** `count` small frames of one kind; a rapid reset opens and resets new streams after `lastStream`. */
function flood(
  kind: Extract<ExtraFrame, { kind: "flood" }>["frame"],
  count: number,
  lastStream: number,
): CompiledFrame[] {
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    if (kind === "ping") frames.push(pingFrame(Buffer.alloc(8, i)));
    else if (kind === "settings") frames.push(settingsFrame([]));
    else if (kind === "empty-data")
      frames.push(dataFrame(Math.max(1, lastStream), Buffer.alloc(0)));
    else if (kind === "continuation")
      frames.push(
        continuationFrame(
          Math.max(1, lastStream),
          Buffer.from([0x00, 0x01, 0x61, 0x01, 0x62]),
          false,
        ),
      );
    else {
      const id = lastStream + 2 + 2 * i;
      frames.push(headersFrame(id, minimalRequest), rstStreamFrame(id, 0x8));
    }
  }
  return [
    frame(
      Buffer.concat(frames),
      `${count} × ${kind === "rapid-reset" ? "HEADERS+RST_STREAM(CANCEL) on new streams" : kind}`,
    ),
  ];
}

function streamId(style: StreamScript["id"], next: number, last: number): number {
  switch (style) {
    case "next":
      return next;
    case "even":
      return next + 1;
    case "zero":
      return 0;
    case "reuse":
      return Math.max(1, last);
    case "lower":
      return Math.max(1, last - 2);
    case "max":
      return 0x7fffffff;
  }
}

/** Every frame of the case, in order, with the preface first. */
export function http2Frames(c: Http2Case, surface: ServerSurface): CompiledFrame[] {
  const head: CompiledFrame[] = [];
  if (c.preface !== "full")
    return [
      frame(preface.subarray(0, c.preface.cut), `preface, first ${c.preface.cut} bytes only`),
    ];
  head.push(frame(preface, "preface"));
  if (c.settings !== "none")
    head.push(frame(settingsFrame(c.settings), `SETTINGS ${JSON.stringify(c.settings)}`));
  if (c.settingsAck) head.push(frame(settingsFrame([], true), "SETTINGS ACK"));
  const body: CompiledFrame[] = [];
  let next = 1;
  let last = 0;
  for (const s of c.streams) {
    const id = streamId(s.id, next, last);
    body.push(...streamFrames(s, id, surface));
    last = id;
    if (id >= next) next = id + (id % 2 === 0 ? 1 : 2);
  }
  const placed = [...c.extras].sort((a, b) => a.at - b.at);
  const out = [...body];
  for (const [i, e] of placed.entries()) {
    const at = Math.min(out.length, Math.floor((body.length * e.at) / 1000) + i);
    out.splice(at, 0, ...extraFrames(e.frame, last));
  }
  return [...head, ...out];
}

/** The whole case's bytes. */
export function http2CaseBytes(c: Http2Case, surface: ServerSurface): Buffer {
  return Buffer.concat(http2Frames(c, surface).map((f) => f.bytes));
}

/** A one-line name for the case: its first stream's route. */
export function http2Label(c: Http2Case, surface: ServerSurface): string {
  const first = c.streams[0];
  if (!first || c.preface !== "full") return "h2 (no request)";
  return `h2 ${callOf(first.call, surface).label}`;
}
