// An attacker's HTTP/2 connection, written frame by frame on a raw TCP
// socket (the survival fuzzer's frame and HPACK encoders): it says what it
// is told, reads (or does not read) what the server answers, and counts the
// frames that tell what the server did to it — GOAWAY and RST_STREAM by
// error code, HEADERS, DATA — and how the connection ended.
import { connect, type Socket } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  HelloService,
  SayHelloRequestSchema,
  SayHelloStreamRequestSchema,
} from "../../gen/hello/v1/hello_pb.js";
import { encodeHeaderBlock } from "../fuzz/hpack.js";
import {
  dataFrame,
  errorName,
  flag,
  frameType,
  headersFrame,
  pingFrame,
  preface,
  settingsFrame,
} from "../fuzz/http2-frames.js";
import { rpcPath } from "../kit/rpc-path.js";
import type { Tally } from "./tally.js";

/** Options of {@link openRawH2}. */
export interface RawH2Options {
  /** The loopback address the connection comes from (127.0.0.3, …): the client it stands for. */
  readonly localAddress: string;
  /** SETTINGS sent right after the preface, as `[id, value]`. */
  readonly settings?: readonly (readonly [number, number])[];
  /** Where what the server did is counted. */
  readonly tally: Tally;
  /** Answer the server's SETTINGS and PINGs with ACKs, as a real client does (default true). */
  readonly ack?: boolean;
  /** How long to wait for the TCP connection; default 5 s. */
  readonly connectTimeoutMs?: number;
}

/** One attacker connection. */
export interface RawH2 {
  readonly socket: Socket;
  /** Writes bytes; false when the socket's buffer is full (wait for `drained`). */
  write(bytes: Buffer): boolean;
  /** Resolves when the socket can take more (at once when it can). */
  drained(): Promise<void>;
  /** Stops reading: the server's answers pile up in its own buffers and the kernel's. */
  stopReading(): void;
  /** Reads again. */
  startReading(): void;
  /** Whether the server sent GOAWAY, and with which code. */
  readonly goaway: number | undefined;
  /** Whether the socket has closed. */
  readonly closed: boolean;
  /** Resolves when it closes. */
  readonly done: Promise<void>;
  destroy(): void;
}

/**
 * Connects from `localAddress`, writes the preface and SETTINGS, and
 * resolves once connected. Never rejects: a connection that fails is
 * counted (`connect ECONNREFUSED`, …) and comes back closed. Counted in
 * `tally`: `connections`, every GOAWAY(code) and RST_STREAM(code),
 * `HEADERS` and `DATA` frames, and `closed by server` (the server ended the
 * connection; with no frame before it, `closed before any frame`).
 */
export function openRawH2(url: string, o: RawH2Options): Promise<RawH2> {
  const { hostname, port } = new URL(url);
  const ack = o.ack ?? true;
  const socket = connect({ host: hostname, port: Number(port), localAddress: o.localAddress });
  socket.setNoDelay(true);
  let pending: Buffer = Buffer.alloc(0);
  let goaway: number | undefined;
  let closed = false;
  let frames = 0;
  let connected = false;
  let ourClose = false;
  const tally = o.tally;
  const done = new Promise<void>((resolve) => {
    socket.once("close", () => {
      closed = true;
      if (connected && !ourClose) {
        tally.add(frames === 0 ? "closed before any frame" : "closed by server");
      }
      resolve();
    });
  });
  socket.on("error", (e: NodeJS.ErrnoException) => {
    if (!connected) tally.add(`connect ${e.code ?? e.message}`);
    else if (!ourClose && e.code !== "ECONNRESET" && e.code !== "EPIPE")
      tally.add(`error ${e.code ?? e.message}`);
  });
  socket.on("data", (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    while (at + 9 <= pending.length) {
      const length = pending.readUIntBE(at, 3);
      if (at + 9 + length > pending.length) break;
      const type = pending[at + 3] as number;
      const flags = pending[at + 4] as number;
      const payload = pending.subarray(at + 9, at + 9 + length);
      frames++;
      if (type === frameType.goaway && length >= 8) {
        goaway = payload.readUInt32BE(4);
        tally.add(`GOAWAY(${errorName[goaway] ?? goaway})`);
      } else if (type === frameType.rstStream && length >= 4) {
        const code = payload.readUInt32BE(0);
        tally.add(`RST_STREAM(${errorName[code] ?? code})`);
      } else if (type === frameType.headers) {
        tally.add("HEADERS");
      } else if (type === frameType.data) {
        tally.add("DATA");
      } else if (ack && type === frameType.settings && (flags & flag.ack) === 0) {
        socket.write(settingsFrame([], true));
      } else if (ack && type === frameType.ping && (flags & flag.ack) === 0) {
        socket.write(pingFrame(payload, true));
      }
      at += 9 + length;
    }
    pending = pending.subarray(at);
  });
  const raw: RawH2 = {
    socket,
    write: (bytes) => !socket.destroyed && socket.write(bytes),
    drained: () =>
      socket.destroyed || !socket.writableNeedDrain
        ? Promise.resolve()
        : new Promise((resolve) => {
            const go = () => {
              socket.off("drain", go);
              socket.off("close", go);
              resolve();
            };
            socket.on("drain", go);
            socket.on("close", go);
          }),
    stopReading: () => socket.pause(),
    startReading: () => socket.resume(),
    get goaway() {
      return goaway;
    },
    get closed() {
      return closed;
    },
    done,
    destroy: () => {
      ourClose = true;
      socket.destroy();
    },
  };
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      tally.add("connect timeout");
      raw.destroy();
      resolve(raw);
    }, o.connectTimeoutMs ?? 5_000);
    socket.once("connect", () => {
      clearTimeout(timer);
      connected = true;
      tally.add("connections");
      socket.write(Buffer.concat([preface, settingsFrame(o.settings ?? [])]));
      resolve(raw);
    });
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(raw);
    });
  });
}

const sayHelloPath = rpcPath(HelloService.method.sayHello);
const sayHelloStreamPath = rpcPath(HelloService.method.sayHelloStream);

/** A gRPC request's HEADERS block for `path` (literal fields, no Huffman, no indexing). */
export function grpcHeaderBlock(path: string, authority: string): Buffer {
  return encodeHeaderBlock([
    { name: ":method", value: "POST" },
    { name: ":scheme", value: "http" },
    { name: ":path", value: path },
    { name: ":authority", value: authority },
    { name: "content-type", value: "application/grpc" },
    { name: "te", value: "trailers" },
  ]);
}

function envelope(message: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** What one attacker stream asks for. */
export type FloodCall =
  | { readonly rpc: "SayHello"; readonly name: string }
  | {
      readonly rpc: "SayHelloStream";
      readonly name: string;
      readonly count: number;
      readonly intervalMs: number;
    };

/**
 * One whole gRPC call on stream `streamId`: HEADERS, then the request
 * message in one DATA frame with END_STREAM (it must fit the server's
 * initial stream window, 65,535 bytes).
 */
export function grpcCallFrames(streamId: number, call: FloodCall, authority: string): Buffer {
  const message =
    call.rpc === "SayHello"
      ? toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name: call.name }))
      : toBinary(
          SayHelloStreamRequestSchema,
          create(SayHelloStreamRequestSchema, {
            name: call.name,
            count: call.count,
            intervalMs: call.intervalMs,
          }),
        );
  const path = call.rpc === "SayHello" ? sayHelloPath : sayHelloStreamPath;
  return Buffer.concat([
    headersFrame(streamId, grpcHeaderBlock(path, authority)),
    dataFrame(streamId, envelope(message), { endStream: true }),
  ]);
}
