import { expect, type Page, test } from "@playwright/test";
import { cell, fillRow, protocolLabels, send, wireRow } from "./inspector.js";
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

/** The stream log as the page shows it: each event's kind and its "+N ms". */
async function eventLog(page: Page): Promise<{ kind: string; at: number }[]> {
  return page.locator("#events li").evaluateAll((items) =>
    items.map((li) => ({
      kind: (li as HTMLElement).dataset.event ?? "",
      at: Number(/\+(\d+) ms/.exec(li.textContent ?? "")?.[1]),
    })),
  );
}

// sendHeader sends now: the server's headers reach connect-web at once, the
// first message the delay later.
for (const protocol of protocolLabels) {
  test(`${protocol} SayHelloStream with a 1500 ms delay: headers at once, the first message 1500 ms later`, async ({
    page,
  }) => {
    await page.goto(`${apiUrl()}/`);
    await page.getByLabel(protocol, { exact: true }).check();
    await page.getByLabel("SayHelloStream (server streaming)").check();
    await page.getByLabel("Name").fill("Early");
    await page.getByLabel("Messages (1–100)").fill("1");
    await page.getByLabel("Delay (ms)").fill("1500");
    await page.locator("#send").click();

    // The headers are on the page while the greeting is still a second away.
    await expect(page.locator('#events li[data-event="headers"]')).toHaveCount(1, {
      timeout: 1_000,
    });
    await expect(cell(page, "header", "response-time")).toHaveText(/Z$/);
    await expect(page.locator('#events li[data-event="message"]')).toHaveCount(0);

    await expect(page.locator("#status")).toHaveAttribute("data-state", "ok", { timeout: 10_000 });
    const log = await eventLog(page);
    expect(log.map((e) => e.kind)).toEqual(["headers", "message", "trailers"]);
    const [headers, first] = log.map((e) => e.at);
    console.log(`${protocol}: headers at +${headers} ms, first message at +${first} ms`);
    expect(headers).toBeLessThan(500);
    expect((first ?? 0) - (headers ?? 0)).toBeGreaterThanOrEqual(1400);
  });
}

test("SayHelloAll and SayHelloChat are offered disabled, saying why a browser cannot call them", async ({
  page,
}) => {
  await page.goto(`${apiUrl()}/`);
  for (const method of ["SayHelloAll (client streaming)", "SayHelloChat (bidirectional)"]) {
    const choice = page.getByLabel(method);
    await expect(choice).toBeDisabled();
    await expect(choice).toHaveAccessibleDescription(
      /stream their requests, which a browser cannot do/,
    );
  }
  await expect(page.locator("#no-request-streams")).toBeVisible();
  await expect(page.locator("#send")).toHaveText("SayHello");
});
