"""Ticket clocks (SPEC §4) as tables of input → expected, every expected value worked out by hand
from the spec and the decisions in docs/language.md, never copied from the evaluator's output.

Every row runs three ways: through the oracle (tests/oracle, the deliberately simple reference
engine), through `evaluate_ticket` under terms found by hand, and through `evaluate_tickets`.

Policies are in tests/tickets/ticket_kit.py. In `office` (UTC), the window is Monday–Friday
09:00–17:00; 2025-03-03 is a Monday, 03-07 a Friday, 03-10 the next Monday. Tier `keep`:
response P1 1h (internal 30m), P2 4h, P3 8h, P4 none; resolution P1 8h during always, P2 16h,
P3 40h, P4 80h; update P1 every 2h, P2 every 4h, P3/P4 none; pauses on pending_customer and
awaiting_third_party. Chain: 50% → lead, breach → boss, breach + 1h → cto, then every 30m up to
2 more times to cto.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

import pytest

import oracle
from ticket_kit import D, Z, ev, sev, status, ticket


@dataclass
class Row:
    id: str
    ticket: dict
    now: str
    metric: str
    expect: dict[str, Any]
    policy: str = "office"


def _dt(value: Optional[str]) -> Optional[datetime]:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


CLOCK_ROWS = [
    # -- the target's window ----------------------------------------------------------------------
    Row("window: response counts only office hours across a weekend",
        ticket("P1", "03-07T16:30"), Z("03-10T09:10"), "response",
        # 30m on Friday + 10m on Monday; the goal is reached 20 open minutes later.
        dict(elapsed=D("40m"), remaining=D("20m"), deadline=Z("03-10T09:30"), state="running")),
    Row("window: internal goal reached exactly at Friday's close is due then, not on Monday",
        ticket("P1", "03-07T16:30"), Z("03-10T09:10"), "response",
        dict(internal_deadline=Z("03-07T17:00"), internal_state="breached")),
    Row("window: `during always` counts every hour",
        ticket("P1", "03-07T16:30"), Z("03-10T09:10"), "resolution",
        # Fri 16:30 → Mon 09:10 is 64h40m of wall-clock time.
        dict(elapsed=D("64h40m"), remaining=D("-56h40m"), deadline=Z("03-08T00:30"), state="breached")),
    Row("window: opened on a Saturday starts counting on Monday",
        ticket("P2", "03-08T12:00"), Z("03-10T10:00"), "response",
        dict(elapsed=D("1h"), remaining=D("3h"), deadline=Z("03-10T13:00"), state="running")),
    Row("window: the always tier counts the weekend",
        ticket("P2", "03-08T12:00", tier="keep24"), Z("03-08T13:00"), "response",
        dict(elapsed=D("1h"), remaining=D("3h"), deadline=Z("03-08T16:00"), state="running")),

    # -- pauses ----------------------------------------------------------------------------------
    Row("pause: paused clock has no deadline and keeps its elapsed time",
        ticket("P2", "03-03T09:00", status("03-03T10:00", "pending_customer")), Z("03-03T12:00"), "response",
        dict(elapsed=D("1h"), remaining=D("3h"), deadline=None, state="paused")),
    Row("pause: resuming pushes the deadline by the paused time",
        ticket("P2", "03-03T09:00", status("03-03T10:00", "pending_customer"), status("03-03T11:30", "open")),
        Z("03-03T12:00"), "response",
        dict(elapsed=D("1h30m"), remaining=D("2h30m"), deadline=Z("03-03T14:30"), state="running")),
    Row("pause: every listed status pauses",
        ticket("P2", "03-03T09:00", status("03-03T10:00", "awaiting_third_party")), Z("03-03T12:00"), "response",
        dict(elapsed=D("1h"), deadline=None, state="paused")),
    Row("pause: a status the tier does not list does not pause",
        ticket("P2", "03-03T09:00", status("03-03T10:00", "in_progress")), Z("03-03T12:00"), "response",
        dict(elapsed=D("3h"), deadline=Z("03-03T13:00"), state="running")),
    Row("pause: a paused clock past its goal is breached and keeps its past deadline",
        ticket("P1", "03-03T09:00", status("03-03T10:30", "pending_customer")), Z("03-03T12:00"), "response",
        dict(elapsed=D("1h30m"), remaining=D("-30m"), deadline=Z("03-03T10:00"), state="breached")),
    Row("pause: a pause also stops a `during always` clock",
        ticket("P1", "03-03T09:00", status("03-03T10:00", "pending_customer"), status("03-03T20:00", "open")),
        Z("03-03T21:00"), "resolution",
        dict(elapsed=D("2h"), remaining=D("6h"), deadline=Z("03-04T03:00"), state="running")),

    # -- severity change, keep elapsed -----------------------------------------------------------
    Row("keep elapsed: downgrade keeps the elapsed time under the longer goal",
        ticket("P1", "03-03T09:00", sev("03-03T09:45", "P2")), Z("03-03T10:00"), "response",
        dict(severity="P2", goal=D("4h"), elapsed=D("1h"), remaining=D("3h"), deadline=Z("03-03T13:00"),
             state="running", internal_deadline=None, internal_state=None)),
    Row("keep elapsed: upgrade to a goal already exceeded is breached at once",
        ticket("P2", "03-03T09:00", sev("03-03T10:30", "P1")), Z("03-03T10:30"), "response",
        dict(severity="P1", goal=D("1h"), elapsed=D("1h30m"), remaining=D("-30m"), deadline=Z("03-03T10:00"),
             state="breached", internal_deadline=Z("03-03T09:30"), internal_state="breached")),
    Row("keep elapsed: upgrade not yet exceeded runs to the new, earlier deadline",
        ticket("P2", "03-03T09:00", sev("03-03T09:20", "P1")), Z("03-03T09:30"), "response",
        # internal 30m reached exactly now: running, not breached
        dict(elapsed=D("30m"), remaining=D("30m"), deadline=Z("03-03T10:00"), state="running",
             internal_deadline=Z("03-03T09:30"), internal_state="running")),
    Row("keep elapsed: elapsed time before the change counts in the old window",
        ticket("P2", "03-03T09:00", sev("03-03T11:00", "P1")), Z("03-03T18:00"), "resolution",
        # 2h of office time under P2, then 7h of always time under P1: 9h > 8h, reached at 17:00
        dict(elapsed=D("9h"), remaining=D("-1h"), deadline=Z("03-03T17:00"), state="breached")),

    # -- severity change, restart ----------------------------------------------------------------
    Row("restart: the new severity's goal counts from the change",
        ticket("P2", "03-03T09:00", sev("03-03T10:30", "P1"), tier="restart"), Z("03-03T10:45"), "response",
        dict(elapsed=D("15m"), remaining=D("45m"), deadline=Z("03-03T11:30"), state="running",
             internal_deadline=Z("03-03T11:00"), internal_state="running", started=Z("03-03T10:30"))),
    Row("restart: resolution restarts in the new target's window",
        ticket("P2", "03-03T09:00", sev("03-03T11:00", "P1"), tier="restart"), Z("03-03T12:00"), "resolution",
        dict(elapsed=D("1h"), remaining=D("7h"), deadline=Z("03-03T19:00"), state="running")),

    # -- a severity with no target ---------------------------------------------------------------
    Row("no target: a severity without a response target cancels the metric",
        ticket("P2", "03-03T09:00", sev("03-03T10:00", "P4")), Z("03-03T11:00"), "response",
        dict(absent=True)),
    Row("no target: the clock stays idle and resumes, keeping elapsed, when a target returns",
        ticket("P2", "03-03T09:00", sev("03-03T10:00", "P4"), sev("03-03T12:00", "P2")), Z("03-03T13:00"),
        "response", dict(elapsed=D("2h"), remaining=D("2h"), deadline=Z("03-03T15:00"), state="running")),
    Row("no target: a ticket opened without a target starts counting at the upgrade",
        ticket("P4", "03-03T09:00", sev("03-03T11:00", "P1")), Z("03-03T11:15"), "response",
        dict(elapsed=D("15m"), remaining=D("45m"), deadline=Z("03-03T12:00"), state="running")),
    Row("no target: update has no P4 target, so the metric is absent while P4",
        ticket("P1", "03-03T09:00", sev("03-03T10:00", "P4")), Z("03-03T12:00"), "update",
        dict(absent=True)),

    # -- resolution and reopen -------------------------------------------------------------------
    Row("reopen: resolution resumes keeping the elapsed time",
        ticket("P2", "03-03T09:00", ev("03-03T11:00", "resolved"), ev("03-04T09:00", "reopened")),
        Z("03-04T10:00"), "resolution",
        # 2h + 1h elapsed; 13h to go: 7h on Tuesday, 6h on Wednesday
        dict(elapsed=D("3h"), remaining=D("13h"), deadline=Z("03-05T15:00"), state="running", stopped=None)),
    Row("reopen: while resolved the clock is met; its deadline counts on from the stop",
        ticket("P2", "03-03T09:00", ev("03-03T11:00", "resolved")), Z("03-03T12:00"), "resolution",
        # 14h to go from Monday 11:00: 6h Monday, 8h Tuesday
        dict(elapsed=D("2h"), remaining=D("14h"), deadline=Z("03-04T17:00"), state="met", stopped=Z("03-03T11:00"))),
    Row("reopen: a second resolve stops it again with both stretches counted",
        ticket("P2", "03-03T09:00", ev("03-03T11:00", "resolved"), ev("03-04T09:00", "reopened"),
               ev("03-04T10:00", "resolved")), Z("03-05T12:00"), "resolution",
        # 2h + 1h; 13h short of the goal, counted from Tuesday 10:00: 7h Tuesday, 6h Wednesday
        dict(elapsed=D("3h"), remaining=D("13h"), deadline=Z("03-05T15:00"), state="met", stopped=Z("03-04T10:00"))),
    Row("resolved: response stops at resolved and stays stopped after a reopen",
        ticket("P2", "03-03T09:00", ev("03-03T09:30", "resolved"), ev("03-03T10:00", "reopened")),
        Z("03-03T15:00"), "response",
        dict(elapsed=D("30m"), remaining=D("3h30m"), deadline=Z("03-03T13:00"), state="met")),
    Row("resolved: resolving after the response goal misses the response",
        ticket("P1", "03-03T09:00", ev("03-03T10:30", "resolved")), Z("03-03T12:00"), "response",
        dict(elapsed=D("1h30m"), remaining=D("-30m"), deadline=Z("03-03T10:00"), state="missed")),
    Row("resolved: resolution missed when resolved past its goal",
        ticket("P1", "03-03T09:00", ev("03-03T18:00", "resolved")), Z("03-04T12:00"), "resolution",
        dict(elapsed=D("9h"), remaining=D("-1h"), deadline=Z("03-03T17:00"), state="missed")),

    # -- update cycles ---------------------------------------------------------------------------
    Row("update: no cycle overran, so the current cycle is shown",
        ticket("P1", "03-03T09:00", ev("03-03T10:00", "responded"), ev("03-03T11:30", "updated")),
        Z("03-03T12:00"), "update",
        dict(elapsed=D("30m"), remaining=D("1h30m"), deadline=Z("03-03T13:30"), state="running",
             started=Z("03-03T11:30"), cycles=3)),
    Row("update: the worst overrun cycle decides",
        ticket("P1", "03-03T09:00", ev("03-03T11:30", "updated"), ev("03-03T12:00", "updated"),
               ev("03-03T15:00", "updated")), Z("03-03T15:30"), "update",
        # cycles: 2h30m (over by 30m), 30m, 3h (over by 1h), 30m running
        dict(elapsed=D("3h"), remaining=D("-1h"), deadline=Z("03-03T14:00"), state="missed",
             started=Z("03-03T12:00"), cycles=4)),
    Row("update: an overrun cycle is shown even when the current cycle is fine",
        ticket("P1", "03-03T09:00", ev("03-03T11:30", "updated")), Z("03-03T12:00"), "update",
        dict(elapsed=D("2h30m"), remaining=D("-30m"), deadline=Z("03-03T11:00"), state="missed", cycles=2)),
    Row("update: the current cycle overrunning is breached",
        ticket("P1", "03-03T09:00", ev("03-03T10:00", "updated")), Z("03-03T12:30"), "update",
        dict(elapsed=D("2h30m"), deadline=Z("03-03T12:00"), state="breached", cycles=2)),
    Row("update: a new cycle starts at reopened",
        ticket("P1", "03-03T09:00", ev("03-03T09:30", "responded"), ev("03-03T10:00", "resolved"),
               ev("03-03T14:00", "reopened")), Z("03-03T15:00"), "update",
        dict(elapsed=D("1h"), remaining=D("1h"), deadline=Z("03-03T16:00"), state="running",
             started=Z("03-03T14:00"), cycles=3)),
    Row("update: resolved stops the cycle",
        ticket("P1", "03-03T09:00", ev("03-03T12:00", "resolved")), Z("03-03T13:00"), "update",
        dict(elapsed=D("3h"), remaining=D("-1h"), deadline=Z("03-03T11:00"), state="missed", cycles=1)),
    Row("update: cycles count office hours",
        ticket("P1", "03-07T16:00", ev("03-07T16:30", "updated")), Z("03-10T10:00"), "update",
        # second cycle: 30m Friday + 1h Monday
        dict(elapsed=D("1h30m"), remaining=D("30m"), deadline=Z("03-10T10:30"), state="running", cycles=2)),

    # -- states at exact boundaries --------------------------------------------------------------
    Row("boundary: a running clock at exactly its goal is running",
        ticket("P1", "03-03T09:00"), Z("03-03T10:00"), "response",
        dict(elapsed=D("1h"), remaining=D("0s"), deadline=Z("03-03T10:00"), state="running")),
    Row("boundary: one second past the goal is breached",
        ticket("P1", "03-03T09:00"), Z("03-03T10:00:01"), "response",
        dict(elapsed=D("1h1s"), remaining=D("-1s"), deadline=Z("03-03T10:00"), state="breached")),
    Row("boundary: stopped at exactly the goal is met",
        ticket("P1", "03-03T09:00", ev("03-03T10:00", "responded")), Z("03-03T11:00"), "response",
        dict(elapsed=D("1h"), remaining=D("0s"), deadline=Z("03-03T10:00"), state="met")),
    Row("boundary: stopped one second past the goal is missed",
        ticket("P1", "03-03T09:00", ev("03-03T10:00:01", "responded")), Z("03-03T11:00"), "response",
        dict(elapsed=D("1h1s"), remaining=D("-1s"), deadline=Z("03-03T10:00"), state="missed")),
    Row("boundary: paused exactly at the goal is paused, and keeps the instant the goal was reached",
        ticket("P3", "03-03T09:00", status("03-03T17:00", "pending_customer")), Z("03-04T12:00"), "response",
        dict(elapsed=D("8h"), remaining=D("0s"), deadline=Z("03-03T17:00"), state="paused")),
    Row("boundary: a stopped clock's deadline is where it would have been due, counted from the stop",
        ticket("P1", "03-03T16:30", ev("03-03T16:50", "responded")), Z("03-04T12:00"), "response",
        dict(elapsed=D("20m"), remaining=D("40m"), deadline=Z("03-04T09:30"), state="met")),
    Row("boundary: an event at exactly `now` counts",
        ticket("P1", "03-03T09:00", ev("03-03T09:40", "responded")), Z("03-03T09:40"), "response",
        dict(elapsed=D("40m"), state="met", stopped=Z("03-03T09:40"))),
    Row("boundary: an event after `now` is not yet known",
        ticket("P1", "03-03T09:00", ev("03-03T09:40", "responded")), Z("03-03T09:39"), "response",
        dict(elapsed=D("39m"), state="running", stopped=None, deadline=Z("03-03T10:00"))),

    # -- the internal goal -----------------------------------------------------------------------
    Row("internal: own deadline and state while the published goal still runs",
        ticket("P1", "03-03T09:00"), Z("03-03T09:45"), "response",
        dict(deadline=Z("03-03T10:00"), state="running", internal_deadline=Z("03-03T09:30"),
             internal_state="breached", internal_goal=D("30m"))),
    Row("internal: met inside the internal goal",
        ticket("P1", "03-03T09:00", ev("03-03T09:20", "responded")), Z("03-03T12:00"), "response",
        dict(state="met", internal_state="met", internal_deadline=Z("03-03T09:30"))),
    Row("internal: internal missed while the published goal is met",
        ticket("P1", "03-03T09:00", ev("03-03T09:45", "responded")), Z("03-03T12:00"), "response",
        dict(state="met", internal_state="missed", internal_deadline=Z("03-03T09:30"))),
    Row("internal: paused has no internal deadline either",
        ticket("P1", "03-03T09:00", status("03-03T09:10", "pending_customer")), Z("03-03T09:50"), "response",
        dict(state="paused", deadline=None, internal_state="paused", internal_deadline=None)),

    # -- terms pinned at the opened instant ------------------------------------------------------
    Row("terms: opened on the last second of contract A keeps A's terms (with its override) after B starts",
        ticket("P1", "03-31T22:59:59", tier=None, customer="acme", service="api"), Z("04-02T12:00"), "response",
        dict(goal=D("45m"), deadline=Z("03-31T23:44:59"), state="breached"), policy="contracts"),
    Row("terms: contract days are local: 2025-04-01 starts at 23:00Z under British Summer Time",
        ticket("P1", "03-31T23:00", tier=None, customer="acme", service="api"), Z("04-01T00:00"), "response",
        dict(goal=D("2h"), deadline=Z("04-01T01:00"), state="running"), policy="contracts"),
    Row("terms: the first day of a contract is inclusive from local midnight",
        ticket("P1", "01-01T00:00", tier=None, customer="acme", service="api"), Z("01-01T00:10"), "response",
        dict(goal=D("45m"), deadline=Z("01-01T00:45")), policy="contracts"),
    Row("terms: a ticket naming its tier directly",
        ticket("P1", "03-31T22:59:59", tier="b"), Z("04-01T00:00"), "response",
        dict(goal=D("2h"), deadline=Z("04-01T00:59:59")), policy="contracts"),
    Row("window: a local window across the start of summer time",
        ticket("P1", "03-28T16:30", tier="london"), Z("03-31T08:10"), "response",
        # 30m on Friday (GMT); Monday opens 09:00 BST = 08:00Z
        dict(elapsed=D("40m"), deadline=Z("03-31T08:30"), state="running"), policy="contracts"),
]


def _evaluate(compiled, row, path: str = "batch"):
    """One ticket through the oracle (read back as objects), through `Policy.evaluate_tickets`
    (batch), or through the terms it is pinned to, found by hand (`Policy.tier`, or `Policy.terms`
    at the opened instant) and `evaluate_ticket` (single)."""
    policy = compiled(row.policy)
    if path == "oracle":
        return oracle.as_result(oracle.evaluate(policy, row.ticket, row.now))
    if path == "single":
        t = row.ticket
        terms = policy.tier(t["tier"]) if t.get("tier") else policy.terms(t["customer"], t["service"], at=t["opened"])
        return terms.evaluate_ticket(t, now=row.now)
    [result] = policy.evaluate_tickets([row.ticket], now=row.now)
    assert result.problem is None, result.problem
    return result


def _one(compiled, ticket_dict: dict, now: str, path: str):
    return _evaluate(compiled, Row("", ticket_dict, now, "", {}), path)


PATHS = pytest.mark.parametrize("path", ["oracle", "single", "batch"])


@PATHS
@pytest.mark.parametrize("row", CLOCK_ROWS, ids=[r.id for r in CLOCK_ROWS])
def test_clock(compiled, row: Row, path: str):
    result = _evaluate(compiled, row, path)
    expect = dict(row.expect)
    if expect.pop("absent", False):
        assert row.metric not in result.metrics
        return
    metric = result.metrics[row.metric]
    got, want = {}, {}
    for key, value in expect.items():
        if key == "cycles":
            got[key] = len(metric.cycles)
        elif key in ("deadline", "internal_deadline", "started", "stopped"):
            got[key], value = getattr(metric, key), _dt(value)
        else:
            got[key] = getattr(metric, key)
        want[key] = value
    assert got == want


# -- escalations ------------------------------------------------------------------------------------

@dataclass
class EscRow:
    id: str
    ticket: dict
    now: str
    metric: str
    # (step, repeat, due, fired) for that metric (and cycle), in any order: every step that has
    # fired and, on a running clock, the next step due (SPEC §18: the lists are bounded)
    expect: list[tuple[int, int, Optional[str], bool]] = field(default_factory=list)
    cycle: int = 0
    policy: str = "office"


ESC_ROWS = [
    EscRow("every step and repeat on a plain running clock",
           ticket("P1", "03-03T09:00"), Z("03-03T11:45"), "response",
           [(1, 0, Z("03-03T09:30"), True), (2, 0, Z("03-03T10:00"), True), (3, 0, Z("03-03T11:00"), True),
            (3, 1, Z("03-03T11:30"), True), (3, 2, Z("03-03T12:00"), False)]),
    EscRow("steps respect the window: breach and later steps move to Monday",
           ticket("P1", "03-07T16:30"), Z("03-10T09:00"), "response",
           [(1, 0, Z("03-07T17:00"), True), (2, 0, Z("03-10T09:30"), False)]),
    EscRow("repeats count open time of the window",
           ticket("P1", "03-03T16:00"), Z("03-04T10:40"), "response",
           [(1, 0, Z("03-03T16:30"), True), (2, 0, Z("03-03T17:00"), True), (3, 0, Z("03-04T10:00"), True),
            (3, 1, Z("03-04T10:30"), True), (3, 2, Z("03-04T11:00"), False)]),
    EscRow("steps respect pauses",
           ticket("P2", "03-03T09:00", status("03-03T10:00", "pending_customer"), status("03-03T11:00", "open")),
           Z("03-03T16:30"), "response",
           [(1, 0, Z("03-03T12:00"), True), (2, 0, Z("03-03T14:00"), True), (3, 0, Z("03-03T15:00"), True),
            (3, 1, Z("03-03T15:30"), True), (3, 2, Z("03-03T16:00"), True)]),
    EscRow("while paused, steps not yet reached have no due instant",
           ticket("P2", "03-03T09:00", status("03-03T10:00", "pending_customer")), Z("03-03T12:00"), "response",
           [(1, 0, None, False)]),
    EscRow("a stopped clock lists only the steps due before it stopped",
           ticket("P1", "03-03T09:00", ev("03-03T09:40", "responded")), Z("03-03T12:00"), "response",
           [(1, 0, Z("03-03T09:30"), True)]),
    EscRow("upgrade shortening the goal: steps already due fire at the change, once",
           ticket("P2", "03-03T09:00", sev("03-03T10:30", "P1")), Z("03-03T12:30"), "response",
           # P1: 50% = 30m (passed 09:30), breach 1h (passed 10:00) → both at the change, 10:30;
           # breach + 1h = 2h of elapsed → 11:00; repeats at 2h30m and 3h.
           [(1, 0, Z("03-03T10:30"), True), (2, 0, Z("03-03T10:30"), True), (3, 0, Z("03-03T11:00"), True),
            (3, 1, Z("03-03T11:30"), True), (3, 2, Z("03-03T12:00"), True)]),
    EscRow("upgrade after a step fired under the old goal: that step does not fire again",
           ticket("P2", "03-03T09:00", sev("03-03T11:30", "P1")), Z("03-03T12:30"), "response",
           # 50% of P2's 4h fired at 11:00. At the change elapsed is 2h30m: breach (1h), breach + 1h
           # (2h) and the first repeat (2h30m) are all due at the change; the second repeat at 3h.
           [(1, 0, Z("03-03T11:00"), True), (2, 0, Z("03-03T11:30"), True), (3, 0, Z("03-03T11:30"), True),
            (3, 1, Z("03-03T11:30"), True), (3, 2, Z("03-03T12:00"), True)]),
    EscRow("restart: a new clock, so steps fire again under the new goal",
           ticket("P2", "03-03T09:00", sev("03-03T11:30", "P1"), tier="restart"), Z("03-03T12:15"), "response",
           [(1, 0, Z("03-03T11:00"), True),    # fired on the first clock
            (1, 0, Z("03-03T12:00"), True), (2, 0, Z("03-03T12:30"), False)]),
    EscRow("update: each cycle has its own steps (cycle 1)",
           ticket("P1", "03-03T09:00", ev("03-03T10:30", "updated")), Z("03-03T12:00"), "update",
           [(1, 0, Z("03-03T10:00"), True)], cycle=1),
    EscRow("update: each cycle has its own steps (cycle 2)",
           ticket("P1", "03-03T09:00", ev("03-03T10:30", "updated")), Z("03-03T12:00"), "update",
           [(1, 0, Z("03-03T11:30"), True), (2, 0, Z("03-03T12:30"), False)], cycle=2),
]

def _esc_params() -> list:
    for row in ESC_ROWS:
        yield pytest.param(row, id=row.id)


@PATHS
@pytest.mark.parametrize("row", list(_esc_params()))
def test_escalation(compiled, row: EscRow, path: str):
    result = _evaluate(compiled, row, path)
    got = sorted(((e.step, e.repeat, e.due, e.fired) for e in result.escalations
                  if e.metric == row.metric and e.cycle == row.cycle),
                 key=lambda x: (x[0], x[1], x[2] is None, x[2]))
    want = sorted(((s, k, _dt(due), fired) for s, k, due, fired in row.expect),
                  key=lambda x: (x[0], x[1], x[2] is None, x[2]))
    assert got == want


@PATHS
def test_escalation_steps_name_recipients_and_channels(compiled, path):
    result = _one(compiled, ticket("P1", "03-03T09:00"), Z("03-03T12:30"), path)
    by_step = {(e.step, e.repeat): (e.notify, e.channels) for e in result.escalations if e.metric == "response"}
    assert by_step == {(1, 0): (["lead"], ["email"]), (2, 0): (["boss"], ["pager"]), (3, 0): (["cto"], ["phone"]),
                       (3, 1): (["cto"], ["phone"]), (3, 2): (["cto"], ["phone"])}


@PATHS
def test_restart_steps_fire_again_on_the_new_clock(compiled, path):
    """The part of the restart row that holds today: the new clock's steps are computed afresh."""
    row = ticket("P2", "03-03T09:00", sev("03-03T11:30", "P1"), tier="restart")
    result = _one(compiled, row, Z("03-03T12:15"), path)
    new = [(e.step, e.repeat, e.due, e.fired) for e in result.escalations if e.metric == "response"
           and e.due is not None and e.due >= _dt(Z("03-03T11:30"))]
    assert (1, 0, _dt(Z("03-03T12:00")), True) in new
    assert (2, 0, _dt(Z("03-03T12:30")), False) in new


# -- bugs found while writing these tables (fixed; kept as regression tests) ------------------------------------------------------------

@PATHS
def test_update_absent_after_downgrade_to_a_severity_without_update_target(compiled, path):
    row = ticket("P1", "03-03T09:00", ev("03-03T09:30", "updated"), sev("03-03T10:00", "P4"))
    result = _one(compiled, row, Z("03-03T12:00"), path)
    assert "update" not in result.metrics


@PATHS
def test_severity_change_after_resolved_keeps_the_verdict_keep_elapsed(compiled, path):
    # P2 resolution 16h office: resolved after 10 office hours (Mon 8h + Tue 2h) → met. An upgrade
    # to P1 (8h) afterwards must not change that, as it does not change the stopped response clock.
    row = ticket("P2", "03-03T09:00", ev("03-04T11:00", "resolved"), sev("03-04T12:00", "P1"))
    result = _one(compiled, row, Z("03-04T14:00"), path)
    m = result.metrics["resolution"]
    assert (m.state, m.elapsed, m.goal, m.stopped) == ("met", D("10h"), D("16h"), _dt(Z("03-04T11:00")))


@PATHS
def test_severity_change_after_resolved_keeps_the_verdict_restart(compiled, path):
    # P1 resolution 8h always: resolved after 9h → missed; a later downgrade must not rewrite it.
    row = ticket("P1", "03-03T09:00", ev("03-03T18:00", "resolved"), sev("03-03T19:00", "P2"), tier="restart")
    result = _one(compiled, row, Z("03-03T20:00"), path)
    m = result.metrics["resolution"]
    assert m.state == "missed" and m.elapsed == D("9h")
    assert m.started <= m.stopped


@PATHS
def test_update_cycle_after_reopen_takes_the_severity_in_force(compiled, path):
    # P2 (update every 4h) resolved at 10:00, raised to P1 (every 2h) at 11:00 while resolved,
    # reopened at 12:00: the new cycle is a P1 cycle, due two office hours later, 14:00.
    row = ticket("P2", "03-03T09:00", ev("03-03T10:00", "resolved"), sev("03-03T11:00", "P1"),
                 ev("03-03T12:00", "reopened"))
    result = _one(compiled, row, Z("03-03T12:30"), path)
    m = result.metrics["update"]
    assert (m.severity, m.goal, m.deadline, m.state) == ("P1", D("2h"), _dt(Z("03-03T14:00")), "running")


@PATHS
def test_threshold_reached_at_the_instant_of_a_downgrade_uses_the_new_goal(compiled, path):
    # keep24 (always): P1 response 1h, 50% = 30m, reached at 00:30, exactly when the ticket becomes
    # P2 (4h). From 00:30 on the goal is 4h, so 50% is 2h of elapsed: 02:00. Breach 04:00.
    row = ticket("P1", "03-03T00:00", sev("03-03T00:30", "P2"), tier="keep24")
    result = _one(compiled, row, Z("03-03T00:45"), path)
    steps = sorted((e.step, e.repeat, e.due, e.fired) for e in result.escalations if e.metric == "response")
    assert steps == [(1, 0, _dt(Z("03-03T02:00")), False)]   # the next step due, and only it (SPEC §18)


@PATHS
def test_restart_ignores_a_severity_event_that_changes_nothing(compiled, path):
    # P2 response 4h office, opened 09:00; an export repeats "severity P2" at 11:00.
    row = ticket("P2", "03-03T09:00", sev("03-03T11:00", "P2"), tier="restart")
    result = _one(compiled, row, Z("03-03T12:00"), path)
    m = result.metrics["response"]
    assert (m.elapsed, m.deadline) == (D("3h"), _dt(Z("03-03T13:00")))
