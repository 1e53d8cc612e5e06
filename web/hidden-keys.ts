import type { MD } from "@hello-metadata/metadata";
import type { MetadataKeys } from "../gen/hello/v1/hello_pb.js";

/** A key the server set on the response that the page could not read. */
export interface HiddenKey {
  readonly kind: "header" | "trailer";
  readonly key: string;
  /** Whether CORS explains it (the page is on another origin than the API). */
  readonly byCors: boolean;
  /** One line saying why the page could not read it. */
  readonly reason: string;
}

/**
 * Compares what the server says it set (`keysSet`: a response's `keys_set`,
 * a `hello.v1.MetadataKeys` error detail, or a stream's first message) with
 * what the page captured in `header` and `trailer`, and returns each key the
 * page could not read. Cross-origin, fetch only shows response headers the
 * server lists in `Access-Control-Expose-Headers`. `trailersAsHeaders` says
 * trailers travelled as `trailer-<key>` headers (Connect unary), so CORS
 * could hide them too, under that prefixed name; otherwise they came in the
 * body (gRPC-Web trailer frame, Connect end-of-stream message), where CORS
 * hides nothing. A key missing for another reason is reported as not
 * received.
 */
export function hiddenKeys(
  keysSet: MetadataKeys | undefined,
  header: MD,
  trailer: MD,
  crossOrigin: boolean,
  trailersAsHeaders: boolean,
): HiddenKey[] {
  if (!keysSet) return [];
  const out: HiddenKey[] = [];
  for (const [kind, keys, md] of [
    ["header", keysSet.header, header],
    ["trailer", keysSet.trailer, trailer],
  ] as const) {
    for (const key of keys) {
      if (md.has(key)) continue;
      const asHeader = kind === "header" || trailersAsHeaders;
      const wireName = kind === "trailer" ? `trailer-${key}` : key;
      const byCors = crossOrigin && asHeader;
      out.push({
        kind,
        key,
        byCors,
        reason: byCors
          ? `the server did not list ${wireName} in Access-Control-Expose-Headers`
          : "the server says it set this key, but the page did not receive it",
      });
    }
  }
  return out;
}
