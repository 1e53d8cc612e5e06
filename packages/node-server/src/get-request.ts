/**
 * Checks the query of a Connect GET request before Connect-ES decodes it.
 * Connect-ES answers a `message` that is not base64 with a bare "internal
 * error"; the caller sent it, so we say what is wrong instead.
 *
 * @returns a message naming the problem, or undefined when the query is fine
 *   as far as this check goes (Connect-ES validates the rest).
 */
export function checkGetQuery(search: URLSearchParams): string | undefined {
  const message = search.get("message");
  if (message === null) return 'GET request is missing the "message" query parameter';
  if (search.get("base64") === "1" && !isBase64(message)) {
    return 'the "message" query parameter is not valid base64 (base64=1)';
  }
  const encoding = search.get("encoding");
  if (encoding !== null && encoding !== "json" && encoding !== "proto") {
    return `unsupported encoding ${JSON.stringify(encoding)} in the query: use json or proto`;
  }
  return undefined;
}

/**
 * Standard or URL-safe base64, padded or not, of a length some bytes can
 * have: a length of 4n + 1 characters encodes no whole byte.
 */
function isBase64(text: string): boolean {
  const unpadded = text.replace(/={1,2}$/, "");
  if (!/^[A-Za-z0-9+/_-]*$/.test(unpadded) || unpadded.length % 4 === 1) return false;
  return unpadded.length === text.length || text.length % 4 === 0;
}
