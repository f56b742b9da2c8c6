#!/usr/bin/env node
// Builds a JavaScript handler into a sio-host component with ComponentizeJS:
//
//   node guest-sdk-js/build.mjs HANDLER.js -o OUT.wasm [--world endpoint]
//
// The world is `stateful-endpoint` (the handler hands its state over on a hot
// reload, as `serve()` exports it) unless `--world endpoint` says otherwise.
// The component imports only the contract (wit/) and the few WASI 0.2
// interfaces the JavaScript engine needs: fetch, timers, stdio and random
// are left out (a handler has no use for them; the host links none of them
// beyond what wasmtime-wasi p2 provides).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { componentize } from "@bytecodealliance/componentize-js";

const here = path.dirname(fileURLToPath(import.meta.url));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: "string", short: "o" },
    world: { type: "string", default: "stateful-endpoint" },
    wit: { type: "string", default: path.join(here, "..", "wit") },
  },
});
if (positionals.length !== 1 || !values.out) {
  console.error("usage: node guest-sdk-js/build.mjs HANDLER.js -o OUT.wasm [--world endpoint|stateful-endpoint]");
  process.exit(2);
}

const started = Date.now();
const { component } = await componentize({
  sourcePath: path.resolve(positionals[0]),
  witPath: path.resolve(values.wit),
  worldName: values.world,
  disableFeatures: ["stdio", "random", "clocks", "http", "fetch-event"],
});
await mkdir(path.dirname(path.resolve(values.out)), { recursive: true });
await writeFile(values.out, component);
console.error(
  `${values.out}: ${(component.length / 1e6).toFixed(1)} MB (${values.world}), built in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
