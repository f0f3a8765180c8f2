"""Property: `fmt` never changes what `diff` sees.

A policy directory is copied, every file re-spaced at random and then formatted; `slalang.diff`
comparing the compiled original with the compiled result must find no change at all.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import slalang
from slalang.diff import compare
from slalang.fmt import format_source

from fmt_sources import ACME, REPO
from test_fmt_props import perturb

POLICY_DIRS = [d for d in (REPO / "policies", ACME) if d.is_dir()]


@pytest.fixture(scope="module")
def originals() -> dict[Path, dict]:
    return {d: slalang.compile(d).artifact for d in POLICY_DIRS}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, len(POLICY_DIRS) - 1), seed=st.integers(0, 2**32 - 1),
       newline_rate=st.sampled_from([0.0, 0.2]))
def test_formatting_never_changes_what_diff_sees(originals, tmp_path_factory, which, seed, newline_rate):
    source = POLICY_DIRS[which]
    work = tmp_path_factory.mktemp("fmt-diff") / source.name
    shutil.copytree(source, work, ignore=shutil.ignore_patterns("*.jsonl", "*.csv"))
    rng = random.Random(seed)
    for path in sorted(work.rglob("*.sla")):
        respaced = perturb(path.read_text(encoding="utf-8"), rng, newline_rate)
        path.write_text(format_source(respaced, path.name), encoding="utf-8")
    changes = compare(originals[source], slalang.compile(work).artifact)
    assert changes == [], [c.to_json() for c in changes[:3]]
