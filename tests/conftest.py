"""Shared fixtures: paths to the bundled example policies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "tests" / "fixtures" / "examples"   # a copy of shared/examples (see its README)
POLICIES = REPO / "policies"


@pytest.fixture
def acme_dir(tmp_path: Path) -> Path:
    """A private copy of the example policy set (tests may write into it)."""
    src = EXAMPLES / "acme"
    dst = tmp_path / "acme"
    shutil.copytree(src, dst)
    return dst


SMALL_POLICY = '''policy "Small" {
  version "1"
  timezone "Europe/London"
}

window office {
  mon-fri 09:00-17:00
}

severity S1 "Urgent"
severity S2 "Normal"

tier basic {
  support office via email
  response S1 within 2h
  response S2 within 8h
  availability 99.5% monthly
}

service api {
  offers basic
}
'''


@pytest.fixture
def small_dir(tmp_path: Path) -> Path:
    d = tmp_path / "small"
    d.mkdir()
    (d / "policy.sla").write_text(SMALL_POLICY)
    return d
