// The lab: the server under fuzz as a resource that survives its deaths.
// It keeps one server live and a spare started in advance (the replays and
// the shrinking kill the server often, and a start takes a few hundred
// milliseconds), replaces the live one when it dies, wedges or bloats, and
// runs single cases against it with the oracle after each.
import type { Timing } from "./connection.js";
import { type FuzzCase, sendCase } from "./fuzz-case.js";
import { checkSurvival, type OracleOptions, type Verdict, type VerdictKind } from "./oracle.js";
import type { ServerSurface } from "./routes.js";
import { startTarget, type Target, type TargetSpec } from "./target.js";

/** What the lab needs. */
export interface LabOptions {
  readonly spec: TargetSpec;
  /** Folder for the servers' logs (server-1.log, server-2.log, …). */
  readonly dir: string;
  readonly surface: ServerSurface;
  readonly timing: Timing;
  readonly oracle: OracleOptions;
  /** Hears of servers that did not start. */
  readonly log?: (line: string) => void;
}

/** A live server under fuzz, replaced whenever it fails. */
export interface Lab {
  /** The live server: the current one, or (when it has exited) a fresh one. */
  live(): Promise<Target>;
  /** Kills the current server (if it still runs) and switches to a fresh one. */
  restart(): Promise<Target>;
  /** The oracle's verdict on `t` (only stderr after `stderrFrom` counts); replaces nothing. */
  check(t: Target, stderrFrom: number): Promise<Verdict>;
  /** Sends one case alone to the live server, then asks the oracle; replaces the server after a failure. */
  probe(c: FuzzCase): Promise<Verdict>;
  /** How many times a server was replaced. */
  restarts(): number;
  /** The log file of every server started so far. */
  logFiles(): readonly string[];
  /** Kills the live server and the spare. */
  close(): Promise<void>;
}

/** Whether a verdict means the server must be replaced. */
export function isFailure(kind: VerdictKind): boolean {
  return kind === "died" || kind === "wedged" || kind === "bloated";
}

/** Creates a lab; no server starts until {@link Lab.live} is first called. */
export function createLab(o: LabOptions): Lab {
  const logFiles: string[] = [];
  let current: Target | undefined;
  let spare: Promise<Target> | undefined;
  let launched = 0;
  let switches = 0;
  const launch = (): Promise<Target> => {
    launched++;
    const t = startTarget(o.spec, o.dir, `server-${launched}.log`);
    void t.then((started) => logFiles.push(started.logFile)).catch(() => {});
    return t;
  };
  // A server that fails to start (the machine is shared; something may kill
  // it) is started again, twice at most, before the run gives up.
  const next = async (): Promise<Target> => {
    for (let attempt = 1; ; attempt++) {
      const pending = spare ?? launch();
      spare = undefined;
      try {
        const t = await pending;
        switches++;
        spare = launch();
        current = t;
        return t;
      } catch (e) {
        if (attempt >= 3) throw e;
        o.log?.(
          `a server did not start (${(e as Error).message.split("\n")[0]}); starting another`,
        );
      }
    }
  };
  const live = async (): Promise<Target> =>
    current && current.exitStatus() === undefined ? current : next();
  const restart = async (): Promise<Target> => {
    await current?.kill();
    return next();
  };
  const check = (t: Target, from: number) => checkSurvival(t, from, o.oracle);
  return {
    live,
    restart,
    check,
    async probe(c) {
      const t = await live();
      const from = t.stderr().length;
      await sendCase(c, o.surface, t.port, o.timing);
      const v = await check(t, from);
      if (isFailure(v.kind)) await restart();
      return v;
    },
    restarts: () => Math.max(0, switches - 1),
    logFiles: () => logFiles,
    async close() {
      await current?.kill();
      await (await spare?.catch(() => undefined))?.kill();
    },
  };
}
