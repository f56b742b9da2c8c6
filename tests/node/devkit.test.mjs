// The handler author's kit (docs/devkit.md, issue 19), as a new user would
// use it, in a temporary folder outside the repository: `sio-host new` for
// each language, `sio-host build` with that language's own tools against
// the packaged SDKs (`cargo xtask package-sdks` writes them to target/sdk/),
// the project served by `sio-host run` and driven with socket.io-client 4;
// and `sio-host dev`: a save changes what an already connected client gets,
// and a broken save keeps the last good build serving.
//
// SIO_DEVKIT_LANGS=rust,python (a comma list) runs a subset.

import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { closeClients, connect, hostBin, once, repoRoot, sleep, startServer } from "./helpers.mjs";

const T = { timeout: 600_000 };
const sdkDir = path.join(repoRoot, "target", "sdk");
const only = process.env.SIO_DEVKIT_LANGS?.split(",");

/** The packaged SDK file whose name starts with `prefix` and ends with `ext`. */
function sdk(prefix, ext) {
  const found = existsSync(sdkDir) ? readdirSync(sdkDir).find((f) => f.startsWith(prefix) && f.endsWith(ext)) : undefined;
  if (!found) throw new Error(`no ${prefix}*${ext} in ${sdkDir}: run \`cargo xtask package-sdks\``);
  return path.join(sdkDir, found);
}

/** Run a command in `cwd`, its output kept for the error when it fails. */
function sh(cmd, args, cwd, env = {}) {
  try {
    return execFileSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${e.stdout}\n${e.stderr}`);
  }
}

/** What each language's project needs once `sio-host new` has written it:
 * its SDK installed from the packages, by that language's own tools. */
const LANGS = {
  rust: {
    setup(dir) {
      // The template depends on sio-guest by version; offline, the
      // documented path override points it at the packaged crate.
      const crate = sdk("sio-guest-", ".crate");
      const unpacked = path.join(path.dirname(dir), "sio-guest-crate");
      if (!existsSync(unpacked)) {
        sh("mkdir", ["-p", unpacked], dir);
        sh("tar", ["xzf", crate, "-C", unpacked, "--strip-components=1"], dir);
      }
      appendFileSync(path.join(dir, "Cargo.toml"), `\n[patch.crates-io]\nsio-guest = { path = ${JSON.stringify(unpacked)} }\n`);
    },
    source: "src/lib.rs",
    edit: (text) => text.replace('("echo", Some(ack)) => drop(ack.reply_raw(args.raw(), args.attachments())),', '("echo", Some(ack)) => drop(ack.reply(&("v2",))),'),
    breakIt: (text) => `${text}\nthis is not rust\n`,
  },
  js: {
    setup(dir) {
      sh("npm", ["install", "--no-audit", "--no-fund", sdk("sio-guest-", ".tgz")], dir);
    },
    source: "handler.js",
    edit: (text) => text.replace('if (event === "echo" && ack) ack(...args);', 'if (event === "echo" && ack) ack("v2");'),
    breakIt: (text) => `${text}\nthis is not javascript (\n`,
  },
  c: {
    // The SDK and the WASI adapter come with the project (sdk/); clang,
    // wasi-libc and wasm-tools are the machine's.
    setup() {},
    source: "handler.c",
    edit: (text) => text.replace("sio_ack_reply(ack, args->json);", 'sio_ack_reply(ack, "[\\"v2\\"]");'),
    breakIt: (text) => `${text}\nthis is not c\n`,
  },
  python: {
    setup(dir) {
      sh("python3", ["-m", "venv", ".venv"], dir);
      sh(path.join(dir, ".venv/bin/pip"), ["install", "--quiet", sdk("sio_guest-", ".whl")], dir);
    },
    source: "handler.py",
    edit: (text) => text.replace("ack(*args)", 'ack("v2")'),
    breakIt: (text) => `${text}\nthis is not python(\n`,
  },
};

describe("sio-host new / build / dev, outside the repository", () => {
  const work = mkdtempSync(path.join(os.tmpdir(), "sio-devkit-"));
  const stop = [];
  after(async () => {
    closeClients();
    for (const s of stop.reverse()) await s.stop();
    rmSync(work, { recursive: true, force: true });
  });

  for (const [lang, kit] of Object.entries(LANGS).filter(([l]) => !only || only.includes(l))) {
    it(`makes, builds and serves a ${lang} handler`, T, async () => {
      sh(hostBin(), ["new", `echo-${lang}`, "--lang", lang, "--dir", work], work);
      const dir = path.join(work, `echo-${lang}`);
      kit.setup(dir);
      sh(hostBin(), ["build"], dir);
      const server = await startServer(["--config", path.join(dir, "sio.toml"), "--no-admin"], { label: `devkit-${lang}` });
      stop.push(server);
      const client = await connect(server.url, { transports: ["websocket"] });
      // emitWithAck resolves with the ack's first argument.
      assert.equal(await client.timeout(5000).emitWithAck("echo", "hello", 1), "hello");
      const said = once(client, "said");
      client.emit("say", "hi all");
      assert.deepEqual(await said, ["hi all"]);
      // The page is served too.
      const page = await (await fetch(`${server.url}/`)).text();
      assert.match(page, /<title>echo-/);
      client.disconnect();
      await server.stop();
    });
  }

  const devLang = only?.[0] ?? "python";
  it(`dev: a save reaches a connected client; a broken save keeps the last build serving (${devLang})`, T, async () => {
    const kit = LANGS[devLang];
    const name = `dev-${devLang}`;
    sh(hostBin(), ["new", name, "--lang", devLang, "--dir", work], work);
    const dir = path.join(work, name);
    kit.setup(dir);
    const started = Date.now();
    const child = spawn(hostBin(), ["dev", "--listen", "127.0.0.1:0", "--no-admin"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d) => (out += d));
    stop.push({ stop: async () => child.exitCode === null && child.kill("SIGTERM") });
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sio-host dev did not listen:\n${out}`)), 300_000);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`sio-host dev exited (${code}):\n${out}`));
      });
      child.stdout.on("data", (d) => {
        const m = /listening on (http:\/\/\S+)/.exec(d);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const firstServe = Date.now() - started;
    const client = await connect(url, { transports: ["websocket"] });
    const id = client.id;
    let dropped = false;
    client.on("disconnect", () => (dropped = true));
    const echo = () => client.timeout(5000).emitWithAck("echo", "hello");
    assert.equal(await echo(), "hello");

    // A save: the new build is live for the same connection.
    const source = path.join(dir, kit.source);
    const original = readFileSync(source, "utf8");
    const saved = Date.now();
    writeFileSync(source, kit.edit(original));
    let reply;
    for (let i = 0; i < 600; i++) {
      reply = await echo();
      if (reply === "v2") break;
      await sleep(250);
    }
    assert.equal(reply, "v2", out);
    const saveToLive = Date.now() - saved;
    assert.equal(client.id, id);
    assert.equal(dropped, false);

    // A broken save: the page's status says so, v2 keeps serving.
    writeFileSync(source, kit.breakIt(kit.edit(original)));
    let status;
    for (let i = 0; i < 600; i++) {
      status = await (await fetch(`${url}/__sio-dev/status.json`)).json().catch(() => null);
      if (status && status.ok === false) break;
      await sleep(250);
    }
    assert.equal(status?.ok, false, out);
    assert.ok(status.output.length > 0);
    assert.match(out, /the build failed/);
    assert.equal(await echo(), "v2");
    assert.equal(dropped, false);
    console.log(`devkit ${devLang}: first serve ${firstServe} ms, save to live ${saveToLive} ms`);
    child.kill("SIGTERM");
  });
});
