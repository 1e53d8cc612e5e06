import { expect, test } from "@playwright/test";
import { cell, fillRow, protocolLabels, send, wireRow } from "./inspector.js";
import { apiUrl } from "./urls.js";

for (const protocol of protocolLabels) {
  test(`${protocol}: a failed call shows its code, message, decoded details, and its headers and trailers apart`, async ({
    page,
  }) => {
    await page.goto(`${apiUrl()}/`);
    await page.getByLabel(protocol, { exact: true }).check();
    await page.getByLabel("Name").fill("Err");
    await page.getByLabel("Fail with code").selectOption("5");
    await fillRow(page, 1, "x-request-id", "err-1");
    await send(page);

    await expect(page.locator("#status")).toHaveText(
      "Error: [not_found] failing as asked with NotFound",
    );
    await expect(page.locator("#message")).toHaveText("");
    const error = page.locator("#error");
    await expect(error).toBeVisible();
    await expect(page.locator("#error-code")).toHaveText("NotFound (5)");
    await expect(page.locator("#error-message")).toHaveText("failing as asked with NotFound");
    await expect(page.locator('#error-details li[data-detail="hello.v1.MetadataKeys"]')).toHaveText(
      "hello.v1.MetadataKeys: header keys [response-time, x-request-id, x-served-by], trailer keys [processing-ms]",
    );
    // Headers stay headers and trailers stay trailers, though Connect-ES merges them on errors.
    await expect(cell(page, "header", "response-time")).toHaveText(/Z$/);
    await expect(cell(page, "header", "x-request-id")).toHaveText("err-1");
    await expect(cell(page, "trailer", "processing-ms")).toHaveText(/^\d+\.\d{3}$/);
    await expect(
      page.locator('#metadata tr[data-kind="trailer"][data-key="response-time"]'),
    ).toHaveCount(0);
    await expect(
      page.locator('#metadata tr[data-kind="header"][data-key="processing-ms"]'),
    ).toHaveCount(0);
    // No response, so no server report.
    await expect(page.locator("#server-report")).toBeHidden();
    await expect(wireRow(page, "status")).toHaveCount(1);
  });
}

test("an error with no details says so, and the next successful call hides the error", async ({
  page,
}) => {
  await page.goto(`${apiUrl()}/`);
  await send(page); // an empty name is InvalidArgument, without details
  await expect(page.locator("#error-code")).toHaveText("InvalidArgument (3)");
  await expect(page.locator("#error-details")).toHaveText("none");
  await page.getByLabel("Name").fill("Ok");
  await send(page);
  await expect(page.locator("#error")).toBeHidden();
});

test("a deadline shorter than the call ends it with DeadlineExceeded", async ({ page }) => {
  await page.goto(`${apiUrl()}/`);
  await page.getByLabel("Name").fill("Slow");
  await page.getByLabel("Delay (ms)").fill("2000");
  await page.getByLabel("Timeout (ms)").fill("300");
  await send(page);
  await expect(page.locator("#status")).toHaveText(/deadline_exceeded/);
  await expect(wireRow(page, "deadline", "connect-timeout-ms")).toContainText("300");
});
