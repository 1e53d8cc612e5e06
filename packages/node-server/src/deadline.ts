import type { RpcProtocol } from "@hello-metadata/metadata/internal";

/**
 * The longest delay a Node timer takes (2^31 - 1 ms, about 24.8 days);
 * longer ones fire at once, with a TimeoutOverflowWarning.
 */
export const maxTimerMs = 2 ** 31 - 1;

/**
 * Clamps a request's timeout header to what timers can hold, in place:
 * `grpc-timeout` and `connect-timeout-ms` are legal far beyond 2^31 ms
 * (some clients send their largest value for "no deadline"), and Connect-ES
 * would arm a timer with it that fires at once. A clamped call still gets
 * 24.8 days. Headers that do not parse are left for Connect-ES to refuse.
 */
export function clampTimeoutHeader(header: Headers, protocol: RpcProtocol): void {
  if (protocol === "connect") {
    const raw = header.get("connect-timeout-ms");
    if (raw !== null && /^\d{1,10}$/.test(raw) && Number(raw) > maxTimerMs) {
      header.set("connect-timeout-ms", String(maxTimerMs));
    }
    return;
  }
  const raw = header.get("grpc-timeout");
  const m = raw === null ? null : /^(\d{1,8})([HMSmun])$/.exec(raw);
  if (!m) return;
  const ms = Number(m[1]) * unitMs[m[2] as keyof typeof unitMs];
  if (ms > maxTimerMs) header.set("grpc-timeout", `${Math.floor(maxTimerMs / 1000)}S`);
}

const unitMs = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000001 };
