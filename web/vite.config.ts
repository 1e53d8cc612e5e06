import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The page is built into dist/web, which the server serves at "/".
// `vite build` prints each chunk's size and its gzip size.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
  },
  server: { port: 5173, strictPort: true },
});
