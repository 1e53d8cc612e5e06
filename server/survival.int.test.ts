// Nothing a client sends can kill, wedge or bloat the server: a bounded,
// seeded run of the survival fuzzer (scripts/fuzz/) against the server as
// `npm start` runs it (dist/server/main.js in its own process). Thousands
// of generated raw HTTP/1.1 requests and HTTP/2 frame sequences go to every
// route — each RPC on every protocol, the page, unknown paths — and after
// each round the process must be alive, a bystander gRPC call on a fresh
// connection must succeed within 2 s, and its memory must stay bounded.
// A failure shows each distinct death or wedge with its shrunk input, the
// routes it kills and the server's trace. `npm run fuzz` runs longer; the
// oracle's own test (scripts/fuzz/survival-oracle.int.test.ts) shows that
// it fails on a server that is fragile.
//
// SURVIVAL_SEED and SURVIVAL_SECONDS change the seed and the length.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { failures, runCampaign } from "../scripts/fuzz/campaign.js";
import { formatReport } from "../scripts/fuzz/report.js";
import { serverSurface } from "../scripts/fuzz/routes.js";
import { webRoot } from "./testing.js";

const seed = Number(process.env.SURVIVAL_SEED ?? 20_261_201);
const seconds = Number(process.env.SURVIVAL_SECONDS ?? 35);

describe("survival under generated HTTP/1.1 and HTTP/2 input", () => {
  it("no request kills the process, wedges it or bloats it", async () => {
    const surface = serverSurface(webRoot);
    const report = await runCampaign({
      seed,
      seconds,
      protocols: ["h1", "h2"],
      surface,
      shrinkSeconds: 4,
    });
    const text = formatReport(report, surface);
    console.log(text);
    assert.deepEqual(
      failures(report).map((f) => `${f.kind}: ${f.signature}`),
      [],
      `the server did not survive:\n${text}`,
    );
    // A run that never reached the handlers would pass for the wrong reason.
    assert.ok(report.cases >= 1_500, `only ${report.cases} cases in ${seconds} s`);
    const protocols = [...report.coverage.calls.keys()].map((k) => k.split(" ")[0]);
    for (const p of ["connect", "grpc", "grpc-web"]) {
      assert.ok(protocols.includes(p), `no ${p} call reached a handler:\n${text}`);
    }
  });
});
