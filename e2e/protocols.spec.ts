import { expect, test } from "@playwright/test";
import {
  cell,
  fillRow,
  metadataKeys,
  protocolLabels,
  received,
  send,
  wireRow,
} from "./inspector.js";
import { apiUrl } from "./urls.js";

/** How each protocol carries the request and the `processing-ms` trailer of a unary call. */
const expected = {
  "Connect (JSON)": { contentType: "application/json", trailerVia: "trailer-header" },
  "Connect (binary)": { contentType: "application/proto", trailerVia: "trailer-header" },
  "gRPC-Web": { contentType: "application/grpc-web+proto", trailerVia: "trailer-frame" },
} as const;

for (const protocol of protocolLabels) {
  test(`${protocol}: metadata rows reach the server, and the same headers and trailer come back`, async ({
    page,
  }) => {
    const requestId = `e2e-${protocol.replace(/\W+/g, "-").toLowerCase()}`;
    await page.goto(`${apiUrl()}/`);
    await page.getByLabel(protocol, { exact: true }).check();
    await page.getByLabel("Name").fill("Proto");
    await fillRow(page, 1, "x-request-id", requestId);
    await fillRow(page, 2, "x-user", "junxi");
    await send(page);

    await expect(page.locator("#status")).toContainText(`OK · ${protocol} · `);
    await expect(page.locator("#message")).toHaveText("Hello, Proto");
    // What the server received, as it reports it.
    await expect(received(page, "x-user")).toHaveText("x-user: junxi");
    await expect(received(page, "x-request-id")).toHaveText(`x-request-id: ${requestId}`);
    // What came back, read by the library's header() and trailer() captures.
    await expect(cell(page, "header", "response-time")).toHaveText(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    );
    await expect(cell(page, "header", "x-request-id")).toHaveText(requestId);
    await expect(cell(page, "trailer", "processing-ms")).toHaveText(/^\d+\.\d{3}$/);
    // The same keys, each as header or trailer, whatever the protocol.
    expect(await metadataKeys(page)).toEqual([
      "header:response-time",
      "header:x-request-id",
      "header:x-served-by",
      "trailer:processing-ms",
    ]);
    await expect(page.locator("#metadata tr.hidden-key")).toHaveCount(0);

    // The wire view: the protocol's content type, and how the trailer travelled.
    await expect(wireRow(page, "protocol", "content-type")).toContainText(
      expected[protocol].contentType,
    );
    await expect(wireRow(page, "trailer", "processing-ms")).toHaveAttribute(
      "data-via",
      expected[protocol].trailerVia,
    );
    await expect(wireRow(page, "header", "response-time")).toHaveAttribute("data-via", "header");
    await expect(wireRow(page, "request metadata", "x-user")).toHaveCount(1);
    await expect(page.locator("#wire-summary")).toHaveText(/unary: \d+\.\d ms in all/);
  });
}
