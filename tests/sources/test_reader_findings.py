"""Regression tests from a review of the ticket sources as a stranger would use them: each case
crashed, lost rows, gave a wrong verdict without a word, or misnumbered a line."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from slalang.cli import app

NOW = "2025-04-10T00:00:00Z"
POLICY = '''policy "Review" { timezone "Europe/London" horizon 2020..2040 }
severity P1 "Critical"
tier std {
  support always via email
  response P1 within 1h
  resolution P1 within 8h
}
source ev {
  format events
  timezone "Europe/London"
  instants "%d/%m/%Y %H:%M"
  column ticket "Number"
  column at "Updated"
  column status "State"
  column severity "Priority"
  column tier "Tier"
  severity "1 - Critical" as P1
  status "New" as open
  status "Active" as open responds
  status "Resolved" as resolved
}
'''
HEADER = "Number,State,Priority,Updated,Tier\n"
T1 = ["T1,New,1 - Critical,03/03/2025 09:00,std", "T1,Active,1 - Critical,03/03/2025 09:30,std",
      "T1,Resolved,1 - Critical,03/03/2025 12:00,std"]
T2 = ["T2,New,1 - Critical,03/03/2025 10:00,std", "T2,Active,1 - Critical,03/03/2025 10:20,std"]


@pytest.fixture
def run(tmp_path):
    (tmp_path / "p.sla").write_text(POLICY)

    def go(data: bytes | str, *args, name="log.csv"):
        path = tmp_path / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        result = CliRunner().invoke(app, ["eval", str(path), "--policy", str(tmp_path / "p.sla"), "--source", "ev",
                                          "--now", NOW, "--format", "csv", *args])
        rows = list(csv.DictReader(io.StringIO(result.stdout))) if result.stdout.startswith("id,") else []
        return result, rows
    return go


def verdicts(rows) -> dict:
    return {(r["id"], r["metric"]): r["state"] or r["problem"] for r in rows}


def test_a_local_time_next_to_year_one_is_a_problem_not_a_crash(run):
    result, rows = run(HEADER + "B1,New,1 - Critical,01/01/0001 00:00,std\n" + "\n".join(T2) + "\n")
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert "too close to year 1 or 9999" in verdicts(rows)[("B1", "")]


def test_a_csv_with_cr_line_ends_is_read(run):
    result, rows = run((HEADER + "\n".join(T1) + "\n").replace("\n", "\r"))
    assert result.exit_code == 0, result.output
    assert verdicts(rows) == {("T1", "response"): "met", ("T1", "resolution"): "met"}


def test_an_unterminated_quote_is_its_line_s_problem_and_the_rows_after_it_are_read(run):
    lines = T1 + ['T9,"Active,1 - Critical,03/03/2025 09:40,std'] + T2
    result, rows = run(HEADER + "\n".join(lines) + "\n")
    assert f"log.csv:5: a quote opened on this line is never closed" in result.stderr
    assert verdicts(rows)[("T2", "response")] == "met"
    assert verdicts(rows)[("T1", "resolution")] == "met"


def test_a_row_with_too_many_values_is_a_problem_of_its_ticket_not_a_silent_change(run):
    lines = T1[:2] + [T1[2] + ",extra"] + T2
    result, rows = run(HEADER + "\n".join(lines) + "\n")
    assert verdicts(rows)[("T1", "")] == "line 4: 6 values where the header has 5 columns"
    assert ("T1", "resolution") not in verdicts(rows)   # never "breached" for want of its resolution


def test_a_row_with_too_few_values_is_a_problem_too(run):
    result, rows = run(HEADER + "\n".join(T1[:2] + ["T1,Resolved,1 - Critical"]) + "\n")
    assert verdicts(rows)[("T1", "")] == "line 4: 3 values where the header has 5 columns"


def test_a_header_that_names_a_column_twice_stops_the_run(run):
    result, _ = run("Number,State,Priority,Updated,Tier,State\n" + "\n".join(r + "," for r in T1) + "\n")
    assert result.exit_code == 2
    assert 'the header names column "State" twice (columns 2 and 6)' in result.stderr


def test_a_line_that_is_not_utf8_is_that_line_s_problem(run):
    data = (HEADER + "\n".join(T2) + "\n").encode() + b"T3,New,1 - Critical,03/03/2025 10:00,st\xe9\n"
    result, rows = run(data)
    assert result.exit_code == 0
    assert verdicts(rows)[("#4", "")] == "not UTF-8 text (byte 40 of the line)"
    assert verdicts(rows)[("T2", "response")] == "met"


def test_a_row_over_two_lines_is_numbered_by_the_line_it_starts_on(run):
    lines = T1[:1] + ['T1,"Activ\ne",1 - Critical,03/03/2025 09:30,std'] + T2
    result, rows = run(HEADER + "\n".join(lines) + "\n")
    # the raw value is quoted on one line, its line break escaped
    assert verdicts(rows)[("T1", "")].startswith('line 3: status "Activ\\ne" is not mapped by source "ev"')


def test_status_resolved_in_a_ticket_record_is_named(tmp_path):
    (tmp_path / "p.sla").write_text(POLICY)
    record = {"id": "K1", "severity": "P1", "opened": "2025-03-03T09:00:00Z", "tier": "std",
              "events": [{"at": "2025-03-03T10:00:00Z", "status": "resolved"}]}
    (tmp_path / "t.jsonl").write_text(json.dumps(record) + "\n")
    result = CliRunner().invoke(app, ["eval", str(tmp_path / "t.jsonl"), "--policy", str(tmp_path / "p.sla"),
                                      "--now", NOW, "--format", "csv"])
    assert 'warning: status "resolved" resolves nothing in a ticket record (1 event in 1 ticket)' in result.stderr


def test_report_with_a_source_needs_tickets(tmp_path):
    (tmp_path / "p.sla").write_text(POLICY)
    (tmp_path / "o.jsonl").write_text("")
    result = CliRunner().invoke(app, ["report", "--policy", str(tmp_path / "p.sla"), "--outages",
                                      str(tmp_path / "o.jsonl"), "--source", "ev", "--period", "2025-03"])
    assert result.exit_code == 2 and "--source reads --tickets" in result.stderr


@pytest.mark.parametrize("limit, code", [("0.5%", 2), ("50%", 0), ("\u00b2", 2), ("5.5", 2)])
def test_max_skipped_takes_counts_and_shares_with_decimals(run, limit, code):
    result, _ = run(HEADER + "\n".join(T1 + ["T2,Bogus,1 - Critical,03/03/2025 10:00,std"]) + "\n",
                    "--max-skipped", limit)
    assert result.exit_code == code, result.stderr


def test_column_ticket_and_column_id_are_one_field(tmp_path):
    (tmp_path / "p.sla").write_text(POLICY.replace('  column ticket "Number"\n',
                                                   '  column ticket "Number"\n  column id "Key"\n'))
    result = CliRunner().invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 1 and 'error[SLA207]: "column ticket" is stated twice' in result.output
