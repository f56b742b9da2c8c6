#!/usr/bin/env python3
"""Builds a Python handler into a sio-host component, in the repository:

    python3 guest-sdk-py/build.py HANDLER.py -o OUT.wasm [--world WORLD] [--wit DIR]

the `sio-build-py` command of the `sio-guest` wheel (sio_guest/build.py,
which documents it) run from this folder.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sio_guest.build import main  # noqa: E402

if __name__ == "__main__":
    main()
