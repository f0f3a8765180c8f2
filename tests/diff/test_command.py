"""`slalang diff OLD NEW` as a user meets it: outputs, --fail-on and exit codes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from diffcase import BASE, FIXTURES, diff_app, variant, write_policy

runner = CliRunner()
app = diff_app()

LOOSER = [("response P1 within 2h", "response P1 within 4h")]
STRICTER = [("response P1 within 2h", "response P1 within 1h")]
BREAKING = [('severity P2 "Normal"\n', ""), ("  response P2 within 8h internal 4h\n", ""), ("  response P2 within 1h\n", "")]


def _run(*args: str):
    return runner.invoke(app, ["diff", *args])


@pytest.fixture
def pair(tmp_path):
    def make(edits):
        return (str(write_policy(tmp_path / "old", BASE)), str(write_policy(tmp_path / "new", variant(edits))))
    return make


def test_markdown_is_the_default(pair):
    result = _run(*pair(LOOSER))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("**1 looser** across 1 entity\n")
    assert "| tier `standard` | response P1 | 2h | 4h | **looser** — 2h longer |" in result.stdout


def test_golden_pair_through_the_command_matches_the_golden_file():
    result = _run(str(FIXTURES / "golden" / "old"), str(FIXTURES / "golden" / "new"))
    assert result.exit_code == 0, result.output
    assert result.stdout == (FIXTURES / "golden" / "expected.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("edits, fail_on, code", [
    (LOOSER, None, 0),
    (LOOSER, "looser", 1),
    (LOOSER, "breaking", 0),
    (BREAKING, "looser", 1),      # `looser` fails on breaking changes too
    (BREAKING, "breaking", 1),
    (STRICTER, "looser", 0),
    ([], "looser", 0),
], ids=["looser", "looser-fails-looser", "looser-passes-breaking", "breaking-fails-looser",
        "breaking-fails-breaking", "stricter-passes", "nothing-passes"])
def test_fail_on_sets_the_exit_code(pair, edits, fail_on, code):
    result = _run(*pair(edits), *(["--fail-on", fail_on] if fail_on else []))
    assert result.exit_code == code, result.output


def test_json_format(pair):
    result = _run(*pair(LOOSER + STRICTER[1:]), "--format", "json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["summary"]["looser"] == 1 and payload["summary"]["entities"] == 1
    assert payload["changes"][0]["field"] == "response P1"


def test_text_format(pair):
    result = _run(*pair(STRICTER), "-f", "text")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["stricter  tier standard: response P1: 2h -> 1h (1h shorter)",
                                          "1 stricter across 1 entity"]


def test_no_change_exits_zero_and_says_so(pair):
    result = _run(*pair([]), "--fail-on", "looser")
    assert result.exit_code == 0 and result.stdout == "No semantic changes.\n"


def test_output_file(pair, tmp_path):
    out = tmp_path / "comment" / "diff.md"
    result = _run(*pair(LOOSER), "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text().startswith("**1 looser**")


@pytest.mark.parametrize("args", [[], ["one"], ["a", "b", "c"]], ids=["none", "one", "three"])
def test_without_base_it_takes_exactly_old_and_new(args, tmp_path):
    result = _run(*[str(tmp_path / a) for a in args])
    assert result.exit_code == 2
    assert "give OLD and NEW, or --base GIT_REF" in result.output


def test_a_missing_path_is_a_usage_error(pair, tmp_path):
    old, _ = pair([])
    result = _run(old, str(tmp_path / "nope"))
    assert result.exit_code == 2 and "no such file or directory" in result.output


def test_an_unknown_format_is_a_usage_error(pair):
    assert _run(*pair([]), "--format", "html").exit_code == 2


def test_a_policy_with_errors_prints_its_diagnostics_and_exits_1(pair):
    old, new = pair([("support office", "support ofice")])
    result = _run(old, new)
    assert result.exit_code == 1
    assert 'unknown window "ofice"' in result.output
    assert f"error: {new} does not compile" in result.output
    assert "Traceback" not in result.output
