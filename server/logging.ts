import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { defaultSafeKeys, redactMD } from "@hello-metadata/metadata";
import { readMetadata, rpcProtocolOf } from "@hello-metadata/metadata/internal";
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
 * Logs one structured line per call when it ends: procedure, protocol,
 * status code, duration, the request id, and the request metadata with
 * values redacted by the library (`redactMD`) except for `safeKeys`
 * (default: x-request-id, traceparent). Metadata that fails to parse is
 * logged as its keys only.
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
      let metadata: Record<string, unknown>;
      try {
        metadata = redactMD(readMetadata(req.header), { safeKeys });
      } catch {
        metadata = Object.fromEntries([...req.header.keys()].map((k) => [k, "[UNPARSED]"]));
      }
      logger.info(
        {
          procedure: `/${req.service.typeName}/${req.method.name}`,
          protocol: rpcProtocolOf(req.header),
          code,
          durationMs: Number((performance.now() - started).toFixed(3)),
          requestId: req.header.get("x-request-id") ?? undefined,
          metadata,
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
      return { ...res, message: logAtEnd(res.message, done) };
    } catch (e) {
      done(e);
      throw e;
    }
  };
}

async function* logAtEnd<T>(messages: AsyncIterable<T>, done: (e?: unknown) => void) {
  try {
    yield* messages;
    done();
  } catch (e) {
    done(e);
    throw e;
  }
}
