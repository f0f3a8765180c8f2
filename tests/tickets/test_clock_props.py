"""Properties of ticket clocks over random tickets (SPEC §4), on a business-hours window and on
`always`: what must hold whatever the events, not any one expected value."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from typing import Optional

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import oracle
import slalang

BASE = datetime(2025, 3, 3, tzinfo=timezone.utc)   # a Monday
KEEP = {"office": "keep", "always": "keep24"}
RESTART = {"office": "restart", "always": "restart24"}
STATUSES = ["pending_customer", "awaiting_third_party", "open", "in_progress"]
PAUSING = {"pending_customer", "awaiting_third_party"}

# SLALANG_PROP_EXAMPLES=2000 for a long hunt; the default keeps the suite quick.
EXAMPLES = int(os.environ.get("SLALANG_PROP_EXAMPLES", "120"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


event_kind = st.one_of(
    st.tuples(st.just("status"), st.sampled_from(STATUSES)),
    st.tuples(st.just("severity"), st.sampled_from(["P1", "P2", "P3", "P4"])),
    st.tuples(st.just("type"), st.sampled_from(["responded", "updated", "resolved", "reopened"])),
)


@st.composite
def tickets(draw, max_events: int = 10):
    """(opened, [(at, key, value)], severity) with events in time order; minute-aligned except for
    the odd second, so instants land on window edges as well as inside them."""
    opened = BASE + timedelta(minutes=draw(st.integers(0, 10 * 24 * 60)))
    at, events = opened, []
    for _ in range(draw(st.integers(0, max_events))):
        at = at + timedelta(minutes=draw(st.integers(0, 36 * 60)), seconds=draw(st.sampled_from([0, 0, 0, 1, 59])))
        key, value = draw(event_kind)
        events.append((at, key, value))
    return opened, events, draw(st.sampled_from(["P1", "P2", "P3", "P4"]))


def as_dict(opened: datetime, events, severity: str, tier: str, id: str = "T") -> dict:
    return {"id": id, "severity": severity, "opened": iso(opened), "tier": tier,
            "events": [{"at": iso(at), key: value} for at, key, value in events]}


def later_or_equal(a: Optional[datetime], b: Optional[datetime]) -> bool:
    """a ≥ b, where None (no deadline: paused) counts as later than any instant."""
    if a is None:
        return True
    return b is not None and a >= b


@pytest.fixture(scope="module")
def office(compiled):
    return compiled("office")


def _clocks(result, by: str = "start"):
    """(key, MetricResult) for response, resolution and every update cycle listed.

    Cycles are keyed by their start (and rank among cycles starting at the same instant), since a
    cycle cancelled by a severity without a target drops out of `.cycles` and shifts the positions;
    `by="position"` keys them by position, for comparing two tiers whose restarts move the starts."""
    for name in ("response", "resolution"):
        if name in result.metrics:
            yield name, result.metrics[name]
    if "update" in result.metrics:
        seen: dict = {}
        for i, cycle in enumerate(result.metrics["update"].cycles):
            rank = seen[cycle.started] = seen.get(cycle.started, -1) + 1
            yield ("update", i) if by == "position" else ("update", cycle.started, rank), cycle


def _steps(result):
    return {(e.metric, e.cycle, e.step, e.repeat): e for e in result.escalations}


now_offset = st.integers(0, 20 * 24 * 60)
windows = st.sampled_from(["office", "always"])
restart = st.booleans()


@SETTINGS
@given(t=tickets(), offset=now_offset, window=windows, restart=restart)
def test_elapsed_never_exceeds_wall_clock_time_and_states_follow_the_rules(office, t, offset, window, restart):
    opened, events, severity = t
    tier = (RESTART if restart else KEEP)[window]
    now = opened + timedelta(minutes=offset)
    result = office.tier(tier).evaluate_ticket(as_dict(opened, events, severity, tier), now=now)
    for key, m in _clocks(result):
        assert timedelta(0) <= m.elapsed <= now - opened, key
        assert m.remaining == m.goal - m.elapsed
        if m.stopped is not None:
            assert m.state == ("met" if m.elapsed <= m.goal else "missed"), key
        elif m.elapsed > m.goal:
            assert m.state == "breached" and m.deadline is not None and m.deadline <= now, key
        else:
            assert m.state in ("running", "paused"), key
        if m.state == "paused":
            # no deadline while paused, unless the goal was already reached (exactly): then it is that instant
            assert m.deadline is None if m.remaining > timedelta(0) else m.deadline <= now, key
        if m.state == "running" and m.remaining > timedelta(0):
            # the deadline is when elapsed reaches the goal if nothing pauses the clock again
            assert m.deadline == office.window(m.window).add(now, m.remaining), key
        if m.internal_goal is not None:
            if m.stopped is not None:
                assert m.internal_state == ("met" if m.elapsed <= m.internal_goal else "missed"), key
            elif m.elapsed > m.internal_goal:
                assert m.internal_state == "breached", key
            else:   # the internal goal is stricter, so the published clock is running or paused too
                assert m.internal_state == m.state, key
    # A step is listed once per clock; after a restart the new clock may list it again (the old
    # clock's notifications were sent and stay listed), so a notification is (step, due).
    keys = [(e.metric, e.cycle, e.step, e.repeat, e.due) for e in result.escalations]
    assert len(set(keys)) == len(keys), "a notification is listed twice"
    for e in result.escalations:
        assert e.fired == (e.due is not None and e.due <= now)


@st.composite
def ticket_with_pause(draw):
    """A ticket, and a pause [a, b) to insert where it is running and no status event falls."""
    opened, events, severity = draw(tickets())
    # candidate instants on the half minute never collide with an event instant
    a = opened + timedelta(minutes=draw(st.integers(0, 12 * 24 * 60)), seconds=30)
    b = a + timedelta(minutes=draw(st.integers(1, 3 * 24 * 60)))
    paused, status_inside = False, False
    for at, key, value in events:
        if key == "status":
            if at < a:
                paused = value in PAUSING
            elif at <= b:
                status_inside = True
    assume(not paused and not status_inside)
    extra = sorted(events + [(a, "status", "pending_customer"), (b, "status", "open")], key=lambda e: e[0])
    return opened, events, extra, severity, b


@SETTINGS
@given(case=ticket_with_pause(), offset=now_offset, window=windows, restart=restart)
def test_a_pause_never_brings_a_deadline_earlier(office, case, offset, window, restart):
    opened, events, extra, severity, b = case
    tier = (RESTART if restart else KEEP)[window]
    now = b + timedelta(minutes=offset)
    terms = office.tier(tier)
    plain = terms.evaluate_ticket(as_dict(opened, events, severity, tier), now=now)
    paused = terms.evaluate_ticket(as_dict(opened, extra, severity, tier), now=now)
    plain_clocks, paused_clocks = dict(_clocks(plain)), dict(_clocks(paused))
    assert plain_clocks.keys() == paused_clocks.keys()
    for key, m in paused_clocks.items():
        p = plain_clocks[key]
        assert m.elapsed <= p.elapsed, key
        assert later_or_equal(m.deadline, p.deadline), key
        if m.internal_goal is not None:
            assert later_or_equal(m.internal_deadline, p.internal_deadline), key
    if restart:
        # With restart, a pause can move a step across the restart instant, so the old clock's
        # notifications differ in number; steps are compared one for one only under keep elapsed.
        return
    plain_steps = _steps(plain)
    for key, step in _steps(paused).items():
        assert key in plain_steps, key
        assert later_or_equal(step.due, plain_steps[key].due), key


@SETTINGS
@given(t=tickets(), offset=now_offset, window=windows)
def test_restart_never_leaves_less_remaining_than_keep_elapsed(office, t, offset, window):
    opened, events, severity = t
    now = opened + timedelta(minutes=offset)
    keep = office.tier(KEEP[window]).evaluate_ticket(as_dict(opened, events, severity, KEEP[window]), now=now)
    rest = office.tier(RESTART[window]).evaluate_ticket(as_dict(opened, events, severity, RESTART[window]), now=now)
    keep_clocks, rest_clocks = dict(_clocks(keep, by="position")), dict(_clocks(rest, by="position"))
    assert keep_clocks.keys() == rest_clocks.keys()
    for key, m in rest_clocks.items():
        assert m.goal == keep_clocks[key].goal, key
        assert m.remaining >= keep_clocks[key].remaining, key


@SETTINGS
@given(t=tickets(), offsets=st.tuples(now_offset, now_offset), window=windows, restart=restart)
def test_elapsed_is_monotonic_in_now(office, t, offsets, window, restart):
    opened, events, severity = t
    early, late = (opened + timedelta(minutes=o) for o in sorted(offsets))
    if restart:
        # a restart legitimately resets elapsed (at a change, or at the reopening that applies a
        # change made while resolved); between those it only grows
        assume(not any(early < at <= late for at, key, value in events
                       if key == "severity" or value == "reopened"))
    tier = (RESTART if restart else KEEP)[window]
    terms = office.tier(tier)
    a = dict(_clocks(terms.evaluate_ticket(as_dict(opened, events, severity, tier), now=early)))
    b = dict(_clocks(terms.evaluate_ticket(as_dict(opened, events, severity, tier), now=late)))
    for key, m in a.items():
        if key in b:
            assert m.elapsed <= b[key].elapsed, key


@SETTINGS
@given(batch=st.lists(st.tuples(tickets(max_events=8), st.sampled_from(sorted({*KEEP.values(), *RESTART.values()}))),
                      min_size=1, max_size=12),
       offset=st.integers(0, 14 * 24 * 60))
def test_batch_and_one_ticket_at_a_time_equal_the_oracle(office, batch, offset):
    """`evaluate_tickets` on a batch, and `evaluate_ticket` on each record alone, give what the
    oracle (tests/oracle, the simple reference engine) gives each record."""
    now = BASE + timedelta(minutes=offset)    # some tickets open after `now`: a problem, in place
    records = [as_dict(opened, events, severity, tier, id=f"T{i}")
               for i, ((opened, events, severity), tier) in enumerate(batch)]
    results = office.evaluate_tickets(records, now=now)
    assert [r.id for r in results] == [r["id"] for r in records]
    for record, result in zip(records, results):
        try:
            expected = oracle.evaluate(office, record, now)
        except slalang.RecordError as exc:
            assert result.problem is not None and str(exc) in result.problem
            with pytest.raises(slalang.RecordError, match="after now"):
                office.tier(record["tier"]).evaluate_ticket(record, now=now)
            continue
        assert result.problem is None
        assert result.to_json() == expected
        assert office.tier(record["tier"]).evaluate_ticket(record, now=now).to_json() == expected
