import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Starts two real servers, as `npm start` runs them (the built
 * `dist/server/main.js`), on free ports of 127.0.0.1
 * and exports their URLs: E2E_BASE_URL, the API (and same-origin page), and
 * E2E_OTHER_URL, a second server whose origin the first does not allow, for
 * cross-origin tests. Page and server must be built (`npm run build`);
 * `npm test` does that before.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const children = [startServer(), startServer()];
  const [api, other] = await Promise.all(children.map(listeningUrl));
  process.env.E2E_BASE_URL = api;
  process.env.E2E_OTHER_URL = other;
  return async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode === null) {
          child.kill("SIGTERM");
          await once(child, "exit");
        }
      }),
    );
  };
}

function startServer(): ChildProcess {
  return spawn(process.execPath, ["dist/server/main.js", "--port", "0", "--host", "127.0.0.1"], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, LOG_LEVEL: "warn" },
  });
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
