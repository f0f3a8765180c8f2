"""Every stage: where the grammar and the stdlib live, in a source checkout and in an installed wheel."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def resource_dir(name: str) -> Path:
    """`grammar` or `stdlib`: inside the package when installed, at the repo top in a checkout."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"slalang is missing its {name}/ directory (looked in {_PACKAGE})")
