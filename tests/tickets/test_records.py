"""Malformed ticket records (SPEC §7): reported with a reason, never dropped, never a crash; input
order kept; `strict=True` raises RecordError. JSON Lines and CSV reading keep line numbers."""

from __future__ import annotations

import io
import json

import pytest
from typer.testing import CliRunner

import slalang
from slalang.cli import app
from slalang.runtime.records import read_records

from ticket_kit import OFFICE, Z

NOW = "2025-04-02T12:00:00Z"


def good(id: str) -> dict:
    return {"id": id, "severity": "P1", "opened": "2025-03-03T09:00:00Z", "customer": "acme", "service": "api"}


def with_(**changes) -> dict:
    record = {**good("BAD"), **changes}
    return {k: v for k, v in record.items() if v is not ...}


def at(s: str) -> str:
    return Z(s)


# (case id, record, substring of the problem)
MALFORMED = [
    ("naive opened instant", with_(opened="2025-03-03T09:00:00"), "no offset"),
    ("opened not an instant", with_(opened="yesterday"), "not an ISO 8601 instant"),
    ("opened a number", with_(opened=1741000000), "must be an ISO 8601 instant"),
    ("unknown severity", with_(severity="P9"), 'unknown severity "P9"'),
    ("missing severity", with_(severity=...), 'missing "severity"'),
    ("missing id", with_(id=...), 'missing "id"'),
    ("unknown customer", with_(customer="globex"), "unknown customer"),
    ("unknown service", with_(service="mail"), "unknown service"),
    ("customer without service", with_(service=...), "needs a tier, or a customer and a service"),
    ("unknown tier", {**with_(customer=..., service=...), "tier": "diamond"}, "unknown tier"),
    ("no contract in force when opened", with_(opened="2024-12-31T23:59:59Z"), "no contract"),
    ("opened after now", with_(opened="2025-04-03T00:00:00Z"), "after now"),
    ("event before opened", with_(events=[{"at": "2025-03-03T08:00:00Z", "type": "responded"}]), "out of order"),
    ("events out of order", with_(events=[{"at": at("03-03T10:00"), "type": "responded"},
                                          {"at": at("03-03T09:30"), "type": "updated"}]), "event 2"),
    ("unknown event type", with_(events=[{"at": at("03-03T10:00"), "type": "escalated"}]), 'unknown type "escalated"'),
    ("event with two kinds", with_(events=[{"at": at("03-03T10:00"), "type": "responded", "status": "open"}]),
     "exactly one of status, severity or type"),
    ("event with no kind", with_(events=[{"at": at("03-03T10:00")}]), "exactly one of"),
    ("event naive instant", with_(events=[{"at": "2025-03-03T10:00:00", "type": "responded"}]), "no offset"),
    ("event unknown severity", with_(events=[{"at": at("03-03T10:00"), "severity": "P7"}]), "unknown severity"),
    ("events not a list", with_(events={"at": at("03-03T10:00")}), '"events" must be a list'),
    ("events cell not JSON", with_(events="[{oops"), '"events" is not a JSON list'),
    ("event not an object", with_(events=["responded"]), "event 1 must be an object"),
    ("record not an object (a bad JSON line)", "{not json", "must be a JSON object"),
    ("record is null", None, "must be a JSON object"),
]


@pytest.fixture(scope="module")
def policy(compiled):
    return compiled("contracts")


@pytest.mark.parametrize("record, message", [(r, m) for _, r, m in MALFORMED], ids=[c for c, _, _ in MALFORMED])
def test_malformed_record_yields_a_problem_in_place(policy, record, message):
    results = policy.evaluate_tickets([good("A"), record, good("B")], now=NOW)
    assert len(results) == 3
    first, bad, last = results
    assert (first.id, first.problem, last.id, last.problem) == ("A", None, "B", None)
    assert first.metrics["response"].state == last.metrics["response"].state == "breached"
    assert bad.problem is not None and message in bad.problem, bad.problem
    assert bad.id == ("BAD" if isinstance(record, dict) and "id" in record else "#2")
    assert bad.metrics == {} and bad.escalations == []


@pytest.mark.parametrize("record, message", [(r, m) for _, r, m in MALFORMED], ids=[c for c, _, _ in MALFORMED])
def test_malformed_record_raises_under_strict(policy, record, message):
    with pytest.raises(slalang.RecordError, match="ticket 2") as info:
        policy.evaluate_tickets([good("A"), record, good("B")], now=NOW, strict=True)
    assert message in str(info.value)


def test_problems_keep_input_order_among_many(policy):
    records = [good("A"), with_(severity="P9", id="X1"), good("B"), with_(opened="bad", id="X2"), good("C")]
    results = policy.evaluate_tickets(records, now=NOW)
    assert [r.id for r in results] == ["A", "X1", "B", "X2", "C"]
    assert [r.problem is None for r in results] == [True, False, True, False, True]


def test_problem_result_serialises_without_metrics(policy):
    [bad] = policy.evaluate_tickets([with_(severity="P9")], now=NOW)
    out = bad.to_json()
    assert out["id"] == "BAD" and "unknown severity" in out["problem"] and "metrics" not in out


def test_ticket_outside_the_horizon_is_a_problem_not_a_crash(policy):
    # The contracts policy's horizon is 2024..2026; a ticket naming tier `a` directly needs no contract.
    outside = {"id": "OLD", "severity": "P1", "opened": "2019-06-01T09:00:00Z", "tier": "a"}
    results = policy.evaluate_tickets([good("A"), outside, good("B")], now=NOW)
    assert [r.id for r in results] == ["A", "OLD", "B"]
    assert "horizon" in results[1].problem and results[0].problem is None and results[2].problem is None
    with pytest.raises(slalang.RecordError):
        policy.evaluate_tickets([outside], now=NOW, strict=True)


def test_single_ticket_outside_the_horizon_raises_an_instant_error(policy):
    outside = {"id": "OLD", "severity": "P1", "opened": "2019-06-01T09:00:00Z"}
    with pytest.raises(slalang.InstantError, match="horizon"):
        policy.tier("a").evaluate_ticket(outside, now=NOW)


def test_naive_now_is_refused(policy):
    with pytest.raises(slalang.InstantError, match="no offset"):
        policy.tier("a").evaluate_ticket(good("A"), now="2025-04-02T12:00:00")


def test_aware_datetimes_are_accepted_like_iso_strings(policy):
    from datetime import datetime, timedelta, timezone

    plus2 = timezone(timedelta(hours=2))
    as_dt = {**good("A"), "opened": datetime(2025, 3, 3, 11, 0, tzinfo=plus2)}
    [a] = policy.evaluate_tickets([as_dt], now=datetime(2025, 3, 3, 11, 20, tzinfo=plus2))
    [b] = policy.evaluate_tickets([good("A")], now="2025-03-03T09:20:00Z")
    assert a.to_json() == b.to_json()


# -- reading JSON Lines and CSV ----------------------------------------------------------------------

def test_jsonl_reader_reports_bad_lines_with_their_physical_line_number():
    text = "\n".join([
        json.dumps(good("A")),
        "",                                   # blank lines and comments are skipped but counted
        "# a comment",
        '{"id": "B", "severity": ',           # line 4: truncated
        json.dumps(good("C")),
    ]) + "\n"
    rows = list(read_records(io.StringIO(text), format="jsonl", source="t.jsonl"))
    assert [(line, (rec or {}).get("id"), problem is not None) for line, rec, problem in rows] == [
        (1, "A", False), (4, None, True), (5, "C", False)]
    assert str(rows[1][2]).startswith("t.jsonl:4: not valid JSON")


def test_csv_reader_keeps_events_as_a_json_cell_and_line_numbers():
    events = json.dumps([{"at": "2025-03-03T09:20:00Z", "type": "responded"}])
    text = "id,severity,opened,customer,service,events\n" \
           f'A,P1,2025-03-03T09:00:00Z,acme,api,"{events.replace(chr(34), chr(34) * 2)}"\n' \
           "B,P1,2025-03-03T09:00:00Z,acme,api,\n"
    rows = list(read_records(io.StringIO(text), format="csv"))
    assert [(line, rec["id"]) for line, rec, _ in rows] == [(2, "A"), (3, "B")]
    assert json.loads(rows[0][1]["events"]) == json.loads(events)


@pytest.fixture(scope="module")
def office_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("office_cli")
    (d / "policy.sla").write_text(OFFICE)
    return d


def _csv_cell(value) -> str:
    return '"' + json.dumps(value).replace('"', '""') + '"'


def test_csv_input_through_the_cli(office_dir, tmp_path):
    # Expected by hand (office window Mon-Fri 09:00-17:00 UTC, tier keep, P2 response 4h):
    #  C1: opened Mon 09:00, pending 10:00-11:30 → elapsed 1h30m at 12:00, due 14:30.
    #  C2: P1 opened Fri 16:30, responded Mon 09:10 → met after 40m; resolution (8h always)
    #      is breached, due Sat 00:30.
    c1 = [{"at": "2025-03-03T10:00:00Z", "status": "pending_customer"},
          {"at": "2025-03-03T11:30:00Z", "status": "open"}]
    c2 = [{"at": "2025-03-10T09:10:00Z", "type": "responded"}]
    lines = ["id,severity,opened,tier,customer,service,events",
             f"C1,P2,2025-03-03T09:00:00Z,keep,,,{_csv_cell(c1)}",
             "C3,P9,2025-03-03T09:00:00Z,keep,,,",            # line 3: unknown severity
             f"C2,P1,2025-03-07T16:30:00Z,keep,,,{_csv_cell(c2)}"]
    path = tmp_path / "tickets.csv"
    path.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(app, ["eval", str(path), "--policy", str(office_dir), "--format", "json",
                                      "--now", "2025-03-10T12:00:00Z"])
    assert result.exit_code == 0, result.output
    assert f"{path}:3: unknown severity \"P9\" (skipped)" in result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in out] == ["C1", "C3", "C2"]   # the skipped record too, with its problem
    assert out[1]["problem"] == "unknown severity \"P9\"" and "metrics" not in out[1]
    out = [out[0], out[2]]
    c1_resp = out[0]["metrics"]["response"]
    # C1 has no response by Monday 10th 12:00: 4h goal reached Mon 3rd 14:30 → breached.
    assert (c1_resp["state"], c1_resp["deadline"], c1_resp["elapsed"]) == (
        "breached", "2025-03-03T14:30:00Z", int((1 + 5.5 + 8 * 4 + 3) * 3600))
    c2_resp, c2_res = out[1]["metrics"]["response"], out[1]["metrics"]["resolution"]
    assert (c2_resp["state"], c2_resp["elapsed"]) == ("met", 40 * 60)
    assert (c2_res["state"], c2_res["deadline"]) == ("breached", "2025-03-08T00:30:00Z")


def test_csv_input_strict_exits_2_on_the_bad_row(office_dir, tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text("id,severity,opened,tier\nA,P1,2025-03-03T09:00:00Z,keep\nB,P1,2025-03-03T09:00:00,keep\n")
    result = CliRunner().invoke(app, ["eval", str(path), "--policy", str(office_dir), "--format", "json",
                                      "--now", "2025-03-03T12:00:00Z", "--strict"])
    assert result.exit_code == 2
    assert f"{path}:3:" in result.stderr and "no offset" in result.stderr
