import { gzipSync } from "node:zlib";
import type { Plugin } from "vite";

/** The page's JavaScript budget: gzipped bytes (40 kB, as Vite counts kB: 1000 bytes). */
export const jsBudgetBytes = 40_000;

/**
 * Gzipped size of each JavaScript chunk, and their total, with zlib's
 * default level (what `gzip` and most servers use). Vite's own size column
 * uses another deflate implementation and reads about 1% higher.
 */
export function gzipSizes(chunks: Record<string, string | Uint8Array>): {
  total: number;
  files: Record<string, number>;
} {
  const files: Record<string, number> = {};
  let total = 0;
  for (const [name, code] of Object.entries(chunks)) {
    const size = gzipSync(code).length;
    files[name] = size;
    total += size;
  }
  return { total, files };
}

/**
 * After `vite build`, prints one line with the total gzipped size of the
 * page's JavaScript against {@link jsBudgetBytes}, and a warning when it is
 * over (the e2e test "the built page stays within its JavaScript budget"
 * then fails; the build itself does not, so `npm start` still works).
 */
export function bundleSize(): Plugin {
  return {
    name: "hello-metadata:bundle-size",
    apply: "build",
    generateBundle(_, bundle) {
      const js: Record<string, string> = {};
      for (const [name, item] of Object.entries(bundle)) {
        if (item.type === "chunk") js[name] = item.code;
      }
      const { total } = gzipSizes(js);
      const line = `page JavaScript: ${(total / 1000).toFixed(2)} kB gzip in total (budget ${jsBudgetBytes / 1000} kB)`;
      if (total > jsBudgetBytes)
        this.warn(`${line}: OVER BUDGET by ${total - jsBudgetBytes} bytes`);
      else this.info(line);
    },
  };
}
