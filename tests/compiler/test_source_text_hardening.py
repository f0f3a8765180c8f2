"""SPEC §18 findings on source text: where a caret points, and numbers too large to mean anything."""

from __future__ import annotations

from typer.testing import CliRunner

from slalang.cli import app

BODY = ['policy "H" { timezone "UTC" }', 'severity P1 "x"', "tier t {", "  support bogus", "}",
        "service s { offers t }"]


def check(tmp_path, data: bytes):
    (tmp_path / "p.sla").write_bytes(data)
    return CliRunner().invoke(app, ["check", str(tmp_path)])


def test_a_cr_only_file_reports_each_line_on_its_own_line(tmp_path):
    result = check(tmp_path, "\r".join(BODY).encode() + b"\r")
    assert "p.sla:4:11: error[SLA203]: unknown window \"bogus\"" in result.output
    assert "4 |   support bogus" in result.output


def test_a_line_separator_or_form_feed_in_a_comment_leaves_the_caret_on_its_line(tmp_path):
    lines = BODY[:1] + ["# a \u2028 b \x0c c"] + BODY[1:]
    result = check(tmp_path, "\n".join(lines).encode() + b"\n")
    assert "p.sla:5:11: error[SLA203]" in result.output
    assert "5 |   support bogus" in result.output


def test_a_horizon_of_five_thousand_digits_is_a_diagnostic_not_an_internal_error(tmp_path):
    result = check(tmp_path, ('policy "H" { timezone "UTC" horizon 2020..' + "9" * 5000 + " }\n").encode())
    assert result.exit_code == 1
    assert "error[SLA409]: 999999999999... is not a year" in result.output
    assert "SLA000" not in result.output


def test_graph_fails_when_the_policy_has_errors(tmp_path):
    (tmp_path / "p.sla").write_text("\n".join(BODY) + "\n")
    result = CliRunner().invoke(app, ["graph", str(tmp_path)])
    assert result.exit_code == 1
    assert "the policy has 1 errors" in result.stderr


def test_rendering_many_diagnostics_splits_each_file_once(tmp_path):
    """SPEC §18, costs grow linearly: text diagnostics rendered in quadratic time (50,000 errors:
    101 s) because each one split its whole file again."""
    from slalang import diagnostics

    text = "\n".join(f"line {k}" for k in range(5000))
    diags = [diagnostics.error("SLA203", "x", diagnostics.Span("f.sla", k + 1, 1)) for k in range(5000)]
    diagnostics._source_lines.cache_clear()
    out = [diagnostics.render(d, {"f.sla": text}) for d in diags]
    assert diagnostics._source_lines.cache_info().misses == 1
    assert out[4999].splitlines()[1] == "   5000 | line 4999"
