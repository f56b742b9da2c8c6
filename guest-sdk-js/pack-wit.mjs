#!/usr/bin/env node
// npm's prepack/postpack step: `node pack-wit.mjs copy` puts the
// repository's contract (../wit/*.wit) into wit/ so the tarball ships the
// WIT the SDK was written for, after checking that its `package
// sio:realtime@X;` is sio.js's WIT_VERSION; `node pack-wit.mjs clean`
// removes the copy again (wit/ is git-ignored: ../wit stays the one source).
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sdkWitVersion, witVersion } from "./wit.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.join(here, "..", "wit");
const copy = path.join(here, "wit");

const [what] = process.argv.slice(2);
if (what === "copy") {
  const found = witVersion(source);
  if (found !== sdkWitVersion()) {
    console.error(`pack-wit: ${source} is sio:realtime@${found}, sio.js's WIT_VERSION ${sdkWitVersion()}`);
    process.exit(1);
  }
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(copy);
  for (const f of readdirSync(source).filter((f) => f.endsWith(".wit"))) {
    copyFileSync(path.join(source, f), path.join(copy, f));
  }
  console.error(`pack-wit: ${source} (sio:realtime@${found}) copied into ${copy}`);
} else if (what === "clean") {
  rmSync(copy, { recursive: true, force: true });
} else {
  console.error("usage: node pack-wit.mjs copy|clean");
  process.exit(2);
}
