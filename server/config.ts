import { isIP } from "node:net";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { appMetadataKeys } from "./metadata-keys.js";

/** Server settings, from flags first, then the environment, then defaults. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** Base URL of the next HelloService for hops; undefined means this server itself. */
  readonly downstream: string | undefined;
  /** Incoming metadata keys that a hop forwards downstream. */
  readonly forwardAllowList: readonly string[];
  /** Origins granted CORS; the server's own and `npm run dev`'s are added. */
  readonly corsOrigins: readonly string[];
  /** The metadata features; false only to measure their cost (`--metadata off`). */
  readonly metadata: boolean;
  /** The key the servers of one chain share to trust each other's hop trail. */
  readonly hopSecret: string | undefined;
  /** Reverse proxies (addresses or CIDRs) allowed to name the client with Forwarded / X-Forwarded-For. */
  readonly trustedProxies: readonly string[];
  /** Worker processes sharing the port (Node's cluster); 1 runs the server in this process. */
  readonly workers: number;
}

const usage = `usage: npm start -- [--port N] [--host H] [--downstream URL] [--forward k1,k2] [--cors-origins o1,o2] [--hop-secret S] [--trusted-proxies a,b/n] [--workers N|auto]
  --port          PORT          listen port (default 8080; 0 picks a free one)
  --host          HOST          bind address (default localhost)
  --downstream    DOWNSTREAM    next HelloService for hops (default: this server)
  --forward       FORWARD_KEYS  metadata keys a hop forwards (default ${appMetadataKeys.forwardByDefault.join(",")})
  --cors-origins  CORS_ORIGINS  extra origins allowed to call from a browser
  --hop-secret    HOP_SECRET    key shared by the servers of a chain of hops (default: one per process)
  --trusted-proxies TRUSTED_PROXIES  proxies (addresses or CIDRs) whose Forwarded / X-Forwarded-For name the client
  --workers       WORKERS       worker processes sharing the port: a number, or auto for one per core (default 1)
  --metadata off                the library's metadata features off (only to measure their cost)`;

/**
 * Reads the settings from `argv` and `env`.
 *
 * @throws Error carrying the usage text on an unknown flag, a port that is
 *   not an integer from 0 to 65535, or a URL or origin that does not parse.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        downstream: { type: "string" },
        forward: { type: "string" },
        "cors-origins": { type: "string" },
        "hop-secret": { type: "string" },
        "trusted-proxies": { type: "string" },
        workers: { type: "string" },
        metadata: { type: "string" },
      },
      strict: true,
    }));
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${usage}`);
  }
  const rawPort = values.port ?? env.PORT ?? "8080";
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    throw new Error(
      `invalid port ${JSON.stringify(rawPort)}: want an integer from 0 to 65535\n${usage}`,
    );
  }
  const downstream = values.downstream ?? env.DOWNSTREAM;
  if (downstream !== undefined) parseUrl(downstream, "downstream");
  const forward = list(values.forward ?? env.FORWARD_KEYS) ?? [...appMetadataKeys.forwardByDefault];
  const corsOrigins = (list(values["cors-origins"] ?? env.CORS_ORIGINS) ?? []).map(
    (o) => parseUrl(o, "CORS origin").origin,
  );
  return {
    port,
    host: values.host ?? env.HOST ?? "localhost",
    downstream,
    forwardAllowList: forward.map((k) => k.toLowerCase()),
    corsOrigins,
    metadata: metadataSwitch(values.metadata),
    hopSecret: values["hop-secret"] ?? env.HOP_SECRET,
    trustedProxies: trustedProxies(list(values["trusted-proxies"] ?? env.TRUSTED_PROXIES) ?? []),
    workers: workerCount(values.workers ?? env.WORKERS),
  };
}

function list(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function parseUrl(raw: string, what: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new Error(
      `invalid ${what} ${JSON.stringify(raw)}: want a URL like http://localhost:8080\n${usage}`,
    );
  }
}

function trustedProxies(entries: string[]): string[] {
  for (const entry of entries) {
    const [address = "", bits] = entry.split("/");
    if (isIP(address) === 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
      throw new Error(
        `invalid trusted proxy ${JSON.stringify(entry)}: want an IP address or CIDR\n${usage}`,
      );
    }
  }
  return entries;
}

function workerCount(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 1;
  if (raw === "auto") return availableParallelism();
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 256) {
    throw new Error(`invalid --workers ${JSON.stringify(raw)}: want 1 to 256, or auto\n${usage}`);
  }
  return n;
}

function metadataSwitch(raw: string | undefined): boolean {
  if (raw === undefined || raw === "on") return true;
  if (raw === "off") return false;
  throw new Error(`invalid --metadata ${JSON.stringify(raw)}: want on or off\n${usage}`);
}
