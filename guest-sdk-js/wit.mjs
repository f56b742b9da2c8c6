// Where the contract is and which version it is, for build.mjs and
// pack-wit.mjs (Node only; handlers never import this).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The WIT build.mjs uses without --wit: the copy the npm package ships
 * (wit/, put there by `npm pack`), else the repository's (../wit). */
export function defaultWit() {
  const shipped = path.join(here, "wit");
  return existsSync(path.join(shipped, "realtime.wit")) ? shipped : path.join(here, "..", "wit");
}

/** The X of `package sio:realtime@X;` in `wit` (a .wit file or a folder of
 * them); undefined when none says it. */
export function witVersion(wit) {
  const files = statSync(wit).isDirectory()
    ? readdirSync(wit).filter((f) => f.endsWith(".wit")).map((f) => path.join(wit, f))
    : [wit];
  for (const f of files) {
    const m = /^\s*package\s+sio:realtime@([^;\s]+)\s*;/m.exec(readFileSync(f, "utf8"));
    if (m) return m[1];
  }
  return undefined;
}

/** sio.js's WIT_VERSION, read from its text (sio.js itself imports the
 * contract's interfaces, which only exist inside a component). */
export function sdkWitVersion() {
  const m = /^export const WIT_VERSION = "([^"]+)";/m.exec(readFileSync(path.join(here, "sio.js"), "utf8"));
  if (!m) throw new Error(`${path.join(here, "sio.js")} has no WIT_VERSION`);
  return m[1];
}
