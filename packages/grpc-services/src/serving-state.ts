/** Whether the server takes new calls; health checks report it. */
export interface ServingState {
  /** True until shutdown begins. */
  readonly serving: boolean;
  /** Marks the server as shutting down and tells every listener. Idempotent. */
  stopServing(): void;
  /** Calls `listener` on every change; returns a function that unsubscribes. */
  onChange(listener: (serving: boolean) => void): () => void;
}

/** Creates a ServingState that starts out serving. */
export function createServingState(): ServingState {
  let serving = true;
  const listeners = new Set<(serving: boolean) => void>();
  return {
    get serving() {
      return serving;
    },
    stopServing() {
      if (!serving) return;
      serving = false;
      for (const l of listeners) l(false);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
