import { isProtocolHeader, type MD } from "@hello-metadata/metadata";
import { type Protocol, protocols } from "./client.js";
import { el, ms } from "./dom.js";
import type { HiddenKey } from "./hidden-keys.js";
import type { WireRecord } from "./wire-tap.js";

/** Everything the wire view needs to know about one finished call. */
export interface WireCall {
  readonly protocol: Protocol;
  readonly streaming: boolean;
  readonly record: WireRecord;
  readonly header: MD;
  readonly trailer: MD;
  readonly hidden: readonly HiddenKey[];
  readonly durationMs: number;
}

/**
 * The mechanisms a piece can travel by, as `data-via` names them, and how
 * the table says it (the page's legend explains each).
 */
const via = {
  "request-header": "request header",
  header: "response header",
  "hidden-header": "response header, hidden by CORS",
  "trailer-header": "response header",
  "trailers-only": "response header (trailers-only response)",
  "end-stream": "end-of-stream message",
  "trailer-frame": "gRPC-Web trailer frame",
  body: "HTTP body",
  "message-frame": "frame",
  "http-status": "HTTP status",
  blocked: "no response reached the page",
  "not-seen": "not seen by fetch",
} as const;

type Via = keyof typeof via;

/** One piece of the call: what it is, how it travelled, when it arrived, and a note. */
type WireRow = [piece: string, key: string, how: Via, at?: number, note?: string];

/**
 * Shows in `table` how each piece of the call travelled, from what the
 * page's fetch actually saw (see `createWireTap`), and in `summary` the
 * protocol and the call's duration. Rows are `<tr data-piece data-wire-key
 * data-via>` (`data-via` one of {@link via}'s keys).
 */
export function showWire(table: HTMLTableElement, summary: HTMLElement, call: WireCall): void {
  const { record: r } = call;
  summary.textContent = `${protocols[call.protocol]}, ${call.streaming ? "server streaming" : "unary"}: ${ms(call.durationMs)} in all${r.headersAt === undefined ? "" : `, response headers after ${ms(r.headersAt)}`}.`;
  (table.tBodies[0] as HTMLTableSectionElement).replaceChildren(
    ...wireRows(call).map(([piece, key, how, at, note]) =>
      el(
        "tr",
        { "data-piece": piece, "data-wire-key": key || undefined, "data-via": how },
        el("td", {}, piece, " ", el("code", {}, key)),
        el("td", {}, via[how], note ? `: ${note}` : ""),
        el("td", {}, at === undefined ? "" : `+${at.toFixed(0)} ms`),
      ),
    ),
  );
}

function wireRows({
  record: r,
  protocol,
  streaming,
  header,
  trailer,
  hidden,
}: WireCall): WireRow[] {
  const rows: WireRow[] = [];
  const got = new Map(r.responseHeaders);
  for (const [name, value] of r.requestHeaders) {
    if (name === "content-type") rows.unshift(["protocol", name, "request-header", 0, value]);
    else if (/^(connect|grpc)-timeout/.test(name)) {
      rows.push(["deadline", name, "request-header", 0, value]);
    }
  }
  for (const [name] of r.requestHeaders) {
    if (!isProtocolHeader(name)) rows.push(["request metadata", name, "request-header", 0]);
  }
  if (r.failed !== undefined) return [...rows, ["response", "", "blocked", undefined, r.failed]];
  for (const key of header.keys()) rows.push(["header", key, "header", r.headersAt]);
  for (const h of hidden) {
    if (h.byCors) rows.push([h.kind, h.key, "hidden-header", r.headersAt, h.reason]);
  }
  if (protocol !== "grpc-web" && !streaming) {
    const ok = r.status === 200;
    rows.push([
      ok ? "message" : "error",
      "",
      "body",
      r.endAt,
      `${r.bodyBytes} bytes${ok ? ", not enveloped" : " of JSON"}`,
    ]);
  }
  const messages = r.frames.filter((f) => f.kind === "message");
  messages.forEach((f, i) => {
    rows.push(["message", String(i + 1), "message-frame", f.at, `${f.bytes} bytes`]);
  });
  const end = r.frames.find((f) => f.kind !== "message");
  for (const key of trailer.keys()) {
    rows.push(
      got.has(`trailer-${key}`)
        ? ["trailer", key, "trailer-header", r.headersAt, `as trailer-${key}`]
        : end?.fields.some(([k]) => k === key)
          ? ["trailer", key, end.kind as Via, end.at]
          : got.has(key)
            ? ["trailer", key, "trailers-only", r.headersAt]
            : ["trailer", key, "not-seen"],
    );
  }
  const grpcStatus = end?.fields.find(([k]) => k === "grpc-status")?.[1];
  rows.push(
    end?.kind === "end-stream"
      ? ["status", end.errorCode ?? "ok", "end-stream", end.at]
      : grpcStatus && end
        ? ["status", `grpc-status ${grpcStatus}`, "trailer-frame", end.at]
        : protocol === "grpc-web"
          ? ["status", `grpc-status ${got.get("grpc-status")}`, "trailers-only", r.headersAt]
          : [
              "status",
              `${r.status}`,
              "http-status",
              r.headersAt,
              r.status === 200 ? "" : "error in the JSON body",
            ],
  );
  return rows;
}
