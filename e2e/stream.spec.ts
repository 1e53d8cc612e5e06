import { expect, test } from "@playwright/test";
import { cell, fillRow, send, wireRow } from "./inspector.js";
import { apiUrl } from "./urls.js";

const streams = [
  { protocol: "Connect (JSON)", trailerVia: "end-stream" },
  { protocol: "gRPC-Web", trailerVia: "trailer-frame" },
] as const;

for (const { protocol, trailerVia } of streams) {
  test(`${protocol} SayHelloStream: headers first, then each message, then trailers`, async ({
    page,
  }) => {
    await page.goto(`${apiUrl()}/`);
    await page.getByLabel(protocol, { exact: true }).check();
    await page.getByLabel("SayHelloStream (server streaming)").check();
    await expect(page.locator("#send")).toHaveText("SayHelloStream");
    await page.getByLabel("Name").fill("Stream");
    await page.getByLabel("Messages (1–100)").fill("3");
    await page.getByLabel("Interval (ms)").fill("400");
    await fillRow(page, 1, "x-request-id", "stream-1");
    await page.locator("#send").click();

    // While the stream runs: the headers are there, the trailers are not yet.
    const events = page.locator("#events li");
    await expect(page.locator('#events li[data-event="message"]')).toHaveCount(1);
    await expect(events.first()).toHaveAttribute("data-event", "headers");
    await expect(cell(page, "header", "x-request-id")).toHaveText("stream-1");
    await expect(page.locator("#message")).toHaveText("Hello, Stream (1/3)");
    await expect(page.locator('#events li[data-event="trailers"]')).toHaveCount(0);
    await expect(page.locator('#metadata tr[data-kind="trailer"]')).toHaveCount(0);

    await expect(page.locator("#status")).toHaveAttribute("data-state", "ok", { timeout: 10_000 });
    const log = await events.evaluateAll((items) =>
      items.map((li) => ({
        kind: (li as HTMLElement).dataset.event,
        at: Number(/\+(\d+) ms/.exec(li.textContent ?? "")?.[1]),
        text: li.textContent ?? "",
      })),
    );
    expect(log.map((e) => e.kind)).toEqual([
      "headers",
      "message",
      "message",
      "message",
      "trailers",
    ]);
    expect(log[1]?.text).toContain("Hello, Stream (1/3)");
    expect(log[3]?.text).toContain("Hello, Stream (3/3)");
    expect(log[4]?.text).toMatch(/processing-ms=\d/);
    const times = log.map((e) => e.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Messages arrive one by one, an interval apart, not all at the end.
    expect((times[3] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(700);

    await expect(cell(page, "trailer", "processing-ms")).toHaveText(/^\d+\.\d{3}$/);
    await expect(wireRow(page, "trailer", "processing-ms")).toHaveAttribute("data-via", trailerVia);
    await expect(page.locator('#wire tr[data-via="message-frame"]')).toHaveCount(3);
  });
}

test("a stream that fails ends with its trailers and the error, after its messages", async ({
  page,
}) => {
  await page.goto(`${apiUrl()}/`);
  await page.getByLabel("SayHelloStream (server streaming)").check();
  await page.getByLabel("Name").fill("Fail");
  await page.getByLabel("Messages (1–100)").fill("2");
  await page.getByLabel("Interval (ms)").fill("10");
  await page.getByLabel("Fail with code").selectOption("14");
  await send(page);
  await expect(page.locator("#status")).toHaveText(/unavailable/);
  const kinds = await page
    .locator("#events li")
    .evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.event));
  expect(kinds).toEqual(["headers", "message", "message", "trailers", "error"]);
  await expect(page.locator('[data-detail="hello.v1.MetadataKeys"]')).toHaveCount(1);
  await expect(cell(page, "trailer", "processing-ms")).toHaveText(/^\d/);
  await expect(cell(page, "header", "response-time")).toHaveText(/Z$/);
});
