import type { Protocol } from "./client.js";

/** Everything about a call except its metadata, as the form says it. */
export interface CallSettings {
  readonly protocol: Protocol;
  /** `unary` calls SayHello, `stream` calls SayHelloStream. */
  readonly rpc: "unary" | "stream";
  readonly name: string;
  /** SayHello: further servers to call first (the server allows 0-8). */
  readonly hops: number;
  /**
   * SayHello: how long the last hop waits before answering. SayHelloStream:
   * how long after the headers the first message comes.
   */
  readonly delayMs: number;
  /** SayHelloStream: how many messages, and how far apart. */
  readonly count: number;
  readonly intervalMs: number;
  /** The call's timeout, passed to Connect as `timeoutMs`; undefined for none. */
  readonly timeoutMs: number | undefined;
  /** A gRPC code (1-16) for the last hop to fail with; 0 for success. */
  readonly failCode: number;
}

/**
 * Reads the call settings from `form` by control name (`protocol`, `rpc`,
 * `name`, `hops`, `delayMs`, `count`, `intervalMs`, `timeoutMs`,
 * `failCode`). Numbers are whole and at least 0 (a protobuf uint32 cannot
 * hold less); upper bounds are the server's to enforce, so that its
 * `InvalidArgument` can be seen. An empty or 0 timeout means none.
 */
export function readCallSettings(form: HTMLFormElement): CallSettings {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? "");
  const whole = (name: string) => {
    const n = Math.trunc(Number(text(name)));
    return Number.isFinite(n) ? Math.min(Math.max(n, 0), 0xffffffff) : 0;
  };
  const timeout = whole("timeoutMs");
  return {
    protocol: text("protocol") as Protocol,
    rpc: text("rpc") === "stream" ? "stream" : "unary",
    name: text("name"),
    hops: whole("hops"),
    delayMs: whole("delayMs"),
    count: whole("count"),
    intervalMs: whole("intervalMs"),
    timeoutMs: timeout > 0 ? timeout : undefined,
    failCode: whole("failCode"),
  };
}
