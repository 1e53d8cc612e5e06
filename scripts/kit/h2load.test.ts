import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { h2loadArgs, parseReport, parseRequestLog, percentile } from "./h2load.js";

const report = `starting benchmark...
finished in 500.00ms, 11762.00 req/s, 1.52MB/s
requests: 10000 total, 10000 started, 10000 done, 9990 succeeded, 10 failed, 4 errored, 1 timeout
status codes: 9990 2xx, 1 3xx, 2 4xx, 3 5xx
traffic: 1.29MB (1351234) total, 97.66KB (100001) headers (space savings 90.00%), 488.28KB (500000) data
`;

describe("parseReport", () => {
  it("reads every count, with the duration in seconds whatever unit h2load printed", () => {
    assert.deepEqual(parseReport(report), {
      total: 10000,
      succeeded: 9990,
      failed: 10,
      errored: 4,
      timeout: 1,
      status2xx: 9990,
      statusOther: 6,
      dataBytes: 500000,
      seconds: 0.5,
      reqPerSec: 11762,
    });
  });

  it("fails quoting the output when a line is missing", () => {
    assert.throws(() => parseReport(report.replace(/^status codes.*$/m, "")), /status codes/);
  });
});

describe("parseRequestLog and percentile", () => {
  it("takes the third column (µs) as ms, sorted, and picks by nearest rank", () => {
    const ms = parseRequestLog("1\t200\t3000\n2\t200\t1000\n3\t200\t2000\n4\t200\t4000\n");
    assert.deepEqual(ms, [1, 2, 3, 4]);
    assert.equal(percentile(ms, 50), 2);
    assert.equal(percentile(ms, 99), 4);
    assert.equal(percentile(ms, 100), 4);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});

describe("h2loadArgs", () => {
  const common = {
    url: "http://127.0.0.1:9",
    path: "/p.S/M",
    body: new Uint8Array(),
    headers: { "content-type": "application/grpc", te: "trailers" },
    connections: 4,
    streams: 32,
    dir: "/tmp",
  };

  it("a number of calls: -n first, h2load's default threads", () => {
    assert.deepEqual(h2loadArgs({ ...common, calls: 100 }, "b"), [
      "-n100",
      "-c4",
      "-m32",
      "-d",
      "b",
      "-H",
      "content-type: application/grpc",
      "-H",
      "te: trailers",
      "http://127.0.0.1:9/p.S/M",
    ]);
  });

  it("a duration over HTTP/1.1, with threads and a per-request log", () => {
    assert.deepEqual(
      h2loadArgs({ ...common, headers: {}, seconds: 3, threads: 1, http1: true }, "b", "l"),
      ["-c4", "-m32", "-t1", "-D3", "--h1", "-d", "b", "--log-file=l", "http://127.0.0.1:9/p.S/M"],
    );
  });
});
