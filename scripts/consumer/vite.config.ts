import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

/**
 * Writes modules.json next to the bundle: every module the bundle holds and
 * every `@hello-metadata/…` specifier imported anywhere in its graph, so the
 * test can tell what the page pulled in (only the library's entry point, no
 * Node builtin, no server package).
 */
function moduleList(): Plugin {
  const ourImports = new Set<string>();
  return {
    name: "module-list",
    enforce: "pre",
    resolveId(source) {
      if (source.startsWith("@hello-metadata/")) ourImports.add(source);
      return null;
    },
    generateBundle(_options, bundle) {
      const modules = Object.values(bundle).flatMap((out) =>
        out.type === "chunk" ? out.moduleIds : [],
      );
      this.emitFile({
        type: "asset",
        fileName: "modules.json",
        source: JSON.stringify({ modules: modules.sort(), ourImports: [...ourImports].sort() }),
      });
    },
  };
}

// The browser consumer: browser/index.html and main.ts, built into dist/browser.
export default defineConfig({
  root: fileURLToPath(new URL("browser", import.meta.url)),
  plugins: [moduleList()],
  build: {
    outDir: fileURLToPath(new URL("dist/browser", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
  },
});
