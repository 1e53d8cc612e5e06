// What a load or benchmark run ran on and what it measured: the machine
// (CPUs, kernel, Node, h2load), how busy it was, and the code's commit with
// any uncommitted changes to the server.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { promisify } from "node:util";
import { repoRoot } from "./server-process.js";

const execFileP = promisify(execFile);

/** The machine, as the report and `latest.json` describe it. */
export interface Machine {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly kernel: string;
  readonly memoryGiB: number;
  /** h2load's user-agent, e.g. `h2load nghttp2/1.52.0`. */
  readonly h2load: string;
}

/** The code that was measured. */
export interface Code {
  /** Short commit hash of HEAD; "unknown" outside git. */
  readonly commit: string;
  /** `git status --porcelain` lines for server/, metadata/ and gen/. */
  readonly uncommittedServerFiles: string[];
}

/** This machine, with `h2loadUserAgent` for the load generator. */
export function describeMachine(h2loadUserAgent: string): Machine {
  return {
    nproc: cpus().length,
    cpuModel: cpuModel(),
    node: process.version,
    kernel: release(),
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    h2load: h2loadUserAgent,
  };
}

/** The repository's HEAD and uncommitted server changes. */
export async function describeCode(): Promise<Code> {
  const commit = (await git("rev-parse", "--short", "HEAD")) || "unknown";
  const uncommittedServerFiles = (
    await git("status", "--porcelain", "--", "server", "metadata", "gen")
  )
    .split("\n")
    .filter(Boolean);
  return { commit, uncommittedServerFiles };
}

/** The 1, 5 and 15 minute load averages, as `0.42 0.30 0.25`. */
export function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
}

function cpuModel(): string {
  const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
  return m?.[1]?.trim() ?? cpus()[0]?.model.trim() ?? "unknown";
}

async function git(...args: string[]): Promise<string> {
  try {
    return (await execFileP("git", args, { cwd: repoRoot })).stdout.trim();
  } catch {
    return "";
  }
}
