// What every benchmark server shares as a child process: `--port` and
// `--host` flags (default 0 and 127.0.0.1), the "listening on URL" lines the
// benchmark waits for, and a clean exit on SIGTERM or SIGINT.
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";

export interface ListenArgs {
  readonly port: number;
  readonly host: string;
}

/** Reads `--port N --host H` from the command line. */
export function listenArgs(): ListenArgs {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
    },
  });
  return { port: Number(values.port), host: values.host ?? "127.0.0.1" };
}

/** Something with Node's `listen` and `address`, like net, http and http2 servers. */
interface Listener {
  listen(port: number, host: string, cb: () => void): unknown;
  address(): AddressInfo | string | null;
  once(event: "error", cb: (e: Error) => void): unknown;
}

/** Listens and resolves with the base URL, e.g. `http://127.0.0.1:40123`. */
export function listen(server: Listener, args: ListenArgs): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(args.port, args.host, () => {
      const { port } = server.address() as AddressInfo;
      const host = args.host.includes(":") ? `[${args.host}]` : args.host;
      resolve(`http://${host}:${port}`);
    });
  });
}

/**
 * Prints the URLs the benchmark reads: `listening on URL` for HTTP/2 (h2c),
 * and `listening (HTTP/1.1) on URL` when HTTP/1.1 has a port of its own.
 */
export function announce(what: string, h2c: string, http1?: string): void {
  console.log(`${what} listening on ${h2c}`);
  if (http1 !== undefined) console.log(`${what} listening (HTTP/1.1) on ${http1}`);
}

/** Runs `close` on SIGTERM or SIGINT, then exits 0. */
export function exitOnSignal(close: () => void | Promise<void>): void {
  const stop = () => {
    void Promise.resolve(close()).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
