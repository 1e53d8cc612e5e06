// nginx in front of servers, as deploy/nginx.conf describes it — for the
// proxy tests and `npm run scale`. It renders the template with the ports
// filled in (as envsubst would), runs Debian's nginx in the foreground in a
// temporary prefix (no root paths), waits until both ports answer, and
// hands back their URLs, the error log and a way to stop it.
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, chmodSync, constants, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./server-process.js";

/** Where Debian installs nginx (package `nginx`; .ci/run installs it). */
export const nginxBinary = process.env.NGINX ?? "/usr/sbin/nginx";

/** The template, relative to the repository root. */
export const nginxTemplate = "deploy/nginx.conf";

/** Why nginx cannot run here, or undefined when it can. */
export function nginxMissing(): string | undefined {
  try {
    accessSync(nginxBinary, constants.X_OK);
    return undefined;
  } catch {
    return `${nginxBinary} is not installed (apt-get install nginx; .ci/run does)`;
  }
}

/** What the template's three placeholders become. */
export interface NginxPorts {
  /** The h2c port (`listen … http2`). */
  readonly grpcPort: number;
  /** The HTTP/1.1 port. */
  readonly httpPort: number;
  /** The upstream instances, `host:port` each. */
  readonly servers: readonly string[];
  /**
   * Added to each upstream `server` line; default `max_fails=1
   * fail_timeout=2s` (a refused instance sits out 2 s).
   */
  readonly serverParameters?: string;
}

/**
 * The template with `${HELLO_GRPC_LISTEN}`, `${HELLO_HTTP_LISTEN}` and
 * `${HELLO_SERVERS}` filled in (listening on 127.0.0.1), exactly as
 * `envsubst '$HELLO_GRPC_LISTEN $HELLO_HTTP_LISTEN $HELLO_SERVERS'` would.
 *
 * @throws Error when the template holds another `${…}` placeholder.
 */
export function renderNginxConf(template: string, ports: NginxPorts): string {
  const parameters = ports.serverParameters ?? "max_fails=1 fail_timeout=2s";
  const values: Record<string, string> = {
    HELLO_GRPC_LISTEN: `127.0.0.1:${ports.grpcPort}`,
    HELLO_HTTP_LISTEN: `127.0.0.1:${ports.httpPort}`,
    HELLO_SERVERS: ports.servers.map((s) => `server ${s} ${parameters};`).join(" "),
  };
  return template.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${nginxTemplate}: unknown placeholder \${${name}}`);
    return value;
  });
}

/** A running nginx. */
export interface RunningNginx {
  /** `http://127.0.0.1:<h2c port>`. */
  readonly grpcUrl: string;
  /** `http://127.0.0.1:<HTTP/1.1 port>`. */
  readonly httpUrl: string;
  readonly child: ChildProcess;
  /** The prefix directory (logs/access.log, nginx.conf). */
  readonly dir: string;
  /** What nginx wrote to its error log so far. */
  errorLog(): string;
  /** Stops nginx (SIGQUIT, then SIGKILL after 3 s) and removes its directory. */
  stop(): Promise<void>;
}

/** Options for {@link startNginx}. */
export interface StartNginxOptions {
  /** The upstream instances, `host:port` each. */
  readonly servers: readonly string[];
  readonly serverParameters?: string;
  /** Run nginx under `taskset -c CPU`. */
  readonly cpu?: number;
  /** `worker_processes` instead of the template's `auto`. */
  readonly workers?: number;
  /** The two ports to listen on (say, from {@link freePorts}); default two free ones. */
  readonly ports?: { readonly grpcPort: number; readonly httpPort: number };
}

/**
 * Renders deploy/nginx.conf for `servers` on two free ports and runs nginx
 * in a temporary prefix; resolves once both ports accept connections.
 * Rejects with the error log when nginx exits or does not listen within 10 s.
 */
export async function startNginx(options: StartNginxOptions): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), "hello-nginx-"));
  // As root, nginx's workers run as nobody: they must reach the temp paths.
  chmodSync(dir, 0o755);
  for (const sub of ["logs", "tmp"]) {
    mkdirSync(join(dir, sub));
    chmodSync(join(dir, sub), 0o777);
  }
  const [grpcPort, httpPort] = options.ports
    ? [options.ports.grpcPort, options.ports.httpPort]
    : await freePorts(2);
  let conf = renderNginxConf(readFileSync(join(repoRoot, nginxTemplate), "utf8"), {
    grpcPort: grpcPort ?? 0,
    httpPort: httpPort ?? 0,
    servers: options.servers,
    ...(options.serverParameters ? { serverParameters: options.serverParameters } : {}),
  });
  if (options.workers !== undefined) {
    conf = conf.replace(/^worker_processes auto;/m, `worker_processes ${options.workers};`);
  }
  const confFile = join(dir, "nginx.conf");
  writeFileSync(confFile, conf);
  const errorFile = join(dir, "logs", "error.log");
  const args = [
    "-p",
    dir,
    "-c",
    confFile,
    "-g",
    `daemon off; master_process on; pid ${join(dir, "nginx.pid")}; error_log ${errorFile} notice;`,
  ];
  const [file, ...rest] =
    options.cpu === undefined
      ? [nginxBinary, ...args]
      : ["taskset", "-c", String(options.cpu), nginxBinary, ...args];
  const child = spawn(file as string, rest, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const errorLog = () => {
    try {
      return stderr + readFileSync(errorFile, "utf8");
    } catch {
      return stderr;
    }
  };
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (running()) {
      child.kill("SIGQUIT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(grpcPort ?? 0)) || !(await accepts(httpPort ?? 0))) {
    if (!running() || Date.now() > deadline) {
      const log = errorLog();
      await stop();
      throw new Error(`nginx did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    grpcUrl: `http://127.0.0.1:${grpcPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    child,
    dir,
    errorLog,
    stop,
  };
}

/** `n` ports of 127.0.0.1 that were free a moment ago. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
