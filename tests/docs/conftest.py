"""Fixtures for the documents: the bundled Northwind policies, compiled once, and their documents."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

import slalang
from slalang.docs import render_documents

POLICIES = Path(__file__).resolve().parents[2] / "policies"
GOLDEN_YEAR = 2025


@lru_cache(maxsize=1)
def _northwind():
    return slalang.compile(POLICIES)


@lru_cache(maxsize=None)
def rendered(format: str, year: int = GOLDEN_YEAR, internal: bool = False) -> dict[str, str]:
    """The Northwind documents (cached: each combination renders once per session)."""
    return render_documents(_northwind(), year=year, internal=internal, format=format)


@pytest.fixture(scope="session")
def northwind():
    return _northwind()


@pytest.fixture(scope="session")
def render():
    """`render(format, year=2025, internal=False)` -> {file name: text} for the Northwind policies."""
    return rendered
