#!/usr/bin/env node
// Builds a JavaScript handler into a sio-host component with ComponentizeJS:
//
//   npx sio-build-js HANDLER.js -o OUT.wasm [--world WORLD] [--wit DIR]
//   node guest-sdk-js/build.mjs HANDLER.js -o OUT.wasm ...   (in the repository)
//
// The contract is the WIT the npm package ships (wit/), in the repository
// the repository's (../wit), unless --wit names another; its `package
// sio:realtime@X;` must be the SDK's WIT_VERSION (sio.js).
//
// The handler and what it imports (relative paths, or packages from
// node_modules such as `sio-guest/sio.js`: Node's resolution, the
// packages' `exports`) are first bundled into one ES module with Rolldown;
// the contract's interfaces (`sio:realtime/...`) stay imports. The
// JavaScript engine's own module loader resolves no package names.
// The world is `stateful-endpoint` (the handler hands its state over on a hot
// reload, as `serve()` exports it) unless `--world` says otherwise:
// `endpoint` (no hand-over), or, for a handler using sio-async.js (timers,
// hold/release, http-fetch, cluster-sockets: docs/async.md),
// `stateful-async-endpoint` or `async-endpoint`, and for one that also
// hears what comes back from broadcasts with acks and other nodes' server
// events (onReplies, onServerEvent; it exports `broadcastEvents`),
// `stateful-async-broadcast-endpoint` or `async-broadcast-endpoint`. A
// handler built for an async world imports sio-async.js; one built for the
// others imports only sio.js (their worlds have no `async-host` import).
// The component imports only the contract (wit/) and the few WASI 0.2
// interfaces the JavaScript engine needs: fetch, timers, stdio and random
// are left out (a handler has no use for them; the host links none of them
// beyond what wasmtime-wasi p2 provides).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { componentize } from "@bytecodealliance/componentize-js";
import { rolldown } from "rolldown";
import { defaultWit, sdkWitVersion, witVersion } from "./wit.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: "string", short: "o" },
    world: { type: "string", default: "stateful-endpoint" },
    help: { type: "boolean", short: "h" },
    wit: { type: "string", default: defaultWit() },
  },
});
const WORLDS = [
  "endpoint",
  "stateful-endpoint",
  "async-endpoint",
  "stateful-async-endpoint",
  "async-broadcast-endpoint",
  "stateful-async-broadcast-endpoint",
];
if (values.help || positionals.length !== 1 || !values.out || !WORLDS.includes(values.world)) {
  console.error(`usage: sio-build-js HANDLER.js -o OUT.wasm [--world ${WORLDS.join("|")}] [--wit DIR]`);
  process.exit(values.help ? 0 : 2);
}
const wit = witVersion(values.wit);
if (wit !== sdkWitVersion()) {
  console.error(
    `sio-build-js: ${values.wit} is sio:realtime@${wit ?? "?"}, but this SDK is written for ${sdkWitVersion()} (WIT_VERSION)`,
  );
  process.exit(2);
}

/** `entry` and the modules it imports as one ES module: its text and the
 * names it exports. */
async function bundle(entry) {
  const build = await rolldown({
    input: entry,
    cwd: path.dirname(entry),
    platform: "neutral",
    external: [/^(sio|wasi):/],
    // "neutral" resolves no package `main` by itself.
    resolve: { mainFields: ["module", "main"] },
  });
  try {
    const { output } = await build.generate({ format: "esm", codeSplitting: false });
    const chunks = output.filter((o) => o.type === "chunk");
    if (chunks.length !== 1 || output.length !== 1) {
      throw new Error(`bundling ${entry} made ${output.length} files, not one module`);
    }
    return { code: chunks[0].code, exports: chunks[0].exports };
  } finally {
    await build.close();
  }
}

const started = Date.now();
const entry = path.resolve(positionals[0]);
const staging = await mkdtemp(path.join(tmpdir(), "sio-build-js-"));
let component;
try {
  const source = path.join(staging, path.basename(entry));
  const { code, exports } = await bundle(entry);
  // ComponentizeJS builds a handler exporting more than its world has and
  // leaves the rest out without a word: a `broadcastEvents` export built
  // for a world without `broadcast-events` would never be called.
  if (exports.includes("broadcastEvents") && !values.world.includes("broadcast")) {
    const hearing = values.world.includes("async")
      ? `--world ${values.world.replace("async-endpoint", "async-broadcast-endpoint")} does`
      : "the async-broadcast-endpoint worlds do";
    console.error(
      `sio-build-js: warning: ${positionals[0]} exports broadcastEvents, which --world ${values.world} does not have: ` +
        `it will hear no onReplies / onServerEvent (${hearing})`,
    );
  }
  await writeFile(source, code);
  ({ component } = await componentize({
    sourcePath: source,
    witPath: path.resolve(values.wit),
    worldName: values.world,
    disableFeatures: ["stdio", "random", "clocks", "http", "fetch-event"],
  }));
} finally {
  await rm(staging, { recursive: true, force: true });
}
await mkdir(path.dirname(path.resolve(values.out)), { recursive: true });
await writeFile(values.out, component);
console.error(
  `${values.out}: ${(component.length / 1e6).toFixed(1)} MB (${values.world}), built in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
