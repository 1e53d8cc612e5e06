/** The API server the tests talk to (started by global-setup.ts). */
export function apiUrl(): string {
  return required("E2E_BASE_URL");
}

/** A second server on another port: an origin the API does not allow. */
export function otherUrl(): string {
  return required("E2E_OTHER_URL");
}

/**
 * The same API server under its other loopback name: `localhost` when the
 * API is `127.0.0.1`. A different origin that the server allows by default.
 */
export function allowedOtherOrigin(): string {
  const url = new URL(apiUrl());
  url.hostname = url.hostname === "127.0.0.1" ? "localhost" : "127.0.0.1";
  return url.origin;
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set; run the tests through playwright.config.ts`);
  return v;
}
