// The app with its connection and process flow budgets turned off (each
// at Number.MAX_SAFE_INTEGER; the per-stream budget and the stall timeout
// stay): a server known to be bad, for showing that the zero-window
// flood's memory oracle fails when those budgets do not hold writers back.
// Not for anything else.
//
//   node --import tsx scripts/floods/unbudgeted-server.ts --port 0 --host 127.0.0.1
import { parseArgs } from "node:util";
import { startServer } from "../../server/app.js";
import { createLogger } from "../../server/logging.js";
import { webRoot } from "../../server/testing.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
  },
  strict: true,
});

const server = await startServer({
  port: Number(values.port),
  host: values.host,
  webRoot,
  logger: createLogger(),
  limits: {
    maxPendingBytesPerConnection: Number.MAX_SAFE_INTEGER,
    maxPendingBytesTotal: Number.MAX_SAFE_INTEGER,
  },
});
console.log(`unbudgeted server listening on ${server.url}`);
process.on("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
