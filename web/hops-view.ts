import type { HopReport } from "../gen/hello/v1/hello_pb.js";
import { el } from "./dom.js";

/**
 * Shows one entry per hop in `list`, cloned from `template` (an `<li>` with
 * `.index`, `.via`, `.deadline`, `.received`, `.dropped`): the hop's
 * address, the deadline it had left when it started, the metadata it
 * received (`<li data-hop-key>`), and the keys its allow-list dropped
 * instead of forwarding (also as the entry's `data-dropped`, comma-joined).
 * Each entry is `<li data-hop="N">`. `undefined` (no response) clears it.
 */
export function showHops(
  list: HTMLElement,
  template: HTMLTemplateElement,
  hops: readonly HopReport[] | undefined,
): void {
  list.replaceChildren(
    ...(hops ?? []).map((hop) => {
      const li = template.content.firstElementChild?.cloneNode(true) as HTMLLIElement;
      const slot = (cls: string) => li.querySelector(`.${cls}`) as HTMLElement;
      li.dataset.hop = String(hop.index);
      li.dataset.dropped = hop.dropped.join();
      slot("index").textContent = String(hop.index);
      slot("via").textContent = hop.via;
      slot("deadline").textContent =
        hop.deadlineMs === undefined ? "none (no timeout)" : `${hop.deadlineMs} ms`;
      slot("received").append(
        ...hop.received.map((e) =>
          el("li", { "data-hop-key": e.key }, el("code", {}, e.key), `: ${e.values.join(", ")}`),
        ),
      );
      slot("dropped").textContent = hop.dropped.join(", ") || "none";
      return li;
    }),
  );
}
