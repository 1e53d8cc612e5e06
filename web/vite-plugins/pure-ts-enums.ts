import type { Plugin } from "vite";

/**
 * TypeScript compiles `export enum E { … }` to
 *
 *     export var E;
 *     (function (E) { E[E["A"] = 0] = "A"; … })(E || (E = {}));
 *
 * A bundler cannot tell that this call only fills a fresh object, so it keeps
 * every such enum, used or not. protobuf-es ships its well-known types this
 * way: `descriptor_pb.js`, which every generated file needs, brings some 20
 * enums the page never reads (about 1 KB of the gzipped bundle).
 *
 * This plugin rewrites exactly that pattern, in @bufbuild/protobuf's files
 * only, to the equivalent
 *
 *     export var E = /* @__PURE__ *\/ (function (E) { …; return E; })({});
 *
 * which is the same object, built the same way, and which the bundler drops
 * when nothing uses `E`. Code that does not match the pattern is left as it
 * is (then the bundle is only bigger, never different).
 */
export function pureTsEnums(): Plugin {
  const enumIife =
    /export var (\w+);(\s*)\(function \(\1\) \{([\s\S]*?)\}\)\(\1 \|\| \(\1 = \{\}\)\);/g;
  return {
    name: "hello-metadata:pure-ts-enums",
    apply: "build",
    transform(code, id) {
      if (!/[\\/]node_modules[\\/]@bufbuild[\\/]protobuf[\\/].*\.js$/.test(id)) return null;
      if (!code.includes("export var ")) return null;
      const out = code.replace(
        enumIife,
        (_, name: string, space: string, body: string) =>
          `export var ${name} =${space}/*@__PURE__*/ (function (${name}) {${body}return ${name};})({});`,
      );
      return out === code ? null : { code: out, map: null };
    },
  };
}
