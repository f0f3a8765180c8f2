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
