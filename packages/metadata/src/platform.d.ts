// The only platform globals this library may use: parts of the Fetch
// and Encoding standards and the console, which browsers, Node (18+), Deno, Bun and
// edge runtimes all provide. The package compiles with neither DOM nor Node
// types (see tsconfig.json), so reaching for anything else — `Buffer`,
// `process`, `window`, `document`, a `node:` module — fails to compile.
//
// These are declarations for the compiler only; nothing here is emitted,
// and a consumer's own DOM or Node types describe the same objects.

declare global {
  type HeadersInit = [string, string][] | Record<string, string> | Headers;

  /** The Fetch standard's `Headers` (WHATWG Fetch §5.2). */
  interface Headers {
    append(name: string, value: string): void;
    delete(name: string): void;
    get(name: string): string | null;
    getSetCookie(): string[];
    has(name: string): boolean;
    set(name: string, value: string): void;
    forEach(
      callback: (value: string, key: string, parent: Headers) => void,
      thisArg?: unknown,
    ): void;
    entries(): IterableIterator<[string, string]>;
    keys(): IterableIterator<string>;
    values(): IterableIterator<string>;
    [Symbol.iterator](): IterableIterator<[string, string]>;
  }
  var Headers: {
    prototype: Headers;
    new (init?: HeadersInit): Headers;
  };

  /** The DOM standard's `AbortSignal`, as far as this library reads it. */
  interface AbortSignal {
    readonly aborted: boolean;
    readonly reason: unknown;
  }

  /** The Fetch standard's `Response`, as far as this library reads it. */
  interface Response {
    readonly headers: Headers;
    readonly status: number;
  }

  interface RequestInit {
    signal?: AbortSignal | null;
  }

  type RequestInfo = string | { readonly url: string };

  function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;

  interface URL {
    readonly href: string;
  }

  /** The Encoding standard's UTF-8 encoder and decoder. */
  interface TextEncoder {
    encode(input?: string): Uint8Array;
  }
  var TextEncoder: { new (): TextEncoder };
  interface TextDecoder {
    decode(input?: Uint8Array): string;
  }
  var TextDecoder: { new (label?: string, options?: { fatal?: boolean }): TextDecoder };

  interface Console {
    warn(...data: unknown[]): void;
  }
  var console: Console;
}

export {};
