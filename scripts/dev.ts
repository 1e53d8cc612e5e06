// `npm run dev`: the API server (restarted on change by tsx watch) on :8080
// and the Vite dev server with hot reload on :5173, cross-origin, so CORS
// does its job exactly as it would for a page hosted elsewhere.
import { type ChildProcess, spawn } from "node:child_process";

const apiPort = process.env.PORT ?? "8080";
const api = `http://localhost:${apiPort}`;
const children: ChildProcess[] = [
  spawn("npx", ["tsx", "watch", "server/main.ts", "--port", apiPort], { stdio: "inherit" }),
  spawn("npx", ["vite", "--config", "web/vite.config.ts"], {
    stdio: "inherit",
    env: { ...process.env, VITE_API_BASE: api },
  }),
];
console.log(`dev: page on http://localhost:5173 (hot reload), API on ${api}`);

let stopping = false;
const stop = (code: number) => {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill("SIGTERM");
  setTimeout(() => process.exit(code), 500).unref();
};
for (const c of children) c.once("exit", (code) => stop(code ?? 1));
process.once("SIGINT", () => stop(0));
process.once("SIGTERM", () => stop(0));
