import { isBinaryKey } from "./binary.js";
import type { MD } from "./md.js";
import { isReservedKey } from "./reserved.js";

/**
 * Why a key or value cannot be sent as metadata. `key` names the offender so
 * callers (the web page's editor, logs, error messages) can point at it.
 */
export class MetadataError extends Error {
  override name = "MetadataError";
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks a key the way grpc-go's `ValidateKey` does: not empty, and only
 * `[0-9a-z_.-]` after lowercasing. Unlike grpc-go, pseudo-headers (`:path`)
 * are not skipped here: user metadata may never carry them.
 *
 * @returns undefined when valid, else a MetadataError naming the key.
 */
export function checkKey(key: string): MetadataError | undefined {
  if (key === "") return new MetadataError(key, "there is an empty key in the metadata");
  if (!/^[0-9a-z_.-]+$/.test(key.toLowerCase())) {
    return new MetadataError(
      key,
      `metadata key ${JSON.stringify(key)} contains illegal characters not in [0-9a-z-_.]`,
    );
  }
  return undefined;
}

/**
 * Checks a text value the way grpc-go's `ValidatePair` does: every character
 * must be printable ASCII, 0x20 to 0x7E, so CR, LF, NUL, DEL and anything
 * beyond ASCII are refused. Binary (`-bin`) values are bytes and need no check.
 */
export function checkValue(key: string, value: string): MetadataError | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      return new MetadataError(
        key,
        `metadata key ${JSON.stringify(key)} contains value with non-printable ASCII characters (0x${c.toString(16).padStart(2, "0")} at index ${i})`,
      );
    }
  }
  return undefined;
}

/**
 * Checks that user metadata may be written as `key`: valid characters and not
 * reserved by the protocol (see `isReservedKey`). grpc-go silently drops
 * reserved keys when sending; we refuse them, so a mistake is never silent.
 */
export function checkWritableKey(key: string): MetadataError | undefined {
  if (writableKeys.has(key)) return undefined;
  if (key !== "" && isReservedKey(key.toLowerCase())) {
    return new MetadataError(
      key,
      `metadata key ${JSON.stringify(key)} is reserved for the protocol and cannot be set from user metadata`,
    );
  }
  const invalid = checkKey(key);
  if (!invalid && writableKeys.size < 1024) writableKeys.add(key);
  return invalid;
}

/** Keys already found writable: servers write the same few keys on every call. */
const writableKeys = new Set<string>();

/**
 * Validates metadata before it is sent: each key with `checkWritableKey`,
 * each text value with `checkValue`.
 *
 * @returns the first problem found, or undefined when all of `md` may be sent.
 */
export function validateMD(md: MD): MetadataError | undefined {
  let problem: MetadataError | undefined;
  md.forEach((values, key) => {
    if (problem) return;
    problem = checkWritableKey(key);
    if (problem || isBinaryKey(key)) return;
    for (const v of values) {
      problem = checkValue(key, v as string);
      if (problem) return;
    }
  });
  return problem;
}
