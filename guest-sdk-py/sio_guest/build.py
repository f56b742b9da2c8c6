"""Builds a Python handler into a sio-host component with componentize-py:

    sio-build-py HANDLER.py -o OUT.wasm [--world WORLD] [--wit DIR]
    python3 guest-sdk-py/build.py HANDLER.py -o OUT.wasm ...   (in the repository)

The world is `stateful-endpoint` (the handler hands its state over on a hot
reload, as `sio.serve()` exports it) unless `--world` says otherwise:
`endpoint` (no hand-over), or, for a handler using `sio_async` (timers,
hold/release, http-fetch, cluster-sockets: docs/async.md),
`stateful-async-endpoint` or `async-endpoint` (`sio_async.serve`), and for
one that also hears what comes back from broadcasts with acks and other
nodes' server events (`on_replies`, `on_server_event`:
`sio_async.serve_broadcast`), `stateful-async-broadcast-endpoint` or
`async-broadcast-endpoint`. A handler built for an async world imports
`sio_async`; one built for the others imports only `sio` (their worlds have
no `async-host` import).

The contract is the WIT the `sio-guest` wheel ships (sio_guest/wit), in the
repository the repository's (wit/), unless `--wit` names another; its
`package sio:realtime@X;` must be the SDK's `sio.WIT_VERSION`.

componentize-py: installed from the wheel, the one its requirements put in
the same environment. In the repository (requirements.txt beside sio.py), it
is installed on first use (the version pinned there, from PyPI) into a
virtual environment, target/py-venv by default (SIO_PY_VENV overrides);
later builds reuse it.

HANDLER.py's folder and the SDK's (the folder holding sio.py) are the
component's Python path.
"""

import argparse
import os
import re
import subprocess
import sys
import time
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The folder holding sio.py, sio_async.py, sio_args.py: guest-sdk-py/ in the
# repository, site-packages (or the like) when installed.
SDK = HERE.parent
WORLDS = [
    "endpoint",
    "stateful-endpoint",
    "async-endpoint",
    "stateful-async-endpoint",
    "async-broadcast-endpoint",
    "stateful-async-broadcast-endpoint",
]
REQUIREMENTS = SDK / "requirements.txt"  # only in the repository


def default_wit():
    """The WIT the wheel ships, else the repository's."""
    shipped = HERE / "wit"
    return shipped if (shipped / "realtime.wit").is_file() else SDK.parent / "wit"


def wit_version(wit):
    """The X of `package sio:realtime@X;` in `wit` (a .wit file or a folder of them)."""
    wit = Path(wit)
    files = sorted(wit.glob("*.wit")) if wit.is_dir() else [wit]
    for f in files:
        m = re.search(r"^\s*package\s+sio:realtime@([^;\s]+)\s*;", f.read_text(), re.M)
        if m:
            return m.group(1)
    return None


def sdk_wit_version():
    """sio.WIT_VERSION, read from sio.py's text (sio imports the contract's
    interfaces, which only exist inside a component)."""
    m = re.search(r'^WIT_VERSION = "([^"]+)"', (SDK / "sio.py").read_text(), re.M)
    if not m:
        sys.exit(f"sio-build-py: {SDK / 'sio.py'} has no WIT_VERSION")
    return m.group(1)


def componentize_py():
    """The command running componentize-py."""
    if not REQUIREMENTS.is_file():
        # Installed: pip put the pinned componentize-py beside this package.
        try:
            import componentize_py  # noqa: F401
        except ImportError:
            sys.exit("sio-build-py: componentize-py is not installed in this environment (pip install sio-guest installs it)")
        return [sys.executable, "-c", "import sys; from componentize_py import script; sys.argv[0] = 'componentize-py'; sys.exit(script())"]
    env = Path(os.environ.get("SIO_PY_VENV", SDK.parent / "target" / "py-venv"))
    exe = env / "bin" / "componentize-py"
    requirements = REQUIREMENTS.read_text()
    stamp = env / "sio-requirements.txt"
    if not exe.exists() or not stamp.exists() or stamp.read_text() != requirements:
        print(f"installing {requirements.strip()} into {env}", file=sys.stderr)
        venv.create(env, with_pip=True, clear=True)
        subprocess.run(
            [env / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check", "-r", REQUIREMENTS],
            check=True,
        )
        stamp.write_text(requirements)
    return [exe]


def build(argv=None):
    parser = argparse.ArgumentParser(prog="sio-build-py", description=__doc__.splitlines()[0])
    parser.add_argument("handler", type=Path, help="the handler module (a .py file calling sio.serve)")
    parser.add_argument("-o", "--out", type=Path, required=True, help="the component to write")
    parser.add_argument("--world", default="stateful-endpoint", choices=WORLDS)
    parser.add_argument("--wit", type=Path, default=default_wit(), help="the contract (default: %(default)s)")
    args = parser.parse_args(argv)

    handler = args.handler.resolve()
    if handler.suffix != ".py" or not handler.is_file():
        parser.error(f"{args.handler} is not a Python file")
    found, wanted = wit_version(args.wit), sdk_wit_version()
    if found != wanted:
        parser.error(f"{args.wit} is sio:realtime@{found or '?'}, but this SDK is written for {wanted} (sio.WIT_VERSION)")
    # componentize-py builds a module binding more classes than its world
    # exports and leaves the rest out without a word: a `BroadcastEvents`
    # built for a world without `broadcast-events` would never be called.
    if "broadcast" not in args.world and re.search(r"\bserve_broadcast\s*\(", handler.read_text()):
        hearing = (
            f"--world {args.world.replace('async-endpoint', 'async-broadcast-endpoint')} does"
            if "async" in args.world
            else "the async-broadcast-endpoint worlds do"
        )
        print(
            f"sio-build-py: warning: {args.handler} calls serve_broadcast, whose BroadcastEvents --world {args.world} "
            f"does not export: it will hear no on_replies / on_server_event ({hearing})",
            file=sys.stderr,
        )
    command = componentize_py()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    subprocess.run(
        [*command, "--quiet", "-d", args.wit, "-w", args.world, "componentize",
         "-p", handler.parent, "-p", SDK, handler.stem, "-o", args.out],
        check=True,
    )
    size = args.out.stat().st_size / 1e6
    print(f"{args.out}: {size:.1f} MB ({args.world}), built in {time.monotonic() - started:.1f} s", file=sys.stderr)


def main(argv=None):
    """The `sio-build-py` command."""
    try:
        build(argv)
    except subprocess.CalledProcessError as e:
        sys.exit(f"sio-build-py: {e}")


if __name__ == "__main__":
    main()
