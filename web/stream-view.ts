import { el } from "./dom.js";

/** What happened on a stream, in the order the page saw it. */
export type StreamEvent = "headers" | "message" | "trailers" | "error";

/** The ordered, timestamped event log of a streaming call. */
export interface EventLog {
  /** Empties the log. */
  clear(): void;
  /** Appends `<li data-event="kind">` with the time since the call started and `text`. */
  add(kind: StreamEvent, text: string, atMs: number): void;
}

/** An event log in `list` (an `<ol>`, so the order is part of its meaning). */
export function createEventLog(list: HTMLOListElement): EventLog {
  return {
    clear() {
      list.replaceChildren();
    },
    add(kind, text, atMs) {
      list.append(
        el(
          "li",
          { "data-event": kind },
          el("span", { class: "at" }, `+${atMs.toFixed(0)} ms`),
          " ",
          el("strong", {}, kind),
          " ",
          text,
        ),
      );
    },
  };
}
