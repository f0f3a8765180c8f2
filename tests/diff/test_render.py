"""The three outputs: a pull-request comment (golden file), JSON for bots, and text."""

from __future__ import annotations

import json
import os

from diffcase import FIXTURES, artifact
from slalang.diff import Change, compare, to_json, to_markdown, to_text

UPDATE = os.environ.get("SLALANG_UPDATE") == "1"
GOLDEN = FIXTURES / "golden"


def _golden_changes() -> list[Change]:
    return compare(artifact(GOLDEN / "old"), artifact(GOLDEN / "new"))


def test_markdown_matches_golden():
    """Regenerate with `SLALANG_UPDATE=1 pytest tests/diff`, then review expected.md like code."""
    actual = to_markdown(_golden_changes())
    expected = GOLDEN / "expected.md"
    if UPDATE:
        expected.write_text(actual, encoding="utf-8")
        return
    assert expected.is_file(), "no expected.md; run with SLALANG_UPDATE=1"
    assert actual == expected.read_text(encoding="utf-8")


def test_markdown_puts_the_loosened_promises_first():
    text = to_markdown(_golden_changes())
    lines = text.splitlines()
    assert lines[0].startswith("**2 breaking**, **9 looser**")
    assert lines[2] == "### Loosened promises"
    loosened = text[text.index("### Loosened promises"):text.index("\n### ", text.index("### Loosened promises") + 1)]
    assert "stricter" not in loosened and "neutral" not in loosened
    assert loosened.index("breaking") < loosened.index("looser")


def test_markdown_without_changes_says_so():
    assert to_markdown([]) == "No semantic changes.\n"


def test_markdown_escapes_table_cells():
    change = Change("tier", "a", "description", "x | y", "z", "neutral", "wording")
    assert "x \\| y" in to_markdown([change])


def test_json_has_changes_and_summary():
    payload = json.loads(to_json(_golden_changes()))
    assert payload["summary"]["breaking"] == 2 and payload["summary"]["looser"] == 9
    assert payload["summary"]["changes"] == len(payload["changes"])
    first = payload["changes"][0]
    assert set(first) == {"kind", "entity", "field", "old", "new", "classification", "explanation", "internal"}
    internal = [c for c in payload["changes"] if c["internal"]]
    assert internal and {c["classification"] for c in internal} <= {"neutral", "added", "removed"}


def test_text_is_one_line_per_change_and_a_summary():
    changes = _golden_changes()
    lines = to_text(changes).splitlines()
    assert len(lines) == len(changes) + 1
    assert any(line.startswith("looser") and "tier gold: response P1: 15m -> 30m" in line for line in lines)
    assert lines[-1].startswith("2 breaking, 9 looser")
