// The only platform globals these services may use. The package compiles
// with neither DOM nor Node types (see tsconfig.json), so it runs on any
// Connect-ES server; anything else fails to compile. Declarations for the
// compiler only: nothing here is emitted.

declare global {
  /** The DOM standard's `AbortSignal`, as far as the health service reads it. */
  interface AbortSignal {
    readonly aborted: boolean;
    readonly reason: unknown;
    addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
    removeEventListener(type: "abort", listener: () => void): void;
  }
}

export {};
