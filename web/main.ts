import { ConnectError } from "@connectrpc/connect";
import {
  appendToOutgoingContext,
  callOptions,
  checkValue,
  checkWritableKey,
  encodeStandardBase64,
  header,
  MD,
  trailer,
} from "../metadata/index.js";
import { createHelloClient } from "./client.js";

const client = createHelloClient();

const form = byId<HTMLFormElement>("call");
const nameInput = byId<HTMLInputElement>("name");
const rows = byId<HTMLOListElement>("rows");
const template = byId<HTMLTemplateElement>("row-template");
const statusLine = byId<HTMLParagraphElement>("status");
const messageLine = byId<HTMLParagraphElement>("message");
const table = byId<HTMLTableElement>("metadata");

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
}

/** Adds a key/value row, labelled for assistive technology, and focuses its key. */
function addRow(key = "", value = "", focus = false): void {
  const li = template.content.firstElementChild?.cloneNode(true) as HTMLLIElement;
  const n = rows.children.length + 1;
  const keyInput = li.querySelector<HTMLInputElement>(".key");
  const valueInput = li.querySelector<HTMLInputElement>(".value");
  const remove = li.querySelector<HTMLButtonElement>(".remove");
  if (!keyInput || !valueInput || !remove) return;
  keyInput.value = key;
  valueInput.value = value;
  keyInput.setAttribute("aria-label", `Metadata key ${n}`);
  valueInput.setAttribute("aria-label", `Metadata value ${n}`);
  remove.setAttribute("aria-label", `Remove metadata row ${n}`);
  remove.addEventListener("click", () => {
    const next = li.nextElementSibling ?? li.previousElementSibling;
    li.remove();
    (next?.querySelector<HTMLInputElement>(".key") ?? byId("add-row")).focus();
  });
  rows.append(li);
  if (focus) keyInput.focus();
}

/**
 * Builds the outgoing context from the rows with `appendToOutgoingContext`,
 * checking each row with the library's validation first. Returns undefined,
 * with the message shown on the offending row, when a row is invalid.
 */
function outgoingFromRows() {
  let ctx = appendToOutgoingContext(undefined);
  let ok = true;
  for (const li of rows.querySelectorAll<HTMLLIElement>(".row")) {
    const key = li.querySelector<HTMLInputElement>(".key")?.value.trim() ?? "";
    const value = li.querySelector<HTMLInputElement>(".value")?.value ?? "";
    const error = li.querySelector<HTMLSpanElement>(".row-error");
    if (error) error.textContent = "";
    if (key === "" && value === "") continue;
    const problem = checkWritableKey(key) ?? checkValue(key, value);
    if (problem || key.toLowerCase().endsWith("-bin")) {
      if (error) {
        error.textContent =
          problem?.message ?? "binary (-bin) keys are not supported in this editor yet";
      }
      if (ok) li.querySelector<HTMLInputElement>(".key")?.focus();
      ok = false;
      continue;
    }
    ctx = appendToOutgoingContext(ctx, key, value);
  }
  return ok ? ctx : undefined;
}

function showMetadata(h: MD, t: MD): void {
  const body = table.tBodies[0];
  if (!body) return;
  body.replaceChildren();
  for (const [kind, md] of [
    ["header", h],
    ["trailer", t],
  ] as const) {
    for (const [key, values] of md.entries()) {
      for (const v of values) {
        const tr = body.insertRow();
        tr.dataset.kind = kind;
        tr.dataset.key = key;
        tr.insertCell().textContent = kind;
        tr.insertCell().textContent = key;
        tr.insertCell().textContent =
          typeof v === "string" ? v : `base64:${encodeStandardBase64(v)}`;
      }
    }
  }
  table.hidden = body.rows.length === 0;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const ctx = outgoingFromRows();
  if (!ctx) {
    statusLine.textContent = "Not sent: fix the metadata row marked below.";
    statusLine.classList.add("error");
    return;
  }
  const h = new MD();
  const t = new MD();
  statusLine.textContent = "Calling…";
  statusLine.classList.remove("error");
  try {
    const res = await client.sayHello(
      { name: nameInput.value },
      callOptions(ctx, header(h), trailer(t)),
    );
    statusLine.textContent = "OK";
    messageLine.textContent = res.message;
  } catch (e) {
    const err = ConnectError.from(e);
    statusLine.textContent = `Error: ${err.message}`;
    statusLine.classList.add("error");
    messageLine.textContent = "";
  }
  showMetadata(h, t);
});

byId("add-row").addEventListener("click", () => addRow("", "", true));
addRow();
