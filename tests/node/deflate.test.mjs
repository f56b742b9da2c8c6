// permessage-deflate (RFC 7692) on the websocket transport, `--ws-compression`:
// negotiated with socket.io-client 4 in Node (its `ws` offers it) and with
// headless Chromium when on, not when off; large messages arrive intact both
// ways; on the wire (a raw websocket client reading the frames' RSV1 bit and
// sizes) messages of at least the threshold go compressed and shorter ones
// plain; a compressed frame that does not inflate closes that connection
// with 1007, one that inflates past --max-payload with 1009, and the server
// goes on serving everyone else.
//
// Browser cases need Debian's chromium at /usr/bin/chromium (CHROMIUM_PATH
// overrides); without it they are skipped, except in CI.

import assert from "node:assert/strict";
import crypto from "node:crypto";
import net from "node:net";
import zlib from "node:zlib";
import { after, before, describe, it } from "node:test";
import {
  chromiumSkip,
  closeClients,
  connect,
  launchChromium,
  once,
  pageErrors,
  startServer,
  wasm,
} from "./helpers.mjs";

const MAX_PAYLOAD = 1_000_000;
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** A message compressed as permessage-deflate sends it (sync flush, tail cut). */
function deflate(buf) {
  const out = zlib.deflateRawSync(buf, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.deepEqual(out.subarray(-4), TAIL);
  return out.subarray(0, -4);
}

function inflate(buf) {
  return zlib.inflateRawSync(Buffer.concat([buf, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

/** A websocket client speaking the frames by hand, so that the test sees
 * what is on the wire: the handshake's headers, each frame's RSV1 bit and
 * payload size. Engine.IO 4 on `/socket.io/`. */
class RawWs {
  static open(port, { offer = "permessage-deflate; client_max_window_bits" } = {}) {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, "127.0.0.1");
      const key = crypto.randomBytes(16).toString("base64");
      sock.once("error", reject);
      sock.once("connect", () => {
        sock.write(
          "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n" +
            `Host: 127.0.0.1:${port}\r\n` +
            "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
            (offer ? `Sec-WebSocket-Extensions: ${offer}\r\n` : "") +
            "\r\n",
        );
      });
      let buf = Buffer.alloc(0);
      const onData = (d) => {
        buf = Buffer.concat([buf, d]);
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        sock.off("data", onData);
        const [status, ...lines] = buf.subarray(0, end).toString().split("\r\n");
        const headers = {};
        for (const l of lines) {
          const i = l.indexOf(":");
          headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
        }
        assert.match(status, / 101 /);
        resolve(new RawWs(sock, headers, buf.subarray(end + 4)));
      };
      sock.on("data", onData);
    });
  }

  constructor(sock, headers, rest) {
    this.sock = sock;
    this.headers = headers;
    this.buf = Buffer.alloc(0);
    this.frames = [];
    this.waiters = [];
    this.ended = new Promise((resolve) => sock.once("close", resolve));
    sock.on("error", () => {});
    sock.on("data", (d) => this.onData(d));
    if (rest.length) this.onData(rest);
  }

  onData(d) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      let len = b[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      assert.equal(b[1] & 0x80, 0, "server frames are not masked");
      if (b.length < off + len) return;
      const frame = {
        fin: (b[0] & 0x80) !== 0,
        rsv1: (b[0] & 0x40) !== 0,
        opcode: b[0] & 0x0f,
        payload: Buffer.from(b.subarray(off, off + len)),
      };
      this.buf = b.subarray(off + len);
      const w = this.waiters.shift();
      if (w) w(frame);
      else this.frames.push(frame);
    }
  }

  /** The next frame from the server. */
  next(ms = 5000) {
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no frame within ${ms} ms`)), ms);
      this.waiters.push((frame) => {
        clearTimeout(t);
        resolve(frame);
      });
    });
  }

  /** The next text message whose (inflated) text passes `pred`, with its frame. */
  async nextText(pred, ms = 5000) {
    for (;;) {
      const frame = await this.next(ms);
      if (frame.opcode !== 1) continue;
      const text = (frame.rsv1 ? inflate(frame.payload) : frame.payload).toString();
      if (pred(text)) return { frame, text };
    }
  }

  /** A masked frame: FIN, RSV1 when `rsv1`, the opcode. */
  send(opcode, payload, { rsv1 = false } = {}) {
    const mask = crypto.randomBytes(4);
    const len = payload.length;
    const head =
      len < 126
        ? Buffer.from([0x80 | (rsv1 ? 0x40 : 0) | opcode, 0x80 | len])
        : len < 65536
          ? Buffer.from([0x80 | (rsv1 ? 0x40 : 0) | opcode, 0x80 | 126, len >> 8, len & 0xff])
          : Buffer.concat([
              Buffer.from([0x80 | (rsv1 ? 0x40 : 0) | opcode, 0x80 | 127]),
              (() => {
                const l = Buffer.alloc(8);
                l.writeBigUInt64BE(BigInt(len));
                return l;
              })(),
            ]);
    const masked = Buffer.from(payload);
    for (let i = 0; i < masked.length; i++) masked[i] ^= mask[i % 4];
    this.sock.write(Buffer.concat([head, mask, masked]));
  }

  sendText(text, { compress = false } = {}) {
    const raw = Buffer.from(text);
    this.send(1, compress ? deflate(raw) : raw, { rsv1: compress });
  }

  /** Open packet, then CONNECT to `/` (the conformance handler answers
   * with an `auth` event too). */
  async join() {
    const open = await this.nextText((t) => t.startsWith("0"));
    assert.equal(open.frame.rsv1, false, "the short open packet goes plain");
    this.sendText("40");
    await this.nextText((t) => t.startsWith("40"));
  }

  /** The close frame's code, after the socket ended. */
  async closeCode(ms = 5000) {
    for (;;) {
      const frame = await this.next(ms);
      if (frame.opcode === 8) return frame.payload.readUInt16BE(0);
    }
  }

  destroy() {
    this.sock.destroy();
  }
}

/** `42["message",<text>]` for a string of `n` characters that compresses well. */
function bigEvent(n, tag = "x") {
  const words = "lorem ipsum dolor sit amet consectetur adipiscing elit ";
  const text = `${tag}:` + words.repeat(Math.ceil(n / words.length)).slice(0, n);
  return { text, packet: `42${JSON.stringify(["message", text])}` };
}

describe("permessage-deflate on websockets (--ws-compression)", () => {
  let on;
  let off;

  before(async () => {
    const args = [
      "--static", "/vendor=node_modules/socket.io-client/dist",
      "--max-payload", String(MAX_PAYLOAD),
      `/=${wasm("conformance")}`,
    ];
    on = await startServer(["--ws-compression", ...args], { label: "node-deflate-on" });
    off = await startServer(args, { label: "node-deflate-off" });
  });

  after(async () => {
    closeClients();
    await on?.stop();
    await off?.stop();
  });

  describe("socket.io-client 4 in Node", () => {
    for (const compression of [true, false]) {
      it(`${compression ? "negotiates deflate when on" : "gets no extension when off"}; large messages arrive intact both ways`, async () => {
        const server = compression ? on : off;
        const socket = await connect(server.url, { transports: ["websocket"] });
        const ws = socket.io.engine.transport.ws;
        // ws lists the names of the extensions agreed (the parameters are
        // checked on the wire below).
        assert.equal(ws.extensions, compression ? "permessage-deflate" : "");
        for (const n of [10, 5_000, 200_000]) {
          const { text } = bigEvent(n, `node-${n}`);
          const back = once(socket, "message-back");
          socket.emit("message", text);
          assert.deepEqual(await back, [text]);
        }
        // Binary attachments too.
        const bytes = Buffer.alloc(100_000, 7);
        const back = once(socket, "message-back");
        socket.emit("message", bytes);
        const [got] = await back;
        assert.ok(Buffer.from(got).equals(bytes));
        socket.disconnect();
      });
    }
  });

  describe("on the wire", () => {
    it("answers the offer; compresses messages of at least the threshold, sends shorter ones plain", async () => {
      const ws = await RawWs.open(on.port);
      assert.equal(
        ws.headers["sec-websocket-extensions"],
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
      );
      await ws.join();

      // A compressed event (as a browser sends every message) and its echo.
      const big = bigEvent(50_000);
      ws.sendText(big.packet, { compress: true });
      const echo = await ws.nextText((t) => t.startsWith('42["message-back"'));
      assert.equal(echo.frame.rsv1, true, "the large echo is compressed");
      assert.equal(echo.text, `42${JSON.stringify(["message-back", big.text])}`);
      assert.ok(
        echo.frame.payload.length * 10 < echo.text.length,
        `compressed to ${echo.frame.payload.length} of ${echo.text.length} bytes`,
      );

      // Below the threshold (1024): plain, even though the client compressed it.
      const small = bigEvent(200);
      ws.sendText(small.packet, { compress: true });
      const smallEcho = await ws.nextText((t) => t.startsWith('42["message-back"'));
      assert.equal(smallEcho.frame.rsv1, false, "a short message goes plain");
      assert.equal(smallEcho.text, `42${JSON.stringify(["message-back", small.text])}`);

      // Uncompressed frames are still taken.
      ws.sendText(big.packet);
      const again = await ws.nextText((t) => t.startsWith('42["message-back"'));
      assert.equal(again.frame.rsv1, true);
      assert.equal(again.text, echo.text);
      ws.destroy();
    });

    it("is not negotiated when off or not offered: large messages go plain", async () => {
      for (const [server, offer] of [[off, undefined], [on, ""]]) {
        const ws = await RawWs.open(server.port, offer === undefined ? {} : { offer });
        assert.equal(ws.headers["sec-websocket-extensions"], undefined);
        await ws.join();
        const big = bigEvent(50_000);
        ws.sendText(big.packet);
        const echo = await ws.nextText((t) => t.startsWith('42["message-back"'));
        assert.equal(echo.frame.rsv1, false);
        assert.equal(echo.frame.payload.length, echo.text.length);
        // A compressed frame where deflate was not agreed breaks the protocol.
        ws.sendText(big.packet, { compress: true });
        assert.equal(await ws.closeCode(), 1002);
        await ws.ended;
      }
    });

    it("a frame that does not inflate closes with 1007, an inflate bomb with 1009; others go on", async () => {
      const bystander = await connect(on.url, { transports: ["websocket"] });

      const bad = await RawWs.open(on.port);
      await bad.join();
      bad.send(1, crypto.randomBytes(64).fill(0xff, 0, 8), { rsv1: true });
      assert.equal(await bad.closeCode(), 1007);
      await bad.ended;

      // 20 MB of zeros deflate to about 20 KB; --max-payload is 1 MB.
      const bomb = await RawWs.open(on.port);
      await bomb.join();
      const zeros = zlib.deflateRawSync(Buffer.alloc(20_000_000), { level: 9 });
      assert.ok(zeros.length < 64_000, `${zeros.length}`);
      bomb.send(2, zeros, { rsv1: true });
      assert.equal(await bomb.closeCode(), 1009);
      await bomb.ended;

      // The bystander and a newcomer are served.
      const { text } = bigEvent(20_000, "after");
      const back = once(bystander, "message-back");
      bystander.emit("message", text);
      assert.deepEqual(await back, [text]);
      const fresh = await RawWs.open(on.port);
      await fresh.join();
      fresh.destroy();
      bystander.disconnect();
    });
  });

  describe("headless Chromium", () => {
    const T = { timeout: 60_000, skip: chromiumSkip };
    let browser;

    before(async () => {
      if (chromiumSkip) return;
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
    });

    for (const compression of [true, false]) {
      it(`${compression ? "negotiates deflate when on" : "gets no extension when off"}; large messages both ways`, T, async () => {
        const server = compression ? on : off;
        const page = await browser.newPage();
        const errors = pageErrors(page);
        await page.goto(`${server.url}/vendor/socket.io.min.js`);
        await page.addScriptTag({ url: "/vendor/socket.io.min.js" });
        const result = await page.evaluate(async () => {
          const socket = io({ transports: ["websocket"], reconnection: false });
          await new Promise((resolve, reject) => {
            socket.once("connect", resolve);
            socket.once("connect_error", reject);
          });
          const extensions = socket.io.engine.transport.ws.extensions;
          const words = "the quick brown fox jumps over the lazy dog ";
          const sent = [];
          const got = [];
          for (const n of [20, 3_000, 300_000]) {
            const text = `page-${n}:` + words.repeat(Math.ceil(n / words.length)).slice(0, n);
            sent.push(text);
            got.push(
              await new Promise((resolve) => {
                socket.once("message-back", resolve);
                socket.emit("message", text);
              }),
            );
          }
          socket.disconnect();
          return { extensions, same: sent.every((t, i) => t === got[i]), lengths: got.map((t) => t.length) };
        });
        if (compression) {
          assert.match(result.extensions, /permessage-deflate/);
          assert.match(result.extensions, /client_no_context_takeover/);
        } else {
          assert.equal(result.extensions, "");
        }
        assert.ok(result.same, `echoes intact (${result.lengths})`);
        assert.deepEqual(errors, []);
        await page.close();
      });
    }
  });
});
