// The survival oracle can fail: against a deliberately fragile server
// (fragile-server.ts) that dies, wedges, bloats or prints a trace when a
// request has one particular method, a short seeded campaign must find the
// weakness by itself, trace it to a case with that method and report it as
// the right kind of finding; against the same server without a weakness it
// must find nothing. Every HTTP/1.1 and HTTP/2 case is generated, none is
// written for the fragile server.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { callOf } from "./calls.js";
import { type CampaignOptions, type CampaignReport, failures, runCampaign } from "./campaign.js";
import type { FuzzCase, Protocol } from "./fuzz-case.js";
import { formatReport } from "./report.js";
import { rpcRoutes, type ServerSurface } from "./routes.js";
import type { TargetSpec } from "./target.js";

const fragileExitCode = 37;
const surface: ServerSurface = { rpcs: rpcRoutes, staticPaths: ["/", "/index.html"] };

function fragile(...args: string[]): TargetSpec {
  return { command: [process.execPath, "--import", "tsx", "scripts/fuzz/fragile-server.ts"], args };
}

function campaign(protocols: Protocol[], target: TargetSpec, more: Partial<CampaignOptions> = {}) {
  return runCampaign({
    seed: 20_261_201,
    seconds: 40,
    protocols,
    surface,
    target,
    shrinkSeconds: 2,
    sweepRoutes: false,
    stopAfterFindings: 1,
    ...more,
  });
}

/** The HTTP methods of a case's requests (pipelined ones too) or streams. */
function methodsOf(c: FuzzCase | undefined): string[] {
  if (!c) return [];
  const calls = c.protocol === "h1" ? c.requests.map((r) => r.call) : c.streams.map((s) => s.call);
  return calls.map((call) => callOf(call, surface).method);
}

function only(report: CampaignReport, kind: string) {
  const found = report.findings.filter((f) => f.kind === kind);
  assert.equal(found.length, 1, formatReport(report, surface));
  return found[0] as (typeof found)[number];
}

describe("the survival oracle", () => {
  for (const protocol of ["h1", "h2"] as const) {
    it(`finds a server that exits on PUT over ${protocol}, and shows the input`, async () => {
      const report = await campaign(
        [protocol],
        fragile("--die-on", "PUT", "--exit-code", String(fragileExitCode)),
      );
      const died = only(report, "died");
      assert.match(died.signature, new RegExp(`^exit ${fragileExitCode}:`));
      assert.ok(methodsOf(died.original).includes("PUT"), formatReport(report, surface));
      assert.ok(methodsOf(died.minimal).includes("PUT"), "shrinking kept what kills it");
      assert.equal(died.minimal?.protocol, protocol);
      assert.match(formatReport(report, surface), /input \(case seed \d+; shrunk/);
    });
  }

  it("finds a server that stops answering (its process alive) on DELETE", async () => {
    const report = await campaign(["h1", "h2"], fragile("--wedge-on", "DELETE"), {
      shrinkSeconds: 0,
      bystanderTimeoutMs: 1_000,
    });
    const wedged = only(report, "wedged");
    assert.match(wedged.signature, /^bystander: no answer within/);
    assert.ok(methodsOf(wedged.original).includes("DELETE"), formatReport(report, surface));
  });

  it("finds a server that keeps 64 MiB for every PATCH", async () => {
    const report = await campaign(["h1", "h2"], fragile("--bloat-on", "PATCH"), {
      maxRssMiB: 300,
      shrinkSeconds: 0,
    });
    assert.equal(only(report, "bloated").signature, "resident memory over 300 MiB");
  });

  it("finds a server that leaks 64 file descriptors for every TRACE", async () => {
    const report = await campaign(["h1", "h2"], fragile("--leak-on", "TRACE"), {
      maxOpenFds: 300,
      shrinkSeconds: 0,
    });
    assert.equal(only(report, "bloated").signature, "open descriptors over 300");
  });

  it("reports a trace on stderr as a warning, traced to the request, not as a failure", async () => {
    const report = await campaign(["h1", "h2"], fragile("--complain-on", "OPTIONS"));
    const complaint = only(report, "complained");
    assert.match(complaint.signature, /^Error: fragile: complaining about OPTIONS at /);
    assert.ok(methodsOf(complaint.original).includes("OPTIONS"), formatReport(report, surface));
    assert.deepEqual(failures(report), []);
  });

  it("finds nothing wrong with the same server without a weakness, and reaches both protocols", async () => {
    const report = await campaign(["h1", "h2"], fragile(), {
      seconds: 6,
      stopAfterFindings: undefined,
    });
    assert.deepEqual(report.findings, [], formatReport(report, surface));
    assert.ok(report.cases > 500, `only ${report.cases} cases in 6 s`);
    const answers = report.coverage.answers;
    for (const seen of ["h1 404", "h2 HEADERS", "h2 RST_STREAM(PROTOCOL_ERROR)"]) {
      assert.ok((answers.get(seen) ?? 0) > 0, `no ${seen}: ${formatReport(report, surface)}`);
    }
  });
});
