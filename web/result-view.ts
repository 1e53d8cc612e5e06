import { Code, type ConnectError } from "@connectrpc/connect";
import { encodeStandardBase64, type MD } from "@hello-metadata/metadata";
import { type MetadataEntry, MetadataKeysSchema } from "../gen/hello/v1/hello_pb.js";
import { byId, el } from "./dom.js";
import type { HiddenKey } from "./hidden-keys.js";

/** How the status line looks: before any call, during one, after. */
export type StatusKind = "idle" | "busy" | "ok" | "error";

/**
 * The result view: the status line (`#status`, announced politely), the
 * message (`#message`), the response metadata table (`#metadata`), the
 * error details (`#error`) and what the server received (`#received`).
 * Every part keeps its place when empty, so nothing jumps when results arrive.
 */
export interface ResultView {
  status(text: string, kind: StatusKind): void;
  message(text: string): void;
  /**
   * Fills the metadata table: one row per value, header rows first, each
   * `<tr data-kind="header|trailer" data-key="…">` with the value in its
   * third cell (`-bin` values as `base64:…`); then one row per hidden key,
   * `<tr data-kind data-hidden-key class="hidden-key">`, flagged "hidden by
   * CORS" (or "not received") with its reason.
   */
  metadata(header: MD, trailer: MD, hidden: readonly HiddenKey[]): void;
  /**
   * Shows an error's code, message and details (`<li data-detail="type">`;
   * a `hello.v1.MetadataKeys` detail decoded, others by type name);
   * `undefined` hides the section.
   */
  error(err: ConnectError | undefined): void;
  /** Lists what the server received (`<li data-received-key>`); undefined clears it. */
  received(entries: readonly MetadataEntry[] | undefined): void;
}

/** Binds the result view to the page's elements. */
export function createResultView(): ResultView {
  const statusLine = byId("status");
  const messageLine = byId("message");
  const table = byId<HTMLTableElement>("metadata");
  const errorSection = byId("error");
  const errorCode = byId("error-code");
  const errorMessage = byId("error-message");
  const errorDetails = byId("error-details");
  const receivedList = byId("received");

  return {
    status(text, kind) {
      statusLine.textContent = text;
      statusLine.dataset.state = kind;
      statusLine.classList.toggle("error", kind === "error");
    },
    message(text) {
      messageLine.textContent = text;
    },
    metadata(header, trailer, hidden) {
      const body = table.tBodies[0] as HTMLTableSectionElement;
      body.replaceChildren();
      for (const [kind, md] of [
        ["header", header],
        ["trailer", trailer],
      ] as const) {
        for (const [key, values] of md.entries()) {
          for (const v of values) {
            const shown = typeof v === "string" ? v : `base64:${encodeStandardBase64(v)}`;
            body.append(
              el("tr", { "data-kind": kind, "data-key": key }, cell(kind), cell(key), cell(shown)),
            );
          }
        }
      }
      for (const h of hidden) {
        body.append(
          el(
            "tr",
            { "data-kind": h.kind, "data-hidden-key": h.key, class: "hidden-key" },
            cell(h.kind),
            cell(h.key),
            el(
              "td",
              {},
              el("strong", { class: "badge" }, h.byCors ? "hidden by CORS" : "not received"),
              " ",
              h.reason,
            ),
          ),
        );
      }
      if (body.rows.length === 0) {
        body.append(el("tr", { class: "empty" }, el("td", { colspan: 3 }, "None.")));
      }
    },
    error(err) {
      errorSection.hidden = !err;
      if (!err) return;
      const keys = err.findDetails(MetadataKeysSchema)[0];
      errorCode.textContent = `${Code[err.code]} (${err.code})`;
      errorMessage.textContent = err.rawMessage;
      errorDetails.replaceChildren(
        ...err.details.map((d) => {
          const type = "type" in d ? d.type : d.desc.typeName;
          return el(
            "li",
            { "data-detail": type },
            type,
            type === MetadataKeysSchema.typeName && keys
              ? `: header keys [${keys.header.join(", ")}], trailer keys [${keys.trailer.join(", ")}]`
              : "",
          );
        }),
      );
      if (err.details.length === 0) errorDetails.append(el("li", {}, "none"));
    },
    received(entries) {
      receivedList.replaceChildren(
        ...(entries ?? []).map((e) =>
          el(
            "li",
            { "data-received-key": e.key },
            el("code", {}, e.key),
            ": ",
            e.values.join(", "),
          ),
        ),
      );
      if (entries?.length === 0) receivedList.append(el("li", {}, "no metadata"));
    },
  };
}

function cell(text: string): HTMLTableCellElement {
  return el("td", {}, text);
}
