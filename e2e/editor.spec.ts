import { expect, test } from "@playwright/test";
import { countRpcs, fillRow, received, send } from "./inspector.js";
import { apiUrl } from "./urls.js";

test("binary metadata round trip: typed as hex and as text, received as base64", async ({
  page,
}) => {
  await page.goto(`${apiUrl()}/`);
  await page.getByLabel("Name").fill("Bytes");
  await fillRow(page, 1, "x-demo-bin", "00ff10");
  await page.getByLabel("Binary value 1").check();
  await expect(page.getByLabel("Value 1 typed as")).toHaveValue("hex");
  await expect(page.getByLabel("Metadata value 1")).toHaveAttribute("placeholder", /hex/);
  await fillRow(page, 2, "x-demo-bin", "hi");
  await page.getByLabel("Binary value 2").check();
  await page.getByLabel("Value 2 typed as").selectOption("text");
  await send(page);

  await expect(page.locator("#status")).toHaveText(/^OK/);
  // 00 ff 10 is "AP8Q"; the UTF-8 bytes of "hi" are "aGk=". Two values of one
  // key travel comma-joined and are split back apart by the server.
  await expect(received(page, "x-demo-bin")).toHaveText("x-demo-bin: AP8Q, aGk=");
});

test("each invalid row is refused by the library before sending, on its own row", async ({
  page,
}) => {
  const rpcs = countRpcs(page);
  await page.goto(`${apiUrl()}/`);
  await page.getByLabel("Name").fill("x");
  const cases: {
    key: string;
    value: string;
    binary?: boolean;
    field: "key" | "value";
    message: RegExp;
  }[] = [
    { key: "Bad Key", value: "v", field: "key", message: /illegal characters/ },
    { key: "grpc-status", value: "0", field: "key", message: /reserved for the protocol/ },
    { key: "x-demo", value: "caf\u00e9", field: "value", message: /non-printable ASCII/ },
    {
      key: "x-demo-bin",
      value: "text",
      field: "value",
      message: /takes Uint8Array values, got string/,
    },
    { key: "x-demo", value: "00", binary: true, field: "key", message: /key ending in -bin/ },
    { key: "x-demo-bin", value: "0g", binary: true, field: "value", message: /not hex/ },
  ];
  for (const [i, c] of cases.entries()) {
    await fillRow(page, i + 1, c.key, c.value);
    if (c.binary) await page.getByLabel(`Binary value ${i + 1}`).check();
  }
  await page.getByRole("button", { name: "SayHello" }).click();

  await expect(page.locator("#status")).toHaveText(/Not sent/);
  const rows = page.locator("#rows .row");
  for (const [i, c] of cases.entries()) {
    await expect(rows.nth(i).locator(".row-error")).toHaveText(c.message);
    const field = page.getByLabel(`Metadata ${c.field} ${i + 1}`, { exact: true });
    await expect(field).toHaveAttribute("aria-invalid", "true");
  }
  // The first offending field gets the focus.
  await expect(page.getByLabel("Metadata key 1", { exact: true })).toBeFocused();
  expect(rpcs()).toBe(0);

  // Fixing a row clears its message.
  await page.getByLabel("Metadata key 1", { exact: true }).fill("good-key");
  await expect(rows.nth(0).locator(".row-error")).toHaveText("");
});

test("the running size counts name + value + 32 per entry, warns past 8 KB, and the server agrees", async ({
  page,
}) => {
  await page.goto(`${apiUrl()}/`);
  const userAgent = await page.evaluate(() => navigator.userAgent);
  const ua = "user-agent".length + userAgent.length + 32;
  await expect(page.locator("#md-size")).toHaveText(String(ua));

  await page.getByLabel("Name").fill("Big");
  await fillRow(page, 1, "x-demo", "v".repeat(100));
  // A binary value counts as its base64: 3 bytes are 4 characters.
  await fillRow(page, 2, "x-demo-bin", "000102");
  await page.getByLabel("Binary value 2").check();
  await expect(page.locator("#md-size")).toHaveText(String(ua + (6 + 100 + 32) + (10 + 4 + 32)));
  await expect(page.locator("#md-size-warning")).toHaveText("");

  const over = 8192 - ua - (6 + 32) + 1;
  await fillRow(page, 1, "x-demo", "v".repeat(over));
  await page.getByRole("button", { name: "Remove metadata row 2" }).click();
  await expect(page.locator("#md-size")).toHaveText("8193");
  await expect(page.locator("#md-size-warning")).toHaveText(
    "1 bytes over the server's limit: the call will fail with ResourceExhausted.",
  );
  await send(page);
  await expect(page.locator("#status")).toHaveText(/resource_exhausted.*over the limit of 8192/);
});

test("rows keep their labels in order when one is removed", async ({ page }) => {
  await page.goto(`${apiUrl()}/`);
  await fillRow(page, 3, "third", "3");
  await fillRow(page, 1, "first", "1");
  await page.getByRole("button", { name: "Remove metadata row 2" }).click();
  await expect(page.getByLabel("Metadata key 2", { exact: true })).toHaveValue("third");
  await expect(page.getByLabel("Metadata key 2", { exact: true })).toBeFocused();
  await expect(page.locator("#rows .row")).toHaveCount(2);
});
