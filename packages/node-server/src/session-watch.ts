import * as http2 from "node:http2";
import type { EngineLog } from "./engine-log.js";
import type { ServerLimits } from "./limits.js";

const { NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_NO_ERROR } = http2.constants;

/**
 * Watches one HTTP/2 session for the three things no stream timer should
 * decide (a stream whose handler runs is never cut for being quiet):
 *
 * - keepalive: while streams are open, the server pings every
 *   `keepaliveIntervalMs`; a ping unanswered for `keepaliveTimeoutMs` means
 *   the peer is dead, and the session is destroyed (its calls end
 *   `unavailable`/cancelled, never "ok");
 * - idleness: a session with no open stream for `idleTimeoutMs` is sent
 *   GOAWAY and closed;
 * - rapid resets: more than `maxResetsPerSecond` streams aborted by the
 *   peer within a second gets the session GOAWAY (ENHANCE_YOUR_CALM) and
 *   `onAbuse` (the client's new connections are refused for a while).
 */
export function watchSession(
  session: http2.ServerHttp2Session,
  limits: ServerLimits,
  hooks: { readonly log: EngineLog; readonly onAbuse: () => void },
): void {
  session.on("error", () => {}); // a broken connection: its streams see it and end
  let open = 0;
  let idle: NodeJS.Timeout | undefined;
  let keepalive: NodeJS.Timeout | undefined;
  let resets = 0;
  let windowStart = Date.now();

  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      if (open === 0 && !session.closed) {
        session.goaway(NGHTTP2_NO_ERROR);
        session.close();
      }
    }, limits.idleTimeoutMs);
    idle.unref();
  };
  const ping = () => {
    if (session.destroyed || open === 0) return;
    let answered = false;
    const deadline = setTimeout(() => {
      if (!answered && !session.destroyed) {
        hooks.log.debug({ peer: session.socket?.remoteAddress }, "keepalive ping unanswered");
        session.destroy();
      }
    }, limits.keepaliveTimeoutMs);
    deadline.unref();
    try {
      session.ping((err) => {
        answered = true;
        clearTimeout(deadline);
        if (err && !session.destroyed) session.destroy();
      });
    } catch {
      clearTimeout(deadline); // the session is closing: nothing to keep alive
    }
  };
  const startKeepalive = () => {
    if (keepalive) return;
    keepalive = setInterval(ping, limits.keepaliveIntervalMs);
    keepalive.unref();
  };
  const stopKeepalive = () => {
    clearInterval(keepalive);
    keepalive = undefined;
  };

  armIdle();
  session.on("stream", (stream: http2.ServerHttp2Stream) => {
    open++;
    clearTimeout(idle);
    startKeepalive();
    stream.once("aborted", () => {
      const now = Date.now();
      if (now - windowStart > 1_000) {
        windowStart = now;
        resets = 0;
      }
      if (++resets > limits.maxResetsPerSecond && !session.closed) {
        hooks.log.warn(
          { peer: session.socket?.remoteAddress, resets },
          "rapid stream resets: connection closed and its client held off",
        );
        hooks.onAbuse();
        session.goaway(NGHTTP2_ENHANCE_YOUR_CALM);
        session.close();
      }
    });
    stream.once("close", () => {
      open--;
      if (open === 0) {
        stopKeepalive();
        armIdle();
      }
    });
  });
  session.once("close", () => {
    clearTimeout(idle);
    stopKeepalive();
  });
}
