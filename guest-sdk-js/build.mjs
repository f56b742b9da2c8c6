#!/usr/bin/env node
// Builds a JavaScript handler into a sio-host component with ComponentizeJS:
//
//   node guest-sdk-js/build.mjs HANDLER.js -o OUT.wasm [--world WORLD]
//
// The world is `stateful-endpoint` (the handler hands its state over on a hot
// reload, as `serve()` exports it) unless `--world` says otherwise:
// `endpoint` (no hand-over), or, for a handler using sio-async.js (timers,
// hold/release, http-fetch, cluster-sockets: docs/async.md),
// `stateful-async-endpoint` or `async-endpoint`. A handler built for an
// async world imports sio-async.js; one built for the others imports only
// sio.js (their worlds have no `async-host` import).
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
    help: { type: "boolean", short: "h" },
    wit: { type: "string", default: path.join(here, "..", "wit") },
  },
});
const WORLDS = ["endpoint", "stateful-endpoint", "async-endpoint", "stateful-async-endpoint"];
if (values.help || positionals.length !== 1 || !values.out || !WORLDS.includes(values.world)) {
  console.error(`usage: node guest-sdk-js/build.mjs HANDLER.js -o OUT.wasm [--world ${WORLDS.join("|")}]`);
  process.exit(values.help ? 0 : 2);
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
