"""Fixtures for ticket tests: the kit's small policies written to disk and compiled once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

import slalang

from ticket_kit import POLICIES


@pytest.fixture(scope="session")
def compiled(tmp_path_factory):
    """policy key -> compiled Policy, compiled once per session from .sla text on disk."""
    cache: dict = {}

    def get(key: str):
        if key not in cache:
            d: Path = tmp_path_factory.mktemp(key)
            (d / "policy.sla").write_text(POLICIES[key])
            cache[key] = slalang.compile(d)
        return cache[key]

    return get
