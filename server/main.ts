import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { currentRequest } from "@hello-metadata/node-server";
import { startServer } from "./app.js";
import { isWorker, reportListening, runPrimary } from "./cluster.js";
import { type Config, loadConfig } from "./config.js";
import { createLogger, flushLogger } from "./logging.js";

/**
 * The built page: `dist/web` at the project root, found from this file both
 * as source (`server/main.ts`) and as built (`dist/server/main.js`), unless
 * WEB_ROOT says otherwise.
 */
const webRoot =
  process.env.WEB_ROOT ??
  [new URL("../dist/web", import.meta.url), new URL("../web", import.meta.url)]
    .map((u) => fileURLToPath(u))
    .find((p) => existsSync(join(p, "index.html"))) ??
  fileURLToPath(new URL("../dist/web", import.meta.url));

function announce(url: string, workers: number): void {
  const processes = workers > 1 ? `, ${workers} workers` : "";
  console.log(
    `hello-metadata listening on ${url} (Connect, gRPC, gRPC-Web; HTTP/1.1 and h2c${processes})\nopen ${url}/ in a browser`,
  );
}

/** Runs one server in this process: the whole server, or one worker of a cluster. */
async function serveHere(config: Config): Promise<void> {
  const logger = createLogger();
  // The last line of defence: the engine answers every request's failures
  // itself, so reaching these means a bug. Log it loudly, with the request
  // that was running, and keep serving the other calls.
  process.on("uncaughtException", (error) => {
    logger.fatal({ err: error, request: currentRequest() }, "uncaught exception");
  });
  process.on("unhandledRejection", (reason) => {
    logger.fatal({ err: reason, request: currentRequest() }, "unhandled rejection");
  });
  const server = await startServer({
    ...config,
    webRoot,
    logger,
    ...(isWorker() ? { servedByPid: process.pid } : {}),
  });
  if (isWorker()) reportListening(server.url);
  else announce(server.url, 1);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches every worker too; the primary coordinates the drain.
    if (isWorker() && signal === "SIGINT") return;
    if (stopping) {
      console.error(`${signal} again: exiting now`);
      process.exit(signal === "SIGINT" ? 130 : 143);
    }
    stopping = true;
    if (!isWorker()) {
      console.error(
        `${signal}: finishing in-flight calls, then exiting (send it again to exit now)`,
      );
    }
    void server
      .close()
      .then(() => flushLogger(logger))
      .then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  if (!existsSync(webRoot) && !isWorker()) {
    console.warn(`warning: ${webRoot} is missing; run "npm run build" to serve the page`);
  }
  if (config.workers > 1 && !isWorker()) {
    runPrimary({
      workers: config.workers,
      log: (line) => console.error(line),
      onListening: (url) => announce(url, config.workers),
    });
    return;
  }
  await serveHere(config);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
