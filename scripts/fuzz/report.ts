// A campaign's report as text: the rate, each distinct finding with the
// input that causes it (shrunk, readable and in hex, with the command that
// replays it) and the routes it kills, and what the run reached.
import type { CampaignReport } from "./campaign.js";
import { formatTally } from "./coverage.js";
import type { Finding } from "./findings.js";
import { caseBytes, describeCase } from "./fuzz-case.js";
import type { ServerSurface } from "./routes.js";

const indent = (text: string, by = "    ") =>
  text
    .split("\n")
    .map((l) => by + l)
    .join("\n");

/** The last `n` lines of a trace. */
function excerpt(text: string, n = 24): string {
  const lines = text.trimEnd().split("\n");
  return lines.length <= n
    ? lines.join("\n")
    : [`… (${lines.length - n} lines before)`, ...lines.slice(-n)].join("\n");
}

/** The command that runs one case alone (and shrinks and sweeps it). */
export function replayCommand(caseSeed: number, report: Pick<CampaignReport, "protocols">): string {
  const only = report.protocols.length === 1 ? ` --${report.protocols[0]}` : "";
  return `npm run fuzz -- --replay ${caseSeed}${only}`;
}

/** One finding, as a report shows it. */
export function formatFinding(
  f: Finding,
  i: number,
  report: CampaignReport,
  surface: ServerSurface,
): string {
  const out = [
    `#${i + 1} ${f.kind.toUpperCase()} (seen in ${f.occurrences} round${f.occurrences === 1 ? "" : "s"}): ${f.signature}`,
  ];
  if (f.routes.size > 0) out.push(`  traced to cases on: ${formatTally(f.routes)}`);
  if (f.sweep.length > 0) {
    const same = f.sweep.filter((s) => s.same).map((s) => s.label);
    const other = f.sweep.filter((s) => !s.same).map((s) => `${s.label} (${s.kind})`);
    out.push(
      `  the minimal input on every route: the same ${f.kind} on ${same.length} of ${f.sweep.length}:`,
    );
    out.push(...same.map((l) => `    ${f.kind}: ${l}`), ...other.map((l) => `    not: ${l}`));
  }
  if (f.minimal && f.original && f.caseSeed !== undefined) {
    const from = caseBytes(f.original, surface).length;
    const to = caseBytes(f.minimal, surface).length;
    const how =
      f.shrinkSteps > 0
        ? `shrunk in ${f.shrinkSteps} steps from ${from} to ${to} bytes`
        : `${to} bytes, not shrunk`;
    out.push(
      `  input (case seed ${f.caseSeed}; ${how}; replay: ${replayCommand(f.caseSeed, report)}):`,
      indent(describeCase(f.minimal, surface)),
    );
  } else if (f.untraced) {
    out.push(
      `  no single case reproduced it alone; the round's case seeds: ${f.untraced.join(" ")}`,
    );
  }
  out.push("  server said:", indent(excerpt(f.detail || "(nothing)")));
  return out.join("\n");
}

const order: Finding["kind"][] = ["died", "wedged", "bloated", "complained"];

/** The whole report: failures first, then warnings. */
export function formatReport(report: CampaignReport, surface: ServerSurface): string {
  const counts = (kind: Finding["kind"]) => report.findings.filter((f) => f.kind === kind).length;
  const findings = [...report.findings].sort(
    (a, b) => order.indexOf(a.kind) - order.indexOf(b.kind),
  );
  const lines = [
    `survival fuzz, seed ${report.seed}, ${report.protocols.join("+")}: ${report.cases} cases in ${(report.fuzzMs / 1000).toFixed(1)} s = ${report.casesPerSecond.toFixed(0)} cases/s (${report.survivedRoundsCasesPerSecond.toFixed(0)} cases/s in the rounds it survived); ${report.restarts} restarts; ${(report.shrinkMs / 1000).toFixed(1)} s shrinking and sweeping`,
    `findings: ${counts("died")} died, ${counts("wedged")} wedged, ${counts("bloated")} bloated (failures); ${counts("complained")} printed on stderr (warnings)`,
    ...findings.map((f, i) => formatFinding(f, i, report, surface)),
    "reached:",
    `  answers: ${formatTally(report.coverage.answers)}`,
    `  calls logged by the server: ${formatTally(report.coverage.calls) || "(none)"}`,
  ];
  return lines.join("\n");
}
