"""Golden diagnostics: each case directory's sources check to exactly its `expected.txt`.

A case is `tests/fixtures/diagnostics/<name>/` with one or more `.sla` files and `expected.txt`,
the diagnostics as `slalang check` prints them on stdout (each rendered with its caret and help,
followed by a blank line). The check runs with the case directory as the working directory, so
paths print as `policy.sla`. By default the whole case directory is the policy root; a case may
hold an `args` file listing the paths to check instead, one per line, relative to the case.

Regenerate with `SLALANG_UPDATE=1 pytest tests/compiler/test_diagnostics_golden.py`, then read
every changed file like code: message, caret position and help must all be right.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slalang.cli import app
from slalang.compiler import check
from slalang.diagnostics import render

CASES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "diagnostics"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir()) if CASES_DIR.is_dir() else []
UPDATE = os.environ.get("SLALANG_UPDATE") == "1"


def _paths(case: Path) -> list[Path]:
    """What to check: the case directory, or the paths its `args` file lists (relative to it)."""
    args = case / "args"
    if args.is_file():
        return [Path(line.strip()) for line in args.read_text().splitlines() if line.strip()]
    return [case]


def _rendered(result) -> str:
    # The exact stdout of `slalang check`: typer.echo adds a newline after each render + "\n".
    return "".join(render(d, result.texts) + "\n\n" for d in result.diagnostics)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_diagnostics_match_golden(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case)
    result = check(_paths(case))
    actual = _rendered(result)
    expected_file = case / "expected.txt"
    if UPDATE:
        expected_file.write_text(actual, encoding="utf-8")
        return
    assert expected_file.is_file(), f"{case.name}: no expected.txt; run with SLALANG_UPDATE=1"
    assert actual == expected_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cli_prints_the_same_and_exits_by_level(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`slalang check` prints exactly the golden text; exits 2 on bad input, 1 on errors, else 0."""
    monkeypatch.chdir(case)
    result = CliRunner().invoke(app, ["check", *map(str, _paths(case))])
    expected = (case / "expected.txt").read_text(encoding="utf-8")
    assert result.stdout == expected
    heads = [line for line in expected.splitlines() if line and not line.startswith(" ")]
    exit_code = 2 if any("error[SLA100]" in h for h in heads) else 1 if any("error[" in h for h in heads) else 0
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output


def test_every_case_is_a_minimal_policy() -> None:
    """Each case has sources and a golden file, and its golden file is not empty by accident."""
    assert len(CASES) >= 50
    for case in CASES:
        assert any(case.rglob("*.sla")) or (case / "args").is_file(), case.name
        text = (case / "expected.txt").read_text(encoding="utf-8")
        # A clean golden is allowed only where the case name says the policy is fine.
        assert text or case.name.endswith("_ok"), f"{case.name}: expected no diagnostics?"
