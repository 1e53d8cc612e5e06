import { parseArgs } from "node:util";

/** Server settings, from flags first, then the environment, then defaults. */
export interface Config {
  readonly port: number;
  readonly host: string;
}

/**
 * Reads `--port`/`--host` from `argv` and `PORT`/`HOST` from `env`
 * (defaults 8080 and `localhost`).
 *
 * @throws Error with a usage message on an unknown flag or a port that is
 *   not an integer from 0 to 65535.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: "string" }, host: { type: "string" } },
    strict: true,
  });
  const rawPort = values.port ?? env.PORT ?? "8080";
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    throw new Error(`invalid port ${JSON.stringify(rawPort)}: want an integer from 0 to 65535`);
  }
  return { port, host: values.host ?? env.HOST ?? "localhost" };
}
