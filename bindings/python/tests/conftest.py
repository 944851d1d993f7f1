"""Shared paths for the tests: the repository's root, its test vectors."""

import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[3]
VECTORS = ROOT / "tests" / "vectors"
