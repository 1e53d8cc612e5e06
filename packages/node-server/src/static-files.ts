import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import type { Responder } from "./node-request.js";

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

/** The parts of Node's HTTP/1.1 and HTTP/2 requests this handler reads. */
interface Req {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
}

/**
 * Serves the built web page from `root` for GET and HEAD: `/` is
 * `index.html`, hashed assets are cached for a year, everything else must
 * revalidate. Paths are resolved inside `root` only. Anything that is not a
 * file there gets a plain 404, a path that does not parse 400; other
 * methods get 405. The returned promise never rejects: a file that cannot
 * be read mid-answer resets the response.
 */
export function createStaticHandler(root: string) {
  const base = normalize(root + sep);
  return async (req: Req, res: Responder): Promise<void> => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return send(res, 405, "method not allowed\n", { allow: "GET, HEAD" });
    }
    let path: string;
    try {
      // Only the path matters here; an absolute-form target is routed by its path too.
      path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    } catch {
      return send(res, 400, "bad path\n");
    }
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(base, path));
    if (!file.startsWith(base) || path.includes("\0")) return send(res, 404, "not found\n");
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return send(res, 404, "not found\n");
    res.writeHead(200, {
      "content-type": contentTypes[extname(file)] ?? "application/octet-stream",
      "content-length": String(info.size),
      "cache-control": path.startsWith("/assets/")
        ? "public, max-age=31536000, immutable"
        : "no-cache",
      "x-content-type-options": "nosniff",
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    createReadStream(file)
      .on("error", () => res.destroy())
      .pipe(res as unknown as NodeJS.WritableStream);
  };
}

function send(
  res: Responder,
  status: number,
  body: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    ...extra,
  });
  res.end(body);
}
