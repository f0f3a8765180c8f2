"""Golden layouts: each `tests/fixtures/fmt/<case>.sla` formats to exactly `<case>.sla.formatted`.

Regenerate with `SLALANG_UPDATE=1 pytest tests/fmt/test_fmt_golden.py` and read every changed
`.formatted` file like code: it is the formatter's specification by example.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slalang.fmt import format_source

from fmt_sources import FIXTURES, comment_texts

CASES = sorted(FIXTURES.glob("*.sla"))
UPDATE = os.environ.get("SLALANG_UPDATE") == "1"


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_formats_to_golden(case: Path) -> None:
    actual = format_source(case.read_text(encoding="utf-8"), case.name)
    golden = case.with_name(case.name + ".formatted")
    if UPDATE:
        golden.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert golden.is_file(), f"{case.name}: no golden; run with SLALANG_UPDATE=1"
    assert actual == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden_is_a_fixed_point_with_every_comment(case: Path) -> None:
    source = case.read_text(encoding="utf-8")
    formatted = format_source(source, case.name)
    assert format_source(formatted, case.name) == formatted
    assert comment_texts(formatted) == comment_texts(source)


def test_every_case_has_a_golden_and_no_golden_is_orphaned() -> None:
    goldens = {p.name[: -len(".formatted")] for p in FIXTURES.glob("*.sla.formatted")}
    assert goldens == {c.name for c in CASES}
