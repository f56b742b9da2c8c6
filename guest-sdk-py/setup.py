"""The `sio-guest` wheel ships the contract it is written for, copied from
the repository's wit/ (the one source; never committed here) into
sio_guest/wit at build time: into the build folder for a wheel, into the
release tree for an sdist (a wheel built from the sdist then finds it in
place). Both check that its `package sio:realtime@X;` is sio.WIT_VERSION.
Everything else is in pyproject.toml.
"""

import re
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
REPO_WIT = HERE.parent / "wit"


def repo_wit():
    """The repository's wit/ when building from a checkout, else None (an
    unpacked sdist: sio_guest/wit is already there)."""
    return REPO_WIT if HERE.name == "guest-sdk-py" and (REPO_WIT / "realtime.wit").is_file() else None


def copy_wit(dest):
    wit = repo_wit()
    if wit is None:
        if not (HERE / "sio_guest" / "wit" / "realtime.wit").is_file():
            raise SystemExit("setup.py: no WIT to ship: build from the sio-host repository (guest-sdk-py/ beside wit/) or its sdist")
        return
    sdk = re.search(r'^WIT_VERSION = "([^"]+)"', (HERE / "sio.py").read_text(), re.M).group(1)
    found = re.search(r"^\s*package\s+sio:realtime@([^;\s]+)\s*;", (wit / "realtime.wit").read_text(), re.M)
    if not found or found.group(1) != sdk:
        raise SystemExit(f"setup.py: {wit} is sio:realtime@{found and found.group(1)}, sio.WIT_VERSION is {sdk}")
    dest = Path(dest) / "sio_guest" / "wit"
    dest.mkdir(parents=True, exist_ok=True)
    for f in wit.glob("*.wit"):
        shutil.copyfile(f, dest / f.name)


class BuildPyWithWit(build_py):
    def run(self):
        super().run()
        copy_wit(self.build_lib)


class SdistWithWit(sdist):
    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        copy_wit(base_dir)


setup(cmdclass={"build_py": BuildPyWithWit, "sdist": SdistWithWit})
