// A component's bytes made new to wasmtime's compilation cache: the same code
// with a custom section appended, so a benchmark can time a cold compile
// without emptying the cache (bench/reload.mjs, bench/chat-languages.mjs).

function leb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return Buffer.from(out);
}

/** `bytes` plus a custom section: same code, bytes never seen by the cache. */
export function fresh(bytes, tag) {
  const name = Buffer.from("sio-bench");
  const body = Buffer.concat([leb(name.length), name, Buffer.from(tag)]);
  return Buffer.concat([bytes, Buffer.from([0]), leb(body.length), body]);
}
