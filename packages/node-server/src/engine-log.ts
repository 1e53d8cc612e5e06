/**
 * Where the engine reports what goes wrong: a pino-shaped logger (`debug`,
 * `warn`, `error`, each with a structured object first), so an app can pass
 * its own. Entries are bounded in size: request fields are cut (see
 * request-summary.ts) and errors are summarized, so a client cannot flood a
 * log through the engine.
 */
export interface EngineLog {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** The default: warnings and errors on the console, one line each; debug dropped. */
export const consoleLog: EngineLog = {
  debug() {},
  warn(fields, message) {
    console.warn(`${message} ${JSON.stringify(fields)}`);
  },
  error(fields, message) {
    console.error(`${message} ${JSON.stringify(fields)}`);
  },
};

/** An error as a bounded log field: name, code, message (cut), and the stack's first frames. */
export function errorField(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: cut(String(error), 200) };
  const code = (error as NodeJS.ErrnoException).code;
  return {
    name: error.name,
    ...(code === undefined ? {} : { code }),
    message: cut(error.message, 300),
    stack: error.stack
      ?.split("\n")
      .slice(1, 6)
      .map((l) => l.trim()),
  };
}

/** `text` cut to `max` characters, marked with its full length when cut. */
export function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}
