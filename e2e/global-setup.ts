import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Starts the real server (`tsx server/main.ts`) on a free port of 127.0.0.1,
 * waits for its "listening on" line and exports the URL as E2E_BASE_URL.
 * The page must be built (`npm run build`); `npm test` does that before.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "server/main.ts", "--port", "0", "--host", "127.0.0.1"],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
  );
  process.env.E2E_BASE_URL = await listeningUrl(child);
  return async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  };
}

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}
