"""Reading a ticket system's event log through a `source` (SPEC §12): one row per change becomes a
§7 ticket; statuses mean what the source maps them to; nothing read is ever dropped."""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pytest
from typer.testing import CliRunner

import slalang
from slalang.cli import app

NOW = "2025-03-20T00:00:00Z"

POLICY = '''policy "Desk" { timezone "Europe/London" }
severity P1 "Critical"
severity P3 "Moderate"
status pending_customer "Waiting for the customer's reply"
window office { mon-fri 09:00-17:00 }
tier standard {
  support office via email
  pause when pending_customer
  response P1, P3 within 4h
  resolution P1 within 8h
  resolution P3 within 3d
}
service api { offers standard }
customer acme { contract api standard from 2025-01-01 }
source sn {
  format events
  timezone "America/Sao_Paulo"
  instants "%d/%m/%Y %H:%M"
  column ticket "number"
  column at "sys_updated_at"
  column status "incident_state"
  column severity "priority"
  column opened "opened_at"
  severity "1 - Critical" as P1
  severity "3 - Moderate", "4 - Low" as P3
  status "Awaiting User Info" as pending_customer
  status "Active" as open responds
  status "New" as open
  status "Resolved", "Closed" as resolved
  status "Canceled" as cancelled
}
source log {
  format events
  timezone "Europe/London"
}
source exported {
  format tickets
  timezone "Europe/London"
  column id "key"
  column severity "prio"
  severity "high" as P1
}
'''

HEADER = "number,incident_state,priority,opened_at,sys_updated_at,tier\n"


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    d = tmp_path_factory.mktemp("src")
    (d / "p.sla").write_text(POLICY)
    return slalang.compile(d)


def read(policy, name: str, text: str, tmp_path, suffix: str = ".csv") -> list[dict]:
    path = tmp_path / f"in{suffix}"
    path.write_text(text, encoding="utf-8")
    return list(policy.source(name).read(path))


def by_id(records: list[dict]) -> dict:
    return {r["id"]: r for r in records}


def test_statuses_become_responded_paused_resolved_and_reopened(policy, tmp_path):
    rows = HEADER + "\n".join([
        "INC1,New,3 - Moderate,03/03/2025 08:00,03/03/2025 08:00,standard",
        "INC1,Active,3 - Moderate,03/03/2025 08:00,03/03/2025 09:30,standard",        # first response
        "INC1,Awaiting User Info,3 - Moderate,03/03/2025 08:00,03/03/2025 10:00,standard",
        "INC1,Active,3 - Moderate,03/03/2025 08:00,04/03/2025 10:00,standard",        # no second response
        "INC1,Resolved,3 - Moderate,03/03/2025 08:00,04/03/2025 11:00,standard",
        "INC1,Closed,3 - Moderate,03/03/2025 08:00,05/03/2025 11:00,standard",        # resolved -> resolved
        "INC1,Active,1 - Critical,03/03/2025 08:00,06/03/2025 09:00,standard",        # reopened, escalated
    ]) + "\n"
    [t] = read(policy, "sn", rows, tmp_path)
    assert t["opened"] == "2025-03-03T11:00:00Z"   # 08:00 in São Paulo (UTC-3)
    assert t["severity"] == "P3" and t["tier"] == "standard"
    assert t["events"] == [
        {"at": "2025-03-03T12:30:00Z", "type": "responded"},
        {"at": "2025-03-03T13:00:00Z", "status": "pending_customer"},
        {"at": "2025-03-04T13:00:00Z", "status": "open"},
        {"at": "2025-03-04T14:00:00Z", "type": "resolved"},
        {"at": "2025-03-06T12:00:00Z", "severity": "P1"},
        {"at": "2025-03-06T12:00:00Z", "type": "reopened"},
    ]
    [result] = policy.evaluate_tickets([t], now=NOW)
    assert result.metrics["response"].state == "met"


def test_rows_need_not_be_adjacent_or_sorted(policy, tmp_path):
    rows = HEADER + "\n".join([
        "INC2,Resolved,1 - Critical,03/03/2025 09:00,03/03/2025 12:00,standard",
        "INC3,New,4 - Low,03/03/2025 09:00,03/03/2025 09:00,standard",
        "INC2,New,1 - Critical,03/03/2025 09:00,03/03/2025 09:00,standard",
        "INC2,Active,1 - Critical,03/03/2025 09:00,03/03/2025 10:00,standard",
        "INC3,Canceled,4 - Low,03/03/2025 09:00,03/03/2025 09:20,standard",
    ]) + "\n"
    got = read(policy, "sn", rows, tmp_path)
    assert [t["id"] for t in got] == ["INC2", "INC3"]   # in order of each ticket's first row
    assert [e.get("type") or e.get("status") for e in got[0]["events"]] == ["responded", "resolved"]
    assert got[1]["events"] == [{"at": "2025-03-03T12:20:00Z", "status": "cancelled"}]
    results = policy.evaluate_tickets(got, now=NOW)
    assert {m.state for m in results[1].metrics.values()} == {"cancelled"}


def test_without_opened_the_first_row_opens_the_ticket(policy, tmp_path):
    text = "ticket,at,status,severity\n" \
           "T1,2025-03-03T09:00:00,pending_customer,P1\n" \
           "T1,2025-03-03T11:00:00,open,\n"
    [t] = read(policy, "log", text, tmp_path)
    assert t["opened"] == "2025-03-03T09:00:00Z" and t["severity"] == "P1"
    assert t["events"] == [{"at": "2025-03-03T09:00:00Z", "status": "pending_customer"},
                           {"at": "2025-03-03T11:00:00Z", "status": "open"}]


def test_an_unmapped_value_is_a_problem_of_its_ticket_with_its_line(policy, tmp_path):
    rows = HEADER + "INC4,New,3 - Moderate,03/03/2025 09:00,03/03/2025 09:00,standard\n" \
                    "INC4,Awaiting Usr Info,3 - Moderate,03/03/2025 09:00,03/03/2025 09:10,standard\n" \
                    "INC5,New,2 - High,03/03/2025 09:00,03/03/2025 09:00,standard\n"
    got = by_id(read(policy, "sn", rows, tmp_path))
    assert got["INC4"]["problem"] == ('line 3: status "Awaiting Usr Info" is not mapped by source "sn"; '
                                      'did you mean "Awaiting User Info"?')
    assert got["INC4"]["line"] == 3
    assert got["INC5"]["problem"].startswith('line 4: severity "2 - High" is not mapped by source "sn"')
    results = policy.evaluate_tickets(list(got.values()), now=NOW)
    assert [r.problem for r in results] == [got["INC4"]["problem"], got["INC5"]["problem"]]


@pytest.mark.parametrize("rows, problem", [
    ("T1,2025-03-03T09:00:00,open,P1,acme\nT1,2025-03-03T10:00:00,open,,globex\n",
     'customer differs between its rows: "acme", "globex"'),
    ("T1,03/03/2025,open,P1,\n", 'line 2: at "03/03/2025" does not read as ISO 8601'),
    ("T1,2025-03-03T09:00:00,open,,\n", "no severity in any of its rows"),
])
def test_rows_that_cannot_make_a_ticket_are_worded(policy, tmp_path, rows, problem):
    [t] = read(policy, "log", "ticket,at,status,severity,customer\n" + rows, tmp_path)
    assert t["problem"] == problem


def test_a_naive_instant_needs_the_source_zone(policy, tmp_path):
    d = tmp_path / "p"
    d.mkdir()
    (d / "p.sla").write_text(POLICY.replace('  timezone "Europe/London"\n}\nsource exported', '}\nsource exported'))
    bare = slalang.compile(d)
    [t] = read(bare, "log", "ticket,at,status,severity\nT1,2025-03-03T09:00:00,open,P1\n", tmp_path)
    assert t["problem"] == 'line 2: at "2025-03-03T09:00:00" has no offset and the source names no timezone'
    [ok] = read(bare, "log", "ticket,at,status,severity\nT1,2025-03-03T09:00:00+01:00,open,P1\n", tmp_path)
    assert ok["opened"] == "2025-03-03T08:00:00Z"


def test_a_byte_order_mark_is_not_part_of_the_first_header(policy, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffticket,at,status,severity\nT1,2025-03-03T09:00:00,open,P1\n".encode("utf-8"))
    [t] = list(policy.source("log").read(path))
    assert t["id"] == "T1" and "problem" not in t


def test_tickets_format_renames_columns_and_maps_values(policy, tmp_path):
    line = {"key": "K-1", "prio": "high", "opened": "2025-03-03T09:00:00", "tier": "standard",
            "events": [{"at": "2025-03-03T10:00:00", "type": "responded"}]}
    [t] = read(policy, "exported", json.dumps(line) + "\n", tmp_path, ".jsonl")
    assert t == {"id": "K-1", "tier": "standard", "severity": "P1", "opened": "2025-03-03T09:00:00Z",
                 "events": [{"at": "2025-03-03T10:00:00Z", "type": "responded"}]}


def test_rows_in_python_and_in_arrow_read_as_files_do(policy):
    rows = [{"ticket": "T1", "at": "2025-03-03T09:00:00", "status": "open", "severity": "P1", "tier": "standard",
             "type": None},
            {"ticket": "T1", "at": "2025-03-03T09:30:00", "type": "responded"}]
    [t] = policy.source("log").read(rows)
    assert t["events"] == [{"at": "2025-03-03T09:30:00Z", "type": "responded"}]
    table = policy.evaluate_arrow(pa.Table.from_pylist(rows), now=NOW, source="log")
    assert table.column("state").to_pylist() == ["met", "breached"]
    with pytest.raises(LookupError, match="unknown source 'nope'; this policy's sources: exported, log, sn"):
        policy.source("nope")


def run_eval(policy_dir, path, *args):
    return CliRunner().invoke(app, ["eval", str(path), "--policy", str(policy_dir), "--now", NOW,
                                                    *args])


def test_eval_reads_through_a_source_and_lists_every_ticket(policy, tmp_path):
    d = tmp_path / "policy"
    d.mkdir()
    (d / "p.sla").write_text(POLICY)
    path = tmp_path / "log.csv"
    path.write_text(HEADER + "INC1,New,3 - Moderate,03/03/2025 08:00,03/03/2025 08:00,standard\n"
                             "INC2,Bogus,3 - Moderate,03/03/2025 08:00,03/03/2025 08:00,standard\n")
    result = run_eval(d, path, "--source", "sn", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["id"], r["metric"]) for r in rows] == [("INC1", "response"), ("INC1", "resolution"), ("INC2", "")]
    assert 'status "Bogus" is not mapped by source "sn"' in rows[2]["problem"]
    assert f"{path}:3: status \"Bogus\" is not mapped" in result.stderr
    assert "2 records read, 1 evaluated, 1 skipped" in result.stderr
    assert run_eval(d, path, "--source", "sn", "--max-skipped", "1").exit_code == 0
    over = run_eval(d, path, "--source", "sn", "--max-skipped", "0")
    assert over.exit_code == 2 and "1 of 2 records skipped, more than --max-skipped 0" in over.stderr
    assert run_eval(d, path, "--source", "sn", "--max-skipped", "50%").exit_code == 0
    assert run_eval(d, path, "--source", "sn", "--max-skipped", "49%").exit_code == 2
    assert run_eval(d, path, "--source", "sn", "--strict").exit_code == 2
    bad = run_eval(d, path, "--source", "nope")
    assert bad.exit_code == 2 and "unknown source 'nope'" in bad.stderr
    none = tmp_path / "none.csv"
    none.write_text(HEADER + "INC2,Bogus,3 - Moderate,03/03/2025 08:00,03/03/2025 08:00,standard\n")
    assert run_eval(d, none, "--source", "sn").exit_code == 2


def test_input_without_a_source_names_each_status_the_policy_does_not_know(policy, tmp_path):
    d = tmp_path / "policy"
    d.mkdir()
    (d / "p.sla").write_text(POLICY)
    ticket = {"severity": "P1", "opened": "2025-03-03T09:00:00Z", "tier": "standard"}
    events = [{"at": "2025-03-03T09:10:00Z", "status": "Pending Customer"},
              {"at": "2025-03-03T09:20:00Z", "status": "open"},
              {"at": "2025-03-03T09:30:00Z", "status": "Pending Customer"}]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps({"id": f"T{i}", **ticket, "events": events[:2 + i]}) for i in range(2)))
    result = run_eval(d, path, "--format", "csv")
    assert result.exit_code == 0
    assert ('warning: status "Pending Customer" is not a status of this policy: 3 events in 2 tickets never '
            'paused a clock') in result.stderr
    assert "pending_customer" not in result.stderr and '"open"' not in result.stderr


def test_records_outside_the_horizon_name_the_horizon_statement_in_every_output(policy, tmp_path):
    """The default horizon 2020..2040 once skipped every 2010-2017 record of a real log with exit
    0, and --format json printed nothing."""
    d = tmp_path / "policy"
    d.mkdir()
    (d / "p.sla").write_text(POLICY)
    path = tmp_path / "old.csv"
    path.write_text(HEADER + "INC9,New,3 - Moderate,03/03/2014 08:00,03/03/2014 08:00,standard\n")
    result = run_eval(d, path, "--source", "sn", "--format", "json")
    assert result.exit_code == 2
    [line] = result.stdout.splitlines()
    problem = json.loads(line)["problem"]
    assert "outside the policy horizon 2020..2040" in problem and "widen `horizon`" in problem
    assert "error: no record could be evaluated" in result.stderr


def test_report_reads_its_tickets_through_a_source(policy, tmp_path):
    d = tmp_path / "policy"
    d.mkdir()
    (d / "p.sla").write_text(POLICY)
    path = tmp_path / "log.csv"
    rows = ["INC1,New,1 - Critical,04/03/2025 10:00,04/03/2025 10:00,,acme,api",
            "INC1,Active,1 - Critical,04/03/2025 10:00,04/03/2025 10:30,,acme,api",
            "INC1,Resolved,1 - Critical,04/03/2025 10:00,04/03/2025 11:00,,acme,api",
            "INC2,Activ,1 - Critical,04/03/2025 10:00,04/03/2025 10:00,,acme,api"]
    path.write_text(HEADER.strip() + ",customer,service\n" + "\n".join(rows) + "\n")
    (d / "p.sla").write_text(POLICY.replace('  column opened "opened_at"\n',
                                            '  column opened "opened_at"\n  column customer "customer"\n'))
    outages = tmp_path / "outages.jsonl"
    outages.write_text("")
    result = CliRunner().invoke(app, ["report", "--policy", str(d), "--outages", str(outages), "--tickets", str(path),
                                      "--source", "sn", "--period", "2025-03", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert 'status "Activ" is not mapped by source "sn"' in result.stderr
    contract = json.loads(result.stdout)["contracts"][0]
    response = next(a for a in contract["tickets"]["attainment"] if a["metric"] == "response")
    assert response["met"] == 1


def test_a_large_file_read_in_parts_gives_what_it_gives_whole(policy, tmp_path, monkeypatch):
    """Files of more than PART_ROWS rows are read in parts of whole tickets (memory follows the
    part): tickets interleaved across the whole file, rows with no id, problems, all as one read."""
    import random

    from slalang.runtime import sources

    rnd = random.Random(5)
    states = ["New", "Active", "Awaiting User Info", "Resolved", "Closed", "Bogus"]
    lines = []
    for k in range(300):
        ticket = "" if k % 37 == 0 else f"INC{rnd.randrange(60)}"
        lines.append(f"{ticket},{rnd.choice(states)},{rnd.choice(['1 - Critical', '3 - Moderate'])},"
                     f"03/03/2025 08:00,{rnd.randrange(3, 9):02d}/03/2025 {rnd.randrange(8, 18):02d}:{rnd.randrange(60):02d},"
                     f"standard")
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n")
    whole = list(policy.source("sn").records(path))
    monkeypatch.setattr(sources, "PART_ROWS", 7)
    parts = list(policy.source("sn").tickets(path))
    assert len(parts) > 10
    assert [r for part in parts for r in part.records()] == whole


def test_stdin_through_a_source_reads_csv_or_json_lines(policy, tmp_path):
    d = tmp_path / "policy"
    d.mkdir()
    (d / "p.sla").write_text(POLICY)
    text = HEADER + "INC1,New,3 - Moderate,03/03/2025 08:00,03/03/2025 08:00,standard\n"
    args = ["eval", "-", "--policy", str(d), "--source", "sn", "--now", NOW, "--format", "csv"]
    from_csv = CliRunner().invoke(app, args, input=text)
    assert from_csv.exit_code == 0 and "1 record read, 1 evaluated" in from_csv.stderr
    row = dict(zip(HEADER.strip().split(","), text.splitlines()[1].split(",")))
    from_json = CliRunner().invoke(app, args, input=json.dumps(row) + "\n")
    assert from_json.exit_code == 0 and from_json.stdout == from_csv.stdout


def test_a_bad_byte_past_the_ticket_column_of_a_large_file_is_its_line_s_problem(policy, tmp_path, monkeypatch):
    """The parts path parses the ticket column first; a byte that is not UTF-8 in another column
    shows only when every row is spilled, which happens before any part is read: the file then
    goes to the row reader, which words that line."""
    from slalang.runtime import sources

    monkeypatch.setattr(sources, "PART_ROWS", 2)
    rows = [f"INC{k},New,3 - Moderate,03/03/2025 08:00,03/03/2025 08:0{k},standard" for k in range(6)]
    data = (HEADER + "\n".join(rows) + "\n").encode().replace(b"INC3,New", b"INC3,N\xe9w")
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    got = {r["id"] if "id" in r else f"#{r['line']}": r.get("problem") for r in policy.source("sn").read(path)}
    assert got["#5"] == "not UTF-8 text (byte 7 of the line)"
    assert [k for k, problem in got.items() if problem is None] == ["INC0", "INC1", "INC2", "INC4", "INC5"]
