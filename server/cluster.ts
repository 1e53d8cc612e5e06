import cluster, { type Worker } from "node:cluster";
import { randomBytes } from "node:crypto";

/** What a worker tells the primary. */
interface WorkerMessage {
  readonly listening?: string;
}

/** Options for {@link runPrimary}. */
export interface PrimaryOptions {
  /** How many workers to keep running. */
  readonly workers: number;
  /** Where the primary says what happens (one line each). */
  readonly log: (line: string) => void;
  /** Called once every worker listens, with the URL they share. */
  readonly onListening: (url: string) => void;
}

/**
 * Runs the primary of a cluster: forks `workers` processes that each run the
 * whole server and share its port (Node's cluster hands each accepted
 * connection to one of them), replaces a worker that dies (logged; after
 * five deaths within ten seconds it waits a second before each restart, so
 * a crash loop does not spin), and on SIGTERM or SIGINT asks every worker to
 * drain as a lone server would (each finishes its calls within the grace
 * period), then exits 0 once all have. A second signal kills them at once.
 *
 * The workers share one hop key (HOP_SECRET, generated here unless given),
 * so a hop from one worker to another trusts the trail.
 */
export function runPrimary(options: PrimaryOptions): void {
  process.env.HOP_SECRET ??= randomBytes(32).toString("base64url");
  let stopping = false;
  const deaths: number[] = [];
  const listening = new Set<number>();
  let announced = false;

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on("message", (m: WorkerMessage) => {
      if (m.listening === undefined) return;
      listening.add(worker.id);
      if (!announced && listening.size >= options.workers) {
        announced = true;
        options.onListening(m.listening);
      }
    });
    return worker;
  };

  cluster.on("exit", (worker, code, signal) => {
    listening.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while ((deaths[0] ?? now) < now - 10_000) deaths.shift();
    const delay = deaths.length > 5 ? 1_000 : 0;
    options.log(
      `worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another${delay ? ` in ${delay} ms` : ""}`,
    );
    setTimeout(fork, delay);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      options.log(`${signal} again: killing the workers now`);
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGKILL");
      process.exit(signal === "SIGINT" ? 130 : 143);
    }
    stopping = true;
    options.log(
      `${signal}: every worker finishes its in-flight calls, then exits (send it again to exit now)`,
    );
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(0);
    for (const w of workers) w?.process.kill("SIGTERM");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  for (let i = 0; i < options.workers; i++) fork();
}

/** In a worker: tells the primary the server listens. A no-op outside a cluster. */
export function reportListening(url: string): void {
  if (cluster.isWorker) process.send?.({ listening: url } satisfies WorkerMessage);
}

/** Whether this process is a cluster worker. */
export function isWorker(): boolean {
  return cluster.isWorker;
}
