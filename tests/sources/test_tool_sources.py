"""Jira, Zendesk and ServiceNow exports through a policy's `source` (SPEC §12), end to end: the
synthetic exports in tests/fixtures/sources become tickets, and `slalang eval --source` lists
every one of them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

import slalang
from slalang.cli import app

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sources"
NOW = "2024-04-01T00:00:00Z"

POLICY = '''policy "Desk" { timezone "Europe/London" }
severity P1 "Critical"
severity P3 "Moderate"
status pending_customer "Waiting for the customer"
tier standard {
  support always via email
  pause when pending_customer
  response P1, P3 within 4h
  resolution P1 within 1d
  resolution P3 within 3d
}
tier SUP extends standard { }
service desk { offers standard, SUP }
source jira_cloud {
  format jira
  column tier "fields.project.key"
  status "Open", "To Do", "Waiting for support" as open
  status "In Progress" as open responds
  status "Waiting for customer" as pending_customer
  status "Done", "Resolved", "Closed" as resolved
  severity "Highest", "High" as P1
  severity "Medium", "Low", "Lowest" as P3
}
source zd {
  format zendesk
  status "new", "open" as open
  status "pending", "hold" as pending_customer
  status "solved", "closed" as resolved
  severity "urgent", "high" as P1
  severity "normal", "low" as P3
}
source snaudit {
  format servicenow
  status "New" as open
  status "In Progress" as open responds
  status "On Hold", "Awaiting Caller" as pending_customer
  status "Resolved", "Closed" as resolved
  status "Canceled" as cancelled
  severity "1 - Critical", "2 - High" as P1
  severity "3 - Moderate", "4 - Low", "5 - Planning" as P3
}
'''


@pytest.fixture(scope="module")
def policy_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("tools")
    (d / "p.sla").write_text(POLICY)
    return d


@pytest.fixture(scope="module")
def policy(policy_dir):
    return slalang.compile(policy_dir)


def test_servicenow_audit_rows_become_tickets(policy):
    got = {t["id"]: t for t in policy.source("snaudit").read(FIXTURES / "servicenow_sys_audit.csv")}
    reopened = got["36b3216fdaeeb975729fae923d5a4fd1"]
    assert reopened["severity"] == "P1" and reopened["opened"] == "2024-03-04T10:15:00Z"
    assert [e.get("type") or e.get("status") for e in reopened["events"]] == \
        ["responded", "resolved", "reopened", "resolved"]
    cancelled = got["2aabfe228f219e9cb0eb53f16947ccf2"]
    assert cancelled["events"][-1] == {"at": "2024-03-04T14:00:00Z", "status": "cancelled"}


def test_zendesk_audits_become_tickets_with_their_first_public_reply(policy):
    got = {t["id"]: t for t in policy.source("zd").read(FIXTURES / "zendesk_audits.json")}
    assert got["5002"]["events"][0] == {"at": "2024-03-04T09:25:00Z", "type": "responded"}
    assert "pending_customer" in [e.get("status") for e in got["5001"]["events"]]


def test_jira_issues_become_tickets_and_a_bad_history_is_worded(policy):
    got = {t["id"]: t for t in policy.source("jira_cloud").read(FIXTURES / "jira_issues.json")}
    assert set(got) == {"SUP-101", "SUP-102", "SUP-103", "SUP-104"}
    assert 'has no "created" instant' in got["SUP-103"]["problem"]
    assert all("problem" not in got[k] for k in ("SUP-101", "SUP-102", "SUP-104"))


@pytest.mark.parametrize("source, name", [("jira_cloud", "jira_issues.json"), ("zd", "zendesk_audits.json"),
                                          ("snaudit", "servicenow_sys_audit.csv")])
def test_eval_lists_every_ticket_of_an_export(policy, policy_dir, source, name):
    expected = [t["id"] for t in policy.source(source).read(FIXTURES / name)]
    result = CliRunner().invoke(app, ["eval", str(FIXTURES / name), "--policy", str(policy_dir), "--source", source,
                                      "--now", NOW, "--format", "csv"])
    # Jira's tickets name their tier (the project key); the others' carry no terms: listed, skipped
    assert result.exit_code == (0 if source == "jira_cloud" else 2), result.stderr
    ids = list(dict.fromkeys(r["id"] for r in csv.DictReader(io.StringIO(result.stdout))))
    assert ids == expected
    assert f"{len(expected)} records read" in result.stderr


def test_the_readme_tour_reads_the_bundled_desk_export_through_its_source(tmp_path):
    """The README's console lines for `slalang eval ... --source servicedesk`, as printed there."""
    repo = FIXTURES.parent.parent.parent
    readme = (repo / "README.md").read_text()
    assert "--source servicedesk" in readme and "10 records read, 10 evaluated, 0 skipped" in readme
    out = tmp_path / "servicedesk.csv"
    result = CliRunner().invoke(app, ["eval", str(repo / "policies" / "samples" / "servicedesk_export.csv"),
                                      "--policy", str(repo / "policies"), "--source", "servicedesk",
                                      "--now", "2025-03-31T23:00:00Z", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "10 records read, 10 evaluated, 0 skipped" in result.stderr
    rows = list(csv.DictReader(out.open()))
    assert {r["id"] for r in rows} == {f"NW-20{k:02d}" for k in range(1, 11)}
