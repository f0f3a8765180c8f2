"""SPEC §18, limits are diagnostics: a duration longer than the whole horizon is an error at
check (it compiled clean, then every evaluation crashed with OverflowError), and repeats that
run past the horizon draw a warning."""

from __future__ import annotations

import pytest

import slalang

HEAD = '''policy "Limits" { timezone "UTC" horizon 2020..2040 }
severity P1 "Critical"
contact lead "lead@example.com"
'''


def diagnostics(tmp_path, body: str):
    (tmp_path / "p.sla").write_text(HEAD + body)
    try:
        slalang.compile(tmp_path)
        return []
    except slalang.PolicyError as exc:
        return [(d.code, d.message) for d in exc.diagnostics]


@pytest.mark.parametrize("statement", ["response P1 within 999999999999w", "update P1 every 1100w",
                                       "ignore outages under 9999w"])
def test_a_duration_longer_than_the_horizon_is_sla413(tmp_path, statement):
    found = diagnostics(tmp_path, f"tier t {{\n  support always\n  {statement}\n}}\nservice s {{ offers t }}\n")
    assert [c for c, _ in found if c == "SLA413"] == ["SLA413"], found


def test_repeats_past_the_horizon_are_a_warning_and_compile(tmp_path):
    body = '''escalation e {
  at breach notify lead
  repeat every 1h up to 1000000 times
}
tier t {
  support always
  response P1 within 1h
  escalate e
}
service s { offers t }
'''
    (tmp_path / "p.sla").write_text(HEAD + body)
    from typer.testing import CliRunner

    from slalang.cli import app

    result = CliRunner().invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 0
    assert "warning[SLA605]: repeat every 1h up to 1000000 times runs past the policy horizon" in result.output


@pytest.mark.parametrize("body", [
    "window w { 0001-01-01..0001-01-02 }\n",
    "tier t {\n  support always\n}\nservice s { offers t }\ncustomer c { contract s t from 9999-12-30 }\n",
])
def test_a_date_outside_the_horizon_is_sla414_not_a_compiler_crash(tmp_path, body):
    found = diagnostics(tmp_path, body)
    assert any(code == "SLA414" and "is outside the policy horizon 2020..2040" in message
               for code, message in found), found


def test_a_deep_extends_chain_flattens_each_tier_once(tmp_path):
    """SPEC §18, costs grow linearly: a 2,000-deep `extends` chain took 12 s (each tier walked its
    whole chain again); each tier now extends its parent's flattened statements."""
    lines = ["tier t0 {\n  support always\n  response P1 within 1h\n}"]
    lines += [f"tier t{i} extends t{i - 1} {{ response P1 within {60 + i % 50}m }}" for i in range(1, 1201)]
    (tmp_path / "p.sla").write_text(HEAD + "\n".join(lines) + "\nservice s { offers t1200 }\n")
    art = slalang.compile(tmp_path).artifact
    assert art["tiers"]["t1200"]["targets"][0]["goal"] == (60 + 1200 % 50) * 60
    assert art["tiers"]["t1200"]["support"]["window"] == "always"   # from the root, 1,200 tiers up
