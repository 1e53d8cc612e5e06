// The page: wires the form to a call, and the call's outcome to the views.
import { Code } from "@connectrpc/connect";
import { MD } from "@hello-metadata/metadata";
import { readCallSettings } from "./call-settings.js";
import { apiBase, isCrossOrigin, protocols } from "./client.js";
import { byId, el, ms } from "./dom.js";
import { createEditor } from "./editor.js";
import { hiddenKeys } from "./hidden-keys.js";
import { showHops } from "./hops-view.js";
import { createResultView } from "./result-view.js";
import { runCall } from "./run-call.js";
import { createEventLog } from "./stream-view.js";
import { showWire } from "./wire-view.js";

const form = byId<HTMLFormElement>("call");
const send = byId<HTMLButtonElement>("send");
const cancel = byId<HTMLButtonElement>("cancel");
const hops = byId("hop-reports");
const hopTemplate = byId<HTMLTemplateElement>("hop-template");
const view = createResultView();
const events = createEventLog(byId<HTMLOListElement>("events"));
const editor = createEditor(
  byId<HTMLOListElement>("rows"),
  byId<HTMLTemplateElement>("row-template"),
  byId<HTMLButtonElement>("add-row"),
  byId("md-size"),
  byId("md-size-warning"),
);
const crossOrigin = isCrossOrigin();
byId("api-base").textContent = apiBase();
byId(crossOrigin ? "api-cross" : "api-same").hidden = false;
for (let c = 1; c <= 16; c++) {
  byId("fail-code").append(el("option", { value: c }, `${c} ${Code[c]}`));
}

/** Shows the fields of the chosen method only, and names the send button after it. */
function syncMethod(): void {
  const rpc = readCallSettings(form).rpc;
  for (const f of form.querySelectorAll<HTMLElement>("[data-for]")) {
    f.hidden = f.dataset.for !== rpc;
  }
  send.textContent = rpc === "stream" ? "SayHelloStream" : "SayHello";
}
form.addEventListener("change", (e) => {
  if ((e.target as HTMLInputElement).name === "rpc") syncMethod();
});

/** The call in flight; a new call replaces it. */
let running: AbortController | undefined;

function setRunning(controller: AbortController | undefined): void {
  if (!controller && document.activeElement === cancel) send.focus();
  running = controller;
  cancel.disabled = !controller;
  byId("result").ariaBusy = String(!!controller);
}
cancel.addEventListener("click", () => running?.abort());

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const ctx = editor.read();
  if (!ctx) {
    view.status("Not sent: fix the metadata row marked below.", "error");
    return;
  }
  running?.abort();
  const s = readCallSettings(form);
  const streaming = s.rpc === "stream";
  const controller = new AbortController();
  const current = () => running === controller;
  setRunning(controller);
  view.status(`Calling ${send.textContent}…`, "busy");
  view.message("");
  view.error(undefined);
  byId("server-report").hidden = true;
  events.clear();
  byId("stream").hidden = !streaming;

  const out = await runCall(s, ctx, controller.signal, {
    headers(h, at) {
      if (!current()) return;
      events.add("headers", formatPairs(h), at);
      view.metadata(h, new MD(), []);
    },
    message(m, at) {
      if (!current()) return;
      events.add("message", m.message, at);
      view.message(m.message);
    },
  });
  if (!current()) return;
  setRunning(undefined);
  const { header: h, trailer: t, error } = out;
  if (streaming) {
    if (!error || t.length > 0) events.add("trailers", formatPairs(t), out.durationMs);
    if (error) events.add("error", `${Code[error.code]}: ${error.rawMessage}`, out.durationMs);
  }
  const hidden = hiddenKeys(
    out.keysSet,
    h,
    t,
    crossOrigin,
    s.protocol !== "grpc-web" && !streaming,
  );
  view.metadata(h, t, hidden);
  view.error(error);
  byId("server-report").hidden = !out.response;
  if (out.response) view.message(out.response.message);
  view.received(out.response?.received);
  showHops(hops, hopTemplate, out.response?.hops);
  view.status(
    error
      ? `Error: ${error.message}${out.record.failed ? " — no response reached the page" : ""}`
      : `OK · ${protocols[s.protocol]} · ${ms(out.durationMs)}`,
    error ? "error" : "ok",
  );
  showWire(byId<HTMLTableElement>("wire"), byId("wire-summary"), {
    ...out,
    protocol: s.protocol,
    streaming,
    hidden,
  });
});

/** `key=value` pairs of `md`, for the event log; bytes are counted, not shown. */
function formatPairs(md: MD): string {
  const pairs = md
    .entries()
    .map(([k, vs]) => `${k}=${vs.map((v) => (typeof v === "string" ? v : `${v.length} bytes`))}`);
  return pairs.join("  ") || "(none)";
}

syncMethod();
editor.addRow();
