"""Event arguments between the contract's form (JSON array text + binary
attachments, each referenced by Socket.IO's ``{"_placeholder":true,"num":N}``)
and Python values (binaries in place as ``bytes``). Pure functions, no host
imports: ``python3 -m unittest discover -s guest-sdk-py`` tests them natively
(tests/node/sdk-args.test.mjs runs it).
"""

import json

_BINARY = (bytes, bytearray, memoryview)


def encode(args):
    """``args`` (a sequence) → (JSON text, attachments), binaries as placeholders."""
    attachments = []

    def walk(v):
        if isinstance(v, _BINARY):
            attachments.append(bytes(v))
            return {"_placeholder": True, "num": len(attachments) - 1}
        if isinstance(v, (list, tuple)):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        return v

    return json.dumps([walk(a) for a in args], ensure_ascii=False, separators=(",", ":")), attachments


def decode(args_json, attachments):
    """JSON array text + attachments → the arguments, placeholders replaced."""
    args = json.loads(args_json)
    if not attachments:
        return args

    def walk(v):
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            num = v.get("num")
            if v.get("_placeholder") is True and type(num) is int and 0 <= num < len(attachments):
                return attachments[num]
            return {k: walk(x) for k, x in v.items()}
        return v

    return walk(args)
