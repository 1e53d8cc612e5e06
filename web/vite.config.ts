import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { bundleSize } from "./vite-plugins/bundle-size.js";
import { pureTsEnums } from "./vite-plugins/pure-ts-enums.js";

// The page is built into dist/web, which the server serves at "/".
// `vite build` prints each file's size and gzip size, then the total of the
// page's JavaScript against its budget (see vite-plugins/bundle-size.ts).
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [pureTsEnums(), bundleSize()],
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // One entry and no dynamic imports: the modulepreload polyfill would be dead weight.
    modulePreload: { polyfill: false },
  },
  server: { port: 5173, strictPort: true },
});
