"""`status` and `source` declarations (SPEC §12) through check, the artifact, fmt and diff."""

from __future__ import annotations

import json

import pytest

import slalang
from slalang.cli import app
from typer.testing import CliRunner

HEAD = '''policy "Desk" { timezone "Europe/London" }
severity P1 "Critical"
severity P3 "Moderate"
window office { mon-fri 09:00-17:00 }
tier standard {
  support office via email
  pause when {pause}
  response P1, P3 within 4h
}
service api {{ offers standard }}
'''

SOURCE = '''status pending_customer "Waiting for the customer's reply"
source sn {
  format events
  timezone "America/Sao_Paulo"
  instants "%d/%m/%Y %H:%M"
  column ticket "number"
  severity "1 - Critical" as P1
  severity "3 - Moderate", "4 - Low" as P3
  status "Awaiting User Info" as pending_customer
  status "Active" as open responds
  status "Resolved", "Closed" as resolved
  status "Canceled" as cancelled
}
'''


def policy_text(pause: str = "pending_customer", source: str = SOURCE) -> str:
    return HEAD.replace("{pause}", pause).replace("{{", "{").replace("}}", "}") + source


def codes(tmp_path, text: str) -> list[tuple[str, str]]:
    (tmp_path / "p.sla").write_text(text)
    with pytest.raises(slalang.PolicyError) as caught:
        slalang.compile(tmp_path)
    return [(d.code, d.message) for d in caught.value.diagnostics if d.level.value == "error"]


def test_a_source_compiles_into_the_artifact(tmp_path):
    (tmp_path / "p.sla").write_text(policy_text())
    art = slalang.compile(tmp_path).artifact
    assert art["statuses"]["pending_customer"]["description"] == "Waiting for the customer's reply"
    sn = art["ticket_sources"]["sn"]
    assert (sn["format"], sn["timezone"], sn["instants"]) == ("events", "America/Sao_Paulo", "%d/%m/%Y %H:%M")
    assert sn["columns"] == {"ticket": "number"}
    assert sn["severities"] == {"1 - Critical": "P1", "3 - Moderate": "P3", "4 - Low": "P3"}
    assert sn["statuses"]["Active"] == {"status": "open", "responds": True}
    assert sn["statuses"]["Closed"] == {"status": "resolved", "responds": False}
    assert sn["statuses"]["Canceled"]["status"] == "cancelled"


def test_once_statuses_are_declared_pause_when_names_only_declared_or_built_in_ones(tmp_path):
    found = codes(tmp_path, policy_text(pause="pending_customr, resolved"))
    assert found == [("SLA203", 'unknown status "pending_customr"')]


def test_without_status_declarations_any_status_may_pause(tmp_path):
    text = policy_text(pause="waiting_on_customer", source="")
    (tmp_path / "p.sla").write_text(text)
    assert slalang.compile(tmp_path).tier("standard") is not None


@pytest.mark.parametrize("line, code, words", [
    ("format event", "SLA951", 'unknown source format "event"'),
    ('timezone "America/Sao_Paul"', "SLA401", 'unknown timezone "America/Sao_Paul"'),
    ('instants "%d/%m/%Q %H:%M"', "SLA953", '"%Q" is not a strptime directive'),
    ('instants "%H:%M"', "SLA953", "does not give a whole date"),
    ('column tickt "number"', "SLA954", 'unknown field "tickt"'),
    ('severity "2 - High" as P2', "SLA203", 'unknown severity "P2"'),
    ('status "On Hold" as on_hold', "SLA203", 'unknown status "on_hold"'),
    ('status "Closed" as cancelled', "SLA952", 'status "Closed" is mapped twice'),
    ('column ticket "sys_id"', "SLA207", '"column ticket" is stated twice'),
])
def test_check_words_each_bad_source_statement(tmp_path, line, code, words):
    source = SOURCE.replace('  status "Canceled" as cancelled\n', f'  status "Canceled" as cancelled\n  {line}\n')
    if line.startswith("format") or line.startswith("timezone") or line.startswith("instants"):
        key = line.split()[0]
        source = "\n".join(l for l in source.splitlines() if not l.strip().startswith(key + " ")
                           or l.strip() == line) + "\n"
    found = codes(tmp_path, policy_text(source=source))
    assert any(c == code and words in m for c, m in found), found


def test_a_source_needs_a_format(tmp_path):
    found = codes(tmp_path, policy_text(source='source bare { column ticket "number" }\n'))
    assert ("SLA951", 'source "bare" has no format') in found


def test_check_points_at_the_value_with_a_caret_and_help(tmp_path):
    (tmp_path / "p.sla").write_text(policy_text(source=SOURCE.replace("format events", "format evnts")))
    result = CliRunner().invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert "p.sla:13:10: error[SLA951]" in result.output
    assert "^^^^^" in result.output and 'did you mean "events"?' in result.output


def test_diff_shows_a_remapped_status_as_neutral(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir(), new.mkdir()
    (old / "p.sla").write_text(policy_text())
    (new / "p.sla").write_text(policy_text(source=SOURCE.replace('"Active" as open', '"Active", "WIP" as open')))
    result = CliRunner().invoke(app, ["diff", str(old), str(new), "--format", "json"])
    changes = json.loads(result.output)["changes"]
    assert [(c["kind"], c["field"], c["old"], c["new"], c["classification"]) for c in changes] == [
        ("source", 'status "WIP"', "none", "open responds", "neutral")]


def test_a_redundant_group_of_one_service_is_an_error_not_a_crash(tmp_path):
    """Found by the fuzzer: `depends on any of X` reached the artifact schema (two or more) and
    failed there."""
    text = policy_text(source="") + 'service b { offers standard\n  depends on any of api }\n'
    assert ("SLA702", "a redundant group (`depends on any of`) needs two services or more") in codes(tmp_path, text)
