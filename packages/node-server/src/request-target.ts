import type * as http from "node:http";

/** Where a request goes: its path (for routing), query, and absolute URL (for Connect-ES). */
export interface RequestTarget {
  /** The path without the query, e.g. `/hello.v1.HelloService/SayHello`. */
  readonly path: string;
  /** The query with its `?`, or "". */
  readonly search: string;
  /** `http://<authority><path><search>`, a URL that parses. */
  readonly url: string;
}

/** Why a request cannot be routed: answered 400 with this reason. */
export interface TargetProblem {
  readonly problem: string;
}

/**
 * An authority as RFC 3986 allows it in a URL (§3.2.2): an IP literal in
 * brackets, or a reg-name / IPv4 address of unreserved, sub-delim and
 * percent-encoded characters, with an optional numeric port. No userinfo,
 * no path, no whitespace.
 */
const authorityPattern =
  /^(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+)(?::[0-9]{0,5})?$/;

/** Authorities already seen to be good: the same few arrive on every request. */
const goodAuthorities = new Set<string>();

function checkAuthority(authority: string): boolean {
  if (goodAuthorities.has(authority)) return true;
  if (authority.length > 255 || !authorityPattern.test(authority)) return false;
  try {
    new URL(`http://${authority}/`);
  } catch {
    return false;
  }
  if (goodAuthorities.size < 64) goodAuthorities.add(authority);
  return true;
}

/**
 * The target of a request: origin-form (`/path?query`, RFC 9112 §3.2.1)
 * with the authority from `host`/`:authority`, or absolute-form
 * (`http://host/path`, §3.2.2), which is routed by its path and whose own
 * authority wins. A request without an authority (HTTP/1.0 may omit Host;
 * HTTP/2 may omit both `:authority` and `host`) is taken as addressed to
 * `fallbackAuthority`, the server itself.
 *
 * @returns a problem, never a throw, for anything that is not a routable
 *   target: an authority that does not parse, an asterisk- or
 *   authority-form target, a target that is neither `/…` nor an http(s) URL,
 *   more than one Host header (RFC 9112 §3.2 requires 400).
 */
export function requestTarget(
  rawTarget: string,
  authority: string | undefined,
  fallbackAuthority: string,
): RequestTarget | TargetProblem {
  if (authority !== undefined && !checkAuthority(authority)) {
    return { problem: "the request's authority (Host or :authority) is not a valid host" };
  }
  if (rawTarget.startsWith("/")) {
    const q = rawTarget.indexOf("?");
    const path = q < 0 ? rawTarget : rawTarget.slice(0, q);
    const search = q < 0 ? "" : rawTarget.slice(q);
    const url = `http://${authority ?? fallbackAuthority}${rawTarget}`;
    return { path, search, url };
  }
  if (/^https?:\/\//i.test(rawTarget)) {
    let parsed: URL;
    try {
      parsed = new URL(rawTarget);
    } catch {
      return { problem: "the request target is not a valid URL" };
    }
    if (parsed.username || parsed.password || !checkAuthority(parsed.host)) {
      return { problem: "the request target's authority is not a valid host" };
    }
    const url = `http://${parsed.host}${parsed.pathname}${parsed.search}`;
    return { path: parsed.pathname, search: parsed.search, url };
  }
  return { problem: "the request target is neither a path (/…) nor an http URL" };
}

/** The target of an HTTP/1.x request (see {@link requestTarget}); duplicate Host lines are a problem. */
export function http1Target(
  req: Pick<http.IncomingMessage, "url" | "rawHeaders">,
  fallbackAuthority: string,
): RequestTarget | TargetProblem {
  let host: string | undefined;
  let hosts = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? "";
    if (name.length === 4 && name.toLowerCase() === "host") {
      hosts++;
      host = raw[i + 1];
    }
  }
  if (hosts > 1) return { problem: "the request has more than one Host header" };
  return requestTarget(req.url ?? "", host, fallbackAuthority);
}

/** The target of an HTTP/2 request from its pseudo-headers (see {@link requestTarget}). */
export function http2Target(
  headers: http.IncomingHttpHeaders,
  fallbackAuthority: string,
): RequestTarget | TargetProblem {
  const authority = headers[":authority"] ?? headers.host;
  if (Array.isArray(authority)) return { problem: "the request has more than one Host header" };
  const path = headers[":path"];
  if (typeof path !== "string") return { problem: "the request has no :path" };
  return requestTarget(path, authority, fallbackAuthority);
}
