"""Fixtures for the diff tests; the helpers they use live in `diffcase`."""

from __future__ import annotations

from pathlib import Path

import pytest

from diffcase import BASE, variant, write_policy


@pytest.fixture
def policy_pair(tmp_path: Path):
    """`policy_pair(edits)` → (old_dir, new_dir): BASE and BASE with the edits applied."""
    def make(edits: list[tuple[str, str]]) -> tuple[Path, Path]:
        return (write_policy(tmp_path / "old", BASE), write_policy(tmp_path / "new", variant(edits)))
    return make
