"""Shared paths for the tests: the repository's root, its test vectors."""

import functools
import os
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[3]
VECTORS = ROOT / "tests" / "vectors"


@functools.lru_cache(maxsize=None)
def bursar_bin():
    """The `bursar` command of this checkout: `BURSAR_BIN`, or built (a
    no-op after `cargo test`, which builds it)."""
    if "BURSAR_BIN" in os.environ:
        return os.environ["BURSAR_BIN"]
    subprocess.run(["cargo", "build", "--quiet", "--bin", "bursar"], cwd=ROOT, check=True)
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "debug" / "bursar")
