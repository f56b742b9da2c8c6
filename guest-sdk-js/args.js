// Event arguments between the contract's form (JSON array text + binary
// attachments, each referenced by Socket.IO's {"_placeholder":true,"num":N})
// and JavaScript values (binaries in place as Uint8Arrays). Pure functions,
// no host imports: tests/node/sdk-args.test.mjs runs them under Node.

// Attachments arrive as Uint8Arrays that `instanceof Uint8Array` does not
// always recognise in the engine (the bindings' typed arrays): test the
// internal slot instead.
/** Whether `v` is binary data (a typed array, DataView or ArrayBuffer). */
export const isBinary = (v) => ArrayBuffer.isView(v) || Object.prototype.toString.call(v) === "[object ArrayBuffer]";

function bytesOf(v) {
  if (!ArrayBuffer.isView(v)) return new Uint8Array(v);
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** `args` (an array) → [JSON text, attachments], binaries as placeholders. */
export function encode(args) {
  const attachments = [];
  const walk = (v) => {
    if (isBinary(v)) {
      attachments.push(bytesOf(v));
      return { _placeholder: true, num: attachments.length - 1 };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object" && typeof v.toJSON !== "function") {
      const out = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return [JSON.stringify(args.map(walk)), attachments];
}

/** JSON array text + attachments → the arguments, placeholders replaced. */
export function decode(argsJson, attachments) {
  const args = JSON.parse(argsJson);
  if (attachments.length === 0) return args;
  const walk = (v) => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      if (v._placeholder === true && Number.isInteger(v.num) && v.num >= 0 && v.num < attachments.length) {
        return attachments[v.num];
      }
      for (const k of Object.keys(v)) v[k] = walk(v[k]);
    }
    return v;
  };
  return walk(args);
}
