#!/usr/bin/env python3
"""Builds a Python handler into a sio-host component with componentize-py:

    python3 guest-sdk-py/build.py HANDLER.py -o OUT.wasm [--world WORLD]

On first use it installs componentize-py (the version pinned in
requirements.txt beside this file, from PyPI) into a virtual environment,
target/py-venv by default (SIO_PY_VENV overrides); later builds reuse it.
The world is `stateful-endpoint` (the handler hands its state over on a hot
reload, as `sio.serve()` exports it) unless `--world` says otherwise:
`endpoint` (no hand-over), or, for a handler using `sio_async` (timers,
hold/release, http-fetch, cluster-sockets: docs/async.md),
`stateful-async-endpoint` or `async-endpoint`. A handler built for an async
world imports `sio_async`; one built for the others imports only `sio`
(their worlds have no `async-host` import).
HANDLER.py's folder and this SDK's are the component's Python path.
"""

import argparse
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

SDK = Path(__file__).resolve().parent
WORLDS = ["endpoint", "stateful-endpoint", "async-endpoint", "stateful-async-endpoint"]
ROOT = SDK.parent


def componentize_py():
    """The componentize-py of the build venv, installed when missing or stale."""
    env = Path(os.environ.get("SIO_PY_VENV", ROOT / "target" / "py-venv"))
    exe = env / "bin" / "componentize-py"
    requirements = (SDK / "requirements.txt").read_text()
    stamp = env / "sio-requirements.txt"
    if not exe.exists() or not stamp.exists() or stamp.read_text() != requirements:
        print(f"installing {requirements.strip()} into {env}", file=sys.stderr)
        venv.create(env, with_pip=True, clear=True)
        subprocess.run(
            [env / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check", "-r", SDK / "requirements.txt"],
            check=True,
        )
        stamp.write_text(requirements)
    return exe


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("handler", type=Path, help="the handler module (a .py file calling sio.serve)")
    parser.add_argument("-o", "--out", type=Path, required=True, help="the component to write")
    parser.add_argument("--world", default="stateful-endpoint", choices=WORLDS)
    parser.add_argument("--wit", type=Path, default=ROOT / "wit")
    args = parser.parse_args()

    handler = args.handler.resolve()
    if handler.suffix != ".py" or not handler.is_file():
        parser.error(f"{args.handler} is not a Python file")
    exe = componentize_py()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    subprocess.run(
        [exe, "--quiet", "-d", args.wit, "-w", args.world, "componentize",
         "-p", handler.parent, "-p", SDK, handler.stem, "-o", args.out],
        check=True,
    )
    size = args.out.stat().st_size / 1e6
    print(f"{args.out}: {size:.1f} MB ({args.world}), built in {time.monotonic() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as e:
        sys.exit(f"build.py: {e}")
