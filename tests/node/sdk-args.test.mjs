// The JavaScript and Python SDKs' argument codecs (guest-sdk-js/args.js,
// guest-sdk-py/sio_args.py), natively: JSON array text + attachments <->
// the language's values with binaries in place. The components built with
// them are tested end to end by chat*.test.mjs.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { decode, encode, isBinary } from "../../guest-sdk-js/args.js";
import { repoRoot } from "./helpers.mjs";

const placeholder = (num) => ({ _placeholder: true, num });

describe("guest-sdk-js argument codec", () => {
  it("encodes plain values as a JSON array", () => {
    const [json, bins] = encode(["hi", 3, null, true, { a: [1, 2] }]);
    assert.deepEqual(JSON.parse(json), ["hi", 3, null, true, { a: [1, 2] }]);
    assert.deepEqual(bins, []);
    assert.deepEqual(encode([]), ["[]", []]);
  });

  it("encodes binaries as placeholders, in order, whatever their view", () => {
    const [json, bins] = encode([
      { name: "f", data: new Uint8Array([1, 2]) },
      [Buffer.from([3])],
      new Uint16Array([0x0504]).buffer,
      new DataView(new Uint8Array([9, 6, 9]).buffer, 1, 1),
    ]);
    assert.deepEqual(JSON.parse(json), [{ name: "f", data: placeholder(0) }, [placeholder(1)], placeholder(2), placeholder(3)]);
    assert.deepEqual(bins.map((b) => [...b]), [[1, 2], [3], [4, 5], [6]]);
    assert.ok(bins.every((b) => b instanceof Uint8Array));
  });

  it("decodes placeholders where they are, and only real ones", () => {
    const a = new Uint8Array([1]);
    const b = new Uint8Array([2]);
    assert.deepEqual(decode('[{"x":{"_placeholder":true,"num":1}},[{"_placeholder":true,"num":0}]]', [a, b]), [{ x: b }, [a]]);
    const lookalikes = '[{"_placeholder":true,"num":5},{"_placeholder":1,"num":0},{"_placeholder":true,"num":"0"}]';
    assert.deepEqual(decode(lookalikes, [a]), JSON.parse(lookalikes));
    assert.deepEqual(decode('["a",{"_placeholder":true,"num":0}]', []), ["a", placeholder(0)]);
  });

  it("round-trips, and refuses invalid JSON", () => {
    const args = ["n", { file: new Uint8Array([0, 255]), more: [new Uint8Array(0), 1.5, "😀"] }];
    assert.deepEqual(decode(...encode(args)), args);
    assert.throws(() => decode("[", []), SyntaxError);
    assert.ok(isBinary(new ArrayBuffer(1)) && isBinary(Buffer.alloc(1)) && !isBinary([1]) && !isBinary("x"));
  });
});

describe("guest-sdk-py argument codec", () => {
  it("passes its unit tests (python3 -m unittest)", { timeout: 60_000 }, async () => {
    const { stderr } = await promisify(execFile)("python3", ["-m", "unittest", "discover", "-s", path.join(repoRoot, "guest-sdk-py")], {
      cwd: repoRoot,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    });
    assert.match(stderr, /\nOK\b/, stderr);
  });
});
