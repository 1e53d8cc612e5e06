import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { currentRequest } from "@hello-metadata/node-server";
import { startServer } from "./app.js";
import { loadConfig } from "./config.js";
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

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  if (!existsSync(webRoot)) {
    console.warn(`warning: ${webRoot} is missing; run "npm run build" to serve the page`);
  }
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
  const server = await startServer({ ...config, webRoot, logger });
  console.log(
    `hello-metadata listening on ${server.url} (Connect, gRPC, gRPC-Web; HTTP/1.1 and h2c)\nopen ${server.url}/ in a browser`,
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`${signal} again: exiting now`);
      process.exit(signal === "SIGINT" ? 130 : 143);
    }
    stopping = true;
    console.error(`${signal}: finishing in-flight calls, then exiting (send it again to exit now)`);
    void server
      .close()
      .then(() => flushLogger(logger))
      .then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
