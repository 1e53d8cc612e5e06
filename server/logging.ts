import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { defaultSafeKeys, type MD, redactMD } from "@hello-metadata/metadata";
import { readMetadata, rpcProtocolOf } from "@hello-metadata/metadata/internal";
import { clientAddressKey } from "@hello-metadata/node-server";
import { type Logger, pino } from "pino";

/** Creates the server's logger: JSON lines on stdout, level from LOG_LEVEL (default info). */
export function createLogger(
  level = process.env.LOG_LEVEL ?? "info",
  destination?: NodeJS.WritableStream,
): Logger {
  const options = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  return destination ? pino(options, destination) : pino(options);
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
 * Logs one structured line per call when it ends: procedure, protocol,
 * status code, duration, the request id, the client's address (the one a
 * trusted proxy names, behind one), and the request metadata with
 * values redacted by the library (`redactMD`) except for `safeKeys`
 * (default: x-request-id, traceparent). Every part is bounded (see
 * {@link logBounds}): at most 32 keys by name (`"[more keys]": N` counts the
 * rest), names and safe values cut, entries that are not valid metadata
 * counted under `"[invalid entries]"` — so a refused call logs a bounded
 * summary, not its request.
 */
export function loggingInterceptor(
  logger: Logger,
  safeKeys: readonly string[] = defaultSafeKeys,
): Interceptor {
  return (next) => async (req) => {
    // Below info level there is nothing to log: skip the work entirely.
    if (!logger.isLevelEnabled("info")) return next(req);
    const started = performance.now();
    const done = (error?: unknown) => {
      const code = error === undefined ? "ok" : codeToString(ConnectError.from(error).code);
      const requestId = req.header.get("x-request-id");
      logger.info(
        {
          procedure: `/${req.service.typeName}/${req.method.name}`,
          protocol: rpcProtocolOf(req.header),
          code,
          durationMs: Number((performance.now() - started).toFixed(3)),
          requestId: requestId === null ? undefined : cut(requestId, logBounds.maxValueLength),
          client: req.contextValues.get(clientAddressKey) || undefined,
          metadata: loggedMetadata(req.header, safeKeys),
        },
        "rpc",
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

/** The request metadata as one log line carries it: redacted, cut, counted. */
function loggedMetadata(header: Headers, safeKeys: readonly string[]): Record<string, unknown> {
  let invalid = 0;
  const md: MD = readMetadata(header, {
    onInvalid: () => {
      invalid++;
    },
  });
  const redacted = redactMD(md, { safeKeys, maxValueLength: logBounds.maxValueLength });
  const out: Record<string, unknown> = {};
  let listed = 0;
  for (const [key, value] of Object.entries(redacted)) {
    if (listed === logBounds.maxKeys) break;
    out[cut(key, logBounds.maxKeyLength)] = value;
    listed++;
  }
  const more = md.length - listed;
  if (more > 0) out["[more keys]"] = more;
  if (invalid > 0) out["[invalid entries]"] = invalid;
  return out;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
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
