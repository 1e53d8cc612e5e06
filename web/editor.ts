import type { ContextValues } from "@connectrpc/connect";
import {
  type AnyMDValue,
  appendToOutgoingContext,
  checkWritableKey,
  interopMetadataBytes,
  isBinaryKey,
  MD,
  metadataSize,
  validateMD,
} from "@hello-metadata/metadata";
import { type ValueEncoding, valueToBytes } from "./value-bytes.js";

/** The outgoing-metadata editor: rows of key/value, each optionally binary. */
export interface Editor {
  /**
   * Checks every row with the metadata library (see `readRow`) and returns
   * the outgoing metadata as a context built with `appendToOutgoingContext`,
   * one call per row, in row order; empty rows are skipped. When a row is
   * invalid, every invalid row shows its message (and `aria-invalid` on the
   * offending field), the first such field gets the focus, and the result is
   * undefined: nothing may be sent.
   */
  read(): ContextValues | undefined;
  /** Appends an empty row; with `focus`, its key field gets the focus. */
  addRow(focus?: boolean): void;
}

/** Where a row went wrong: the message, and the field to focus. */
interface RowProblem {
  readonly message: string;
  readonly field: "key" | "value";
}

type RowResult = { key: string; value: AnyMDValue } | RowProblem | undefined;

/**
 * Builds the editor in `list` from `template` (an `<li>` with `.key`,
 * `.value`, `.binary`, `.encoding`, `.remove`, `.row-error`; the value's
 * and each encoding option's `data-placeholder` is the value's hint), wires
 * `addButton`, and keeps `size` showing the running size of the outgoing
 * metadata in bytes (see `metadataSize`, plus the `user-agent` the browser
 * adds) and `warning` saying by how much it is over the server's limit
 * (empty when it is not). Rows are labelled "Metadata key N", "Metadata
 * value N", "Binary value N", "Value N typed as", "Remove metadata row N",
 * and renumbered when one is removed; removing a row moves the focus to the
 * next row's key (or the previous one's, or the add button).
 */
export function createEditor(
  list: HTMLOListElement,
  template: HTMLTemplateElement,
  addButton: HTMLButtonElement,
  size: HTMLElement,
  warning: HTMLElement,
): Editor {
  const rows = () => [...list.querySelectorAll<HTMLLIElement>(".row")];
  const part = <T extends Element>(li: Element, cls: string) => li.querySelector(`.${cls}`) as T;

  const renumber = () =>
    rows().forEach((li, i) => {
      const n = i + 1;
      const error = part<HTMLElement>(li, "row-error");
      error.id = `row-error-${n}`;
      for (const [cls, label] of [
        ["key", `Metadata key ${n}`],
        ["value", `Metadata value ${n}`],
        ["binary", `Binary value ${n}`],
        ["encoding", `Value ${n} typed as`],
        ["remove", `Remove metadata row ${n}`],
      ] as const) {
        const field = part<HTMLElement>(li, cls);
        field.setAttribute("aria-label", label);
        field.setAttribute("aria-describedby", error.id);
      }
    });

  const updateSize = () => {
    const md = new MD();
    for (const li of rows()) {
      const r = readRow(li);
      if (r && "key" in r) md.append(r.key, r.value);
    }
    // The browser adds user-agent to every request, and the server counts it.
    const total = metadataSize(md) + `user-agent${navigator.userAgent}`.length + 32;
    // The server's limit is the interop size the library names (server/limits.ts uses it).
    const over = total - interopMetadataBytes;
    size.textContent = String(total);
    size.parentElement?.classList.toggle("over", over > 0);
    warning.textContent =
      over > 0
        ? `${over} bytes over the server's limit: the call will fail with ResourceExhausted.`
        : "";
  };

  // The value's placeholder says what to type: the row's, or the encoding's when binary.
  const syncBinary = (li: HTMLLIElement) => {
    const binary = part<HTMLInputElement>(li, "binary").checked;
    const encoding = part<HTMLSelectElement>(li, "encoding");
    const value = part<HTMLInputElement>(li, "value");
    encoding.hidden = !binary;
    value.placeholder = `${(binary ? encoding.selectedOptions[0] : value)?.dataset.placeholder}`;
  };

  const showProblem = (li: HTMLLIElement, problem: RowProblem | undefined) => {
    part<HTMLElement>(li, "row-error").textContent = problem?.message ?? "";
    for (const f of ["key", "value"] as const) {
      const input = part<HTMLInputElement>(li, f);
      if (problem?.field === f) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  };

  const addRow = (focus = false) => {
    const li = template.content.firstElementChild?.cloneNode(true) as HTMLLIElement;
    li.addEventListener("input", () => {
      showProblem(li, undefined);
      updateSize();
    });
    li.addEventListener("change", () => {
      syncBinary(li);
      updateSize();
    });
    part<HTMLButtonElement>(li, "remove").addEventListener("click", () => {
      const next = (li.nextElementSibling ?? li.previousElementSibling) as HTMLLIElement | null;
      li.remove();
      renumber();
      updateSize();
      (next ? part<HTMLInputElement>(next, "key") : addButton).focus();
    });
    list.append(li);
    syncBinary(li);
    renumber();
    updateSize();
    if (focus) part<HTMLInputElement>(li, "key").focus();
  };

  addButton.addEventListener("click", () => addRow(true));

  return {
    addRow,
    read() {
      let ctx = appendToOutgoingContext(undefined);
      let first: HTMLInputElement | undefined;
      for (const li of rows()) {
        const r = readRow(li);
        if (r && !("key" in r)) {
          showProblem(li, r);
          first ??= part<HTMLInputElement>(li, r.field);
          continue;
        }
        showProblem(li, undefined);
        if (!r) continue;
        ctx = appendToOutgoingContext(ctx, r.key, r.value);
      }
      first?.focus();
      return first ? undefined : ctx;
    },
  };
}

/**
 * Reads one row through the library's own checks, in this order: the key
 * (`checkWritableKey`: characters, reserved); a binary row needs a `-bin`
 * key and its value converted to bytes; the MD refuses a value of the wrong
 * kind (text on a `-bin` key); `validateMD` then checks a text value
 * (printable ASCII). Returns the key (lowercased) and value, the problem and
 * the field it is in, or undefined for an empty row.
 */
function readRow(li: HTMLLIElement): RowResult {
  const key = (li.querySelector(".key") as HTMLInputElement).value.trim();
  const typed = (li.querySelector(".value") as HTMLInputElement).value;
  const binary = (li.querySelector(".binary") as HTMLInputElement).checked;
  const encoding = (li.querySelector(".encoding") as HTMLSelectElement).value as ValueEncoding;
  if (key === "" && typed === "") return undefined;
  const lower = key.toLowerCase();
  const badKey = checkWritableKey(key);
  if (badKey) return { field: "key", message: badKey.message };
  if (binary && !isBinaryKey(lower)) {
    return {
      field: "key",
      message: `A binary value needs a key ending in -bin (try "${lower}-bin").`,
    };
  }
  let value: AnyMDValue = typed;
  if (binary) {
    try {
      value = valueToBytes(lower, typed, encoding);
    } catch (e) {
      return { field: "value", message: (e as Error).message };
    }
  }
  const md = new MD();
  try {
    md.append(key, value);
  } catch (e) {
    return {
      field: "value",
      message: `${(e as Error).message}: tick "Binary" for this row to send bytes.`,
    };
  }
  // The key passed above, so what validateMD still finds is in the value.
  const bad = validateMD(md);
  if (bad) return { field: "value", message: bad.message };
  return { key: lower, value };
}
