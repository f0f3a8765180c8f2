"""The built-in status `cancelled` (SPEC §12, amending §4), as users meet it: entering it stops
every clock, every metric of the ticket says `cancelled` with no deadline, notifications already
sent stay listed and pending ones are dropped, later events are ignored, and the ticket counts in
no attainment or percentile target. Through the Python API, the oracle, Arrow, `slalang eval`
(csv, json, parquet), `slalang report` data and `slalang test` blocks.

Expected values are worked out by hand. In `office` (tests/tickets/ticket_kit.py, UTC) the window
is Monday–Friday 09:00–17:00 and 2025-03-03 is a Monday. Tier `keep`, P1: response 1h (internal
30m), resolution 8h during always, update every 2h; chain: 50% → lead, breach → boss,
breach + 1h → cto, then every 30m up to 2 more times to cto.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import oracle
import slalang
from slalang.cli import app
from slalang.report import render_report
from slalang.runtime.tickets import result_schema
from slalang.runtime.tickets.rules import STATE_NAMES
from slalang.runtime.tickets.writers import Tally

from ticket_kit import OFFICE, D, Z, ev, sev, status, ticket

runner = CliRunner()


def at(text: str) -> datetime:
    return datetime.fromisoformat(Z(text).replace("Z", "+00:00"))


def evaluated(policy, record: dict, now: str):
    """The product's result for one record, checked against the oracle's (batch and alone)."""
    [result] = policy.evaluate_tickets([record], now=Z(now))
    assert result.problem is None, result.problem
    want = oracle.evaluate(policy, record, Z(now))
    assert result.to_json() == want
    assert policy.tier(record["tier"]).evaluate_ticket(record, now=Z(now)).to_json() == want
    return result


def sent(result) -> list[tuple]:
    return [(e.metric, e.step, e.repeat, e.due, e.fired) for e in result.escalations]


# -- the clocks ---------------------------------------------------------------------------------------

def test_a_cancelled_ticket_has_every_metric_cancelled_with_elapsed_frozen_and_no_deadline(compiled):
    office = compiled("office")
    record = ticket("P1", "03-03T09:00", status("03-03T09:45", "cancelled"))
    result = evaluated(office, record, "03-03T20:00")
    assert result.severity == "P1"
    assert set(result.metrics) == {"response", "resolution", "update"}
    for name, m in result.metrics.items():
        # 45 minutes counted (office and `always` alike), then nothing: the clock stopped at the cancel
        assert (m.state, m.elapsed, m.deadline, m.stopped) == ("cancelled", D("45m"), None, at("03-03T09:45")), name
        assert m.remaining == m.goal - D("45m")
    response = result.metrics["response"]
    assert (response.internal_goal, response.internal_state, response.internal_deadline) == (D("30m"), "cancelled",
                                                                                             None)
    [cycle] = result.metrics["update"].cycles
    assert (cycle.state, cycle.elapsed, cycle.deadline) == ("cancelled", D("45m"), None)


def test_the_elapsed_time_stays_what_it_was_at_the_cancel_whatever_now(compiled):
    office = compiled("office")
    record = ticket("P2", "03-03T16:00", status("03-04T10:30", "cancelled"))   # 1h Monday + 1h30 Tuesday
    for now in ("03-04T10:30", "03-04T17:00", "03-10T12:00"):
        result = evaluated(office, record, now)
        assert {name: (m.state, m.elapsed) for name, m in result.metrics.items()} == {
            "response": ("cancelled", D("2h30m")), "resolution": ("cancelled", D("2h30m")),
            "update": ("cancelled", D("2h30m"))}, now


def test_a_cancellation_after_now_is_not_known_yet(compiled):
    office = compiled("office")
    record = ticket("P1", "03-03T09:00", status("03-03T09:45", "cancelled"))
    result = evaluated(office, record, "03-03T09:40")
    assert result.metrics["response"].state == "running"
    assert result.metrics["response"].deadline == at("03-03T10:00")


def test_a_cancelled_ticket_is_cancelled_even_while_paused_or_after_a_stop(compiled):
    office = compiled("office")
    paused = ticket("P1", "03-03T09:00", status("03-03T09:20", "pending_customer"),
                    status("03-03T11:00", "cancelled"))
    result = evaluated(office, paused, "03-03T12:00")
    assert {name: (m.state, m.elapsed, m.deadline) for name, m in result.metrics.items()} == {
        "response": ("cancelled", D("20m"), None), "resolution": ("cancelled", D("20m"), None),
        "update": ("cancelled", D("20m"), None)}
    # responded and resolved in time, then cancelled: the stops stand, the verdicts are cancelled
    done = ticket("P1", "03-03T09:00", ev("03-03T09:10", "responded"), ev("03-03T10:00", "resolved"),
                  status("03-03T11:00", "cancelled"))
    result = evaluated(office, done, "03-03T12:00")
    response, resolution, update = (result.metrics[k] for k in ("response", "resolution", "update"))
    assert (response.state, response.elapsed, response.stopped) == ("cancelled", D("10m"), at("03-03T09:10"))
    assert (resolution.state, resolution.elapsed, resolution.stopped) == ("cancelled", D("1h"), at("03-03T10:00"))
    # both update cycles (09:00–09:10 and 09:10–10:00) are cancelled with the ticket
    assert [(c.state, c.elapsed) for c in update.cycles] == [("cancelled", D("10m")), ("cancelled", D("50m"))]


def test_events_after_the_cancellation_are_ignored(compiled):
    office = compiled("office")
    cancelled = ticket("P1", "03-03T09:00", status("03-03T09:45", "cancelled"))
    later = ticket("P1", "03-03T09:00", status("03-03T09:45", "cancelled"),
                   sev("03-03T09:45", "P3"),                 # same instant, after it in the list
                   ev("03-03T10:00", "responded"), sev("03-03T10:10", "P2"), status("03-03T10:20", "open"),
                   status("03-03T10:30", "pending_customer"), ev("03-03T11:00", "resolved"),
                   ev("03-03T12:00", "reopened"), status("03-03T13:00", "cancelled"))
    a = evaluated(office, cancelled, "03-03T20:00")
    b = evaluated(office, later, "03-03T20:00")
    assert b.to_json() == a.to_json()
    assert b.severity == "P1" and b.metrics["response"].stopped == at("03-03T09:45")


def test_only_the_exact_value_cancelled_cancels(compiled):
    office = compiled("office")
    for value in ("Cancelled", "canceled", "cancelled "):
        record = ticket("P1", "03-03T09:00", status("03-03T09:45", value))
        result = evaluated(office, record, "03-03T09:50")
        assert result.metrics["response"].state == "running", value


EDGE = '''policy "Edge of the horizon" {
  version "1"
  timezone "UTC"
  horizon 2025..2025
}

severity P1 "Critical"

tier edge {
  support always
  update P1 every 2h
}
'''


def test_a_cancelled_ticket_projects_no_deadline_beyond_the_horizon(tmp_path):
    """Window data ends at 2026-01-01T00:00Z. The first update cycle (23:00–23:10) stopped short
    of its 2h goal: shown, its deadline would be 2026-01-01T00:50Z, beyond the horizon, and the
    ticket a problem. Once the ticket is cancelled no deadline is shown, so it evaluates."""
    (tmp_path / "policy.sla").write_text(EDGE)
    edge = slalang.compile(tmp_path)
    updated = [{"at": "2025-12-31T23:10:00Z", "type": "updated"}]
    base = {"id": "E", "severity": "P1", "opened": "2025-12-31T23:00:00Z", "tier": "edge"}
    now = "2025-12-31T23:30:00Z"
    resolved = dict(base, events=updated + [{"at": "2025-12-31T23:15:00Z", "type": "resolved"}])
    [result] = edge.evaluate_tickets([resolved], now=now)
    assert result.problem is not None and "horizon" in result.problem
    cancelled = dict(base, events=updated + [{"at": "2025-12-31T23:15:00Z", "status": "cancelled"}])
    [result] = edge.evaluate_tickets([cancelled], now=now)
    assert result.problem is None, result.problem
    assert result.to_json() == oracle.evaluate(edge, cancelled, now)
    assert [(c.state, c.elapsed, c.deadline) for c in result.metrics["update"].cycles] == [
        ("cancelled", D("10m"), None), ("cancelled", D("5m"), None)]


# -- escalations --------------------------------------------------------------------------------------

def test_notifications_sent_before_the_cancel_stay_and_pending_ones_are_dropped(compiled):
    office = compiled("office")
    record = ticket("P1", "03-03T09:00", status("03-03T09:45", "cancelled"))
    result = evaluated(office, record, "03-03T20:00")
    # the response's 50% step (09:30) was sent; its breach (10:00), the resolution's 50% (13:00)
    # and the update cycle's 50% (10:00) never will be
    assert sent(result) == [("response", 1, 0, at("03-03T09:30"), True)]
    # the same ticket not cancelled: by 20:00 its chain had sent far more
    [running] = office.evaluate_tickets([ticket("P1", "03-03T09:00")], now=Z("03-03T20:00"))
    assert len(running.escalations) > 5


def test_a_step_due_exactly_at_the_cancel_instant_was_not_sent(compiled):
    """SPEC §18: a step fires when its due instant is before the instant its clock stopped."""
    office = compiled("office")
    record = ticket("P1", "03-03T09:00", status("03-03T09:30", "cancelled"))   # the response's 50% is 09:30
    result = evaluated(office, record, "03-03T20:00")
    assert sent(result) == []


def test_a_restarted_clock_keeps_what_the_old_one_sent(compiled):
    office = compiled("office")
    # P3 response 8h of office: its 50% step is due 13:00. At 14:00 P1 restarts it (1h, 50% at
    # 14:30); the cancel at 14:15 drops what the new clock had not sent yet
    record = ticket("P3", "03-03T09:00", sev("03-03T14:00", "P1"), status("03-03T14:15", "cancelled"),
                    tier="restart")
    result = evaluated(office, record, "03-03T20:00")
    assert sent(result) == [("response", 1, 0, at("03-03T13:00"), True)]
    assert result.metrics["response"].elapsed == D("15m")
    assert result.metrics["response"].state == "cancelled"


# -- outputs --------------------------------------------------------------------------------------------

def test_arrow_rows_say_cancelled_with_null_deadlines(compiled):
    office = compiled("office")
    event = pa.struct([("at", pa.timestamp("us", tz="UTC")), ("status", pa.string()), ("severity", pa.string()),
                       ("type", pa.string())])
    schema = pa.schema([("id", pa.string()), ("severity", pa.string()), ("opened", pa.timestamp("us", tz="UTC")),
                        ("tier", pa.string()), ("events", pa.list_(event))])
    table = pa.Table.from_pylist([
        {"id": "C", "severity": "P1", "opened": at("03-03T09:00"), "tier": "keep",
         "events": [{"at": at("03-03T09:20"), "status": "pending_customer"},
                    {"at": at("03-03T09:40"), "status": "cancelled"}]},
        {"id": "R", "severity": "P1", "opened": at("03-03T09:00"), "tier": "keep",
         "events": [{"at": at("03-03T09:20"), "status": "pending_customer"}]},
    ], schema=schema)
    out = office.evaluate_arrow(table, now=Z("03-03T12:00"))
    assert out.schema == result_schema()
    rows = out.to_pylist()
    cancelled = [r for r in rows if r["id"] == "C"]
    assert [(r["metric"], r["state"], r["deadline"], r["elapsed"]) for r in cancelled] == [
        ("response", "cancelled", None, timedelta(minutes=20)), ("resolution", "cancelled", None, timedelta(minutes=20)),
        ("update", "cancelled", None, timedelta(minutes=20))]
    assert cancelled[0]["internal_state"] == "cancelled" and cancelled[0]["internal_deadline"] is None
    assert all(r["escalations"] == [] for r in cancelled)   # 20m was short of every step
    assert {r["state"] for r in rows if r["id"] == "R"} == {"paused"}
    # the Arrow door and the dict door agree
    views = office.evaluate_tickets([ticket("P1", "03-03T09:00", status("03-03T09:20", "pending_customer"),
                                            status("03-03T09:40", "cancelled"), id="C")], now=Z("03-03T12:00"))
    assert [(m.state, m.elapsed) for m in views[0].metrics.values()] == [(r["state"], r["elapsed"]) for r in cancelled]


@pytest.fixture
def eval_inputs(tmp_path):
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "policy.sla").write_text(OFFICE)
    records = [ticket("P1", "03-03T09:00", status("03-03T09:45", "cancelled"), id="CANCELLED"),
               ticket("P1", "03-03T09:00", ev("03-03T09:10", "responded"), id="OPEN")]
    tickets = tmp_path / "tickets.jsonl"
    tickets.write_text("".join(json.dumps(r) + "\n" for r in records))
    return tmp_path, tickets


def _eval(tmp_path, tickets, fmt: str, *extra: str):
    result = runner.invoke(app, ["eval", str(tickets), "--policy", str(tmp_path / "policy"), "--now",
                                 Z("03-03T12:00"), "--format", fmt, *extra])
    assert result.exit_code == 0, result.output
    return result


def test_eval_csv_says_cancelled(eval_inputs):
    tmp_path, tickets = eval_inputs
    rows = list(csv.DictReader(io.StringIO(_eval(tmp_path, tickets, "csv").stdout)))
    mine = [r for r in rows if r["id"] == "CANCELLED"]
    assert [(r["metric"], r["state"], r["deadline"], r["elapsed"]) for r in mine] == [
        ("response", "cancelled", "", "2700"), ("resolution", "cancelled", "", "2700"),
        ("update", "cancelled", "", "2700")]
    assert (mine[0]["internal_state"], mine[0]["internal_deadline"]) == ("cancelled", "")
    assert [r["state"] for r in rows if r["id"] == "OPEN"] == ["met", "running", "breached"]


def test_eval_json_says_cancelled_and_lists_only_what_was_sent(eval_inputs):
    tmp_path, tickets = eval_inputs
    lines = [json.loads(line) for line in _eval(tmp_path, tickets, "json").stdout.splitlines()]
    mine = next(r for r in lines if r["id"] == "CANCELLED")
    assert {k: (m["state"], m["deadline"], m["elapsed"]) for k, m in mine["metrics"].items()} == {
        "response": ("cancelled", None, 2700), "resolution": ("cancelled", None, 2700),
        "update": ("cancelled", None, 2700)}
    assert [(e["metric"], e["step"], e["due"], e["fired"]) for e in mine["escalations"]] == [
        ("response", 1, "2025-03-03T09:30:00Z", True)]


def test_eval_parquet_says_cancelled(eval_inputs):
    tmp_path, tickets = eval_inputs
    out = tmp_path / "out.parquet"
    _eval(tmp_path, tickets, "parquet", "-o", str(out))
    rows = [r for r in pq.read_table(out).to_pylist() if r["id"] == "CANCELLED"]
    assert [(r["state"], r["deadline"], r["internal_state"]) for r in rows] == [
        ("cancelled", None, "cancelled"), ("cancelled", None, None), ("cancelled", None, None)]


def test_the_run_tally_counts_cancelled_metrics_apart(compiled):
    from slalang.runtime.tickets.api import evaluate_records
    from slalang.runtime.records import instant_us

    office = compiled("office")
    records = [ticket("P1", "03-03T09:00", status("03-03T09:45", "cancelled"), id="A"),
               ticket("P1", "03-03T09:00", id="B")]
    tally = Tally()
    tally.add(evaluate_records(office, records, instant_us(Z("03-03T09:50"), "now")))
    cancelled = STATE_NAMES.index("cancelled")
    assert tally.states[:, cancelled].tolist() == [1, 1, 1]
    assert tally.states[:, STATE_NAMES.index("running")].tolist() == [1, 1, 1]


# -- attainment and percentile targets -------------------------------------------------------------------

REPORT = '''policy "Cancelled tickets in a report" {
  version "1"
  timezone "UTC"
  horizon 2024..2026
}

severity P1 "Critical"
severity P3 "Normal"

tier std {
  support always
  response P1 within 1h
  response P3 within 8h
  response P3 90% within 6h
}

service api {
  offers std
}

customer acme {
  contract api std from 2025-01-01
}
'''


@pytest.fixture(scope="module")
def report_policy(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    (d / "policy.sla").write_text(REPORT)
    return slalang.compile(d)


def _acme(id: str, severity: str, opened: str, *events: dict) -> dict:
    return ticket(severity, opened, *events, tier=None, id=id, customer="acme", service="api")


def test_attainment_and_percentiles_leave_cancelled_tickets_out(report_policy):
    tickets = [
        _acme("P1-met", "P1", "03-03T09:00", ev("03-03T09:30", "responded")),
        _acme("P1-missed", "P1", "03-03T09:00", ev("03-03T11:00", "responded")),
        # would be breached (2h of 1h) but was cancelled: neither met nor missed
        _acme("P1-cancelled-late", "P1", "03-04T09:00", status("03-04T11:00", "cancelled")),
        _acme("P1-cancelled-early", "P1", "03-05T09:00", status("03-05T09:10", "cancelled")),
        # P3 against the 6h bound: one met, one missed, one cancelled past the bound (decided if not cancelled)
        _acme("P3-met", "P3", "03-06T09:00", ev("03-06T10:00", "responded")),
        _acme("P3-missed", "P3", "03-06T09:00", ev("03-06T16:00", "responded")),
        _acme("P3-cancelled", "P3", "03-07T09:00", status("03-07T16:00", "cancelled")),
    ]
    report = report_policy.report(tickets=tickets, period="2025-03")
    [contract] = report.to_json()["contracts"]
    rows = {(a["metric"], a["severity"]): a for a in contract["tickets"]["attainment"]}
    p1 = rows[("response", "P1")]
    assert (p1["met"], p1["missed"], p1["breached"], p1["open"], p1["cancelled"], p1["decided"], p1["attainment"]) == \
        (1, 1, 0, 0, 2, 2, "50.00")
    p3 = rows[("response", "P3")]
    assert (p3["met"], p3["missed"], p3["cancelled"], p3["decided"]) == (2, 0, 1, 2)   # 7h is within P3's 8h
    [pct] = contract["tickets"]["percentiles"]
    assert (pct["tickets"], pct["decided"], pct["met"], pct["cancelled"], pct["attainment"], pct["achieved"]) == \
        (3, 2, 1, 1, "50.00", False)
    # a cancelled ticket is no breach
    assert {b["ticket"] for b in contract["tickets"]["breaches"]} == {"P1-missed"}
    md = render_report(report, "md")
    assert "| metric | severity | met | missed | breached | open | cancelled | attainment |" in md
    assert "| response | P1 | 1 | 1 | 0 | 0 | 2 | 50% |" in md
    assert "1 of 2 decided (1 cancelled, not counted) = 50% — not achieved" in md
    html = render_report(report, "html")
    assert '<th class="num">cancelled</th>' in html and "(1 cancelled, not counted)" in html


def test_percentiles_with_every_ticket_cancelled_have_no_decided_ticket(report_policy):
    tickets = [_acme("P3-c", "P3", "03-07T09:00", status("03-07T16:00", "cancelled"))]
    [contract] = report_policy.report(tickets=tickets, period="2025-03").to_json()["contracts"]
    [pct] = contract["tickets"]["percentiles"]
    assert (pct["tickets"], pct["decided"], pct["cancelled"], pct["attainment"], pct["achieved"]) == \
        (1, 0, 1, None, None)
    [row] = contract["tickets"]["attainment"]
    assert (row["cancelled"], row["decided"], row["attainment"]) == (1, 0, None)


# -- slalang test blocks -----------------------------------------------------------------------------------

TESTED = '''policy "Cancelled in tests" {
  version "1"
  timezone "UTC"
  horizon 2024..2026
}

severity P1 "Critical"

tier t {
  support always
  response P1 within 1h internal 30m
  resolution P1 within 8h
}

test "a cancelled ticket" {
  given tier t
  ticket a P1 opened 2025-03-03T09:00 {
    at 2025-03-03T09:40 status cancelled
    at 2025-03-03T10:00 responded
  }
  expect a response state running at 2025-03-03T09:39
  expect a response state cancelled at 2025-03-03T09:40
  expect a response internal state cancelled at 2025-03-03T12:00
  expect a resolution state cancelled at 2025-03-03T12:00
  expect a resolution elapsed 40m at 2025-03-03T12:00
  expect a resolution due none
}

test "a wrong expectation of a cancelled ticket" {
  given tier t
  ticket b P1 opened 2025-03-03T09:00 {
    at 2025-03-03T09:40 status cancelled
  }
  expect b response state missed at 2025-03-03T12:00
}
'''


def test_test_blocks_expect_state_cancelled(tmp_path):
    (tmp_path / "policy.sla").write_text(TESTED)
    result = runner.invoke(app, ["test", str(tmp_path)])
    out = result.output
    assert "PASS  a cancelled ticket" in out, out
    assert "FAIL  a wrong expectation of a cancelled ticket" in out
    assert "expected response state missed at 2025-03-03T12:00" in out
    assert "got      state cancelled" in out
    assert "1 passed, 1 failed" in out
    assert result.exit_code == 1
