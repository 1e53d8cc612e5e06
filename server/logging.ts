import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { defaultSafeKeys, isBinaryKey, isProtocolHeader } from "@hello-metadata/metadata";
import { rpcProtocolOf } from "@hello-metadata/metadata/internal";
import { clientAddressKey } from "@hello-metadata/node-server";
import { type DestinationStream, type Logger, pino } from "pino";
import { createLineWriter, type LineWriter } from "./line-writer.js";

/**
 * Creates the server's logger: JSON lines, level from LOG_LEVEL (default
 * info), on `destination` or else stdout through pino's asynchronous
 * destination: lines are batched into writes of 4 KiB, and whatever is
 * buffered goes out within 100 ms even when the server is quiet
 * (`flushLogger` before exiting).
 */
export function createLogger(
  level = process.env.LOG_LEVEL ?? "info",
  destination?: DestinationStream,
): Logger {
  const options = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  if (destination) return pino(options, destination);
  const logger = pino(options, pino.destination({ dest: 1, sync: false, minLength: 4096 }));
  setInterval(() => logger.flush(), 100).unref();
  return logger;
}

/** Writes out what the logger (and the call log on its descriptor) still holds; call before exiting. */
export function flushLogger(logger: Logger): Promise<void> {
  for (const w of lineWriters.values()) w.flushSync();
  return new Promise((resolve) => logger.flush(() => resolve()));
}

/** The call log's writers, one per file descriptor (see line-writer.ts). */
const lineWriters = new Map<number, LineWriter>();

/**
 * Where call lines go: the logger's own file descriptor, through a batching
 * writer that copies each line into a reused buffer (pino's destination
 * builds strings and Buffers per line: about 8 KB of garbage per call), or
 * — for a logger on a stream, as tests make — the stream itself.
 */
function callLineSink(logger: Logger): ((line: string) => void) | undefined {
  const stream = (logger as unknown as Record<symbol, DestinationStream & { fd?: unknown }>)[
    pino.symbols.streamSym
  ];
  if (!stream) return undefined;
  if (typeof stream.fd !== "number") return (line) => stream.write(line);
  const fd = stream.fd;
  let writer = lineWriters.get(fd);
  if (!writer) {
    writer = createLineWriter(fd);
    lineWriters.set(fd, writer);
  }
  const w = writer;
  return (line) => w.write(line);
}

/**
 * How much of a request one log line may carry, whatever the request
 * holds: a client must not be able to flood the log (a 60 KB request once
 * made 190 KB of log).
 */
export const logBounds = {
  /** Metadata keys listed by name; the rest are only counted. */
  maxKeys: 32,
  /** Characters of a key name. */
  maxKeyLength: 64,
  /** Characters of a safe value (x-request-id, traceparent). */
  maxValueLength: 128,
} as const;

/**
 * Logs one JSON line per call when it ends: procedure, protocol, status
 * code, duration, the request id, the client's address (the one a trusted
 * proxy names, behind one), and the request metadata: every key with its
 * value `"[REDACTED]"`, except `safeKeys` (default x-request-id,
 * traceparent), whose values are shown. Every part is bounded (see
 * {@link logBounds}): at most 32 keys by name (`"[more keys]": N` counts
 * the rest), names and safe values cut — so a refused call logs a bounded
 * summary, not its request.
 *
 * The line is built as text in one pass over the request headers (no
 * metadata object, no redacted copy) and written through the logger's own
 * file descriptor in batches (see line-writer.ts): logging every call
 * costs a few percent, not a fifth of the server.
 */
export function loggingInterceptor(
  logger: Logger,
  safeKeys: readonly string[] = defaultSafeKeys,
): Interceptor {
  const safe = new Set(safeKeys);
  const writeLine = callLineSink(logger);
  const procedures = new WeakMap<object, string>();
  return (next) => async (req) => {
    // Below info level there is nothing to log: skip the work entirely.
    if (!logger.isLevelEnabled("info") || !writeLine) return next(req);
    const started = performance.now();
    const done = (error?: unknown) => {
      let procedure = procedures.get(req.method);
      if (procedure === undefined) {
        procedure = JSON.stringify(`/${req.service.typeName}/${req.method.name}`);
        procedures.set(req.method, procedure);
      }
      const code = error === undefined ? "ok" : codeToString(ConnectError.from(error).code);
      const requestId = req.header.get("x-request-id");
      const client = req.contextValues.get(clientAddressKey);
      writeLine(
        `{"level":30,"time":"${new Date().toISOString()}","procedure":${procedure},"protocol":"${rpcProtocolOf(req.header)}","code":"${code}","durationMs":${Number((performance.now() - started).toFixed(3))}${requestId === null ? "" : `,"requestId":${quote(requestId, logBounds.maxValueLength)}`}${client ? `,"client":${JSON.stringify(client)}` : ""},"metadata":${metadataJson(req.header, safe)},"msg":"rpc"}\n`,
      );
    };
    try {
      const res = await next(req);
      if (!res.stream) {
        done();
        return res;
      }
      return { ...res, message: logAtEnd(res.message, done, req.signal) };
    } catch (e) {
      done(e);
      throw e;
    }
  };
}

/** The request metadata as one JSON object: keys, redacted values, bounded. */
function metadataJson(header: Headers, safe: ReadonlySet<string>): string {
  let out = "{";
  let listed = 0;
  let more = 0;
  header.forEach((value, key) => {
    if (isProtocolHeader(key)) return;
    if (listed === logBounds.maxKeys) {
      more++;
      return;
    }
    if (listed > 0) out += ",";
    listed++;
    out += `${quote(key, logBounds.maxKeyLength)}:`;
    if (!safe.has(key)) out += '"[REDACTED]"';
    else if (isBinaryKey(key)) out += `["<${value.length} base64 chars>"]`;
    else out += `[${quote(value, logBounds.maxValueLength)}]`;
  });
  if (more > 0) out += `${listed > 0 ? "," : ""}"[more keys]":${more}`;
  return `${out}}`;
}

/** `text` as a JSON string, cut to `max` characters (marked with …). */
function quote(text: string, max: number): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/**
 * Logs a stream's line when it ends: with its error, or — when it ended
 * because the call was aborted (the client went away, the deadline passed,
 * the server reset it) or was abandoned — with that reason's code, never
 * "ok". A bare abort (no reason) is logged as `canceled`.
 */
async function* logAtEnd<T>(
  messages: AsyncIterable<T>,
  done: (e?: unknown) => void,
  signal: AbortSignal,
) {
  let failed = false;
  try {
    yield* messages;
  } catch (e) {
    failed = true;
    done(e);
    throw e;
  } finally {
    // Also when the stream is abandoned (its consumer returned early).
    if (!failed) done(signal.aborted ? (signal.reason ?? new Error("aborted")) : undefined);
  }
}
