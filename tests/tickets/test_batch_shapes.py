"""`evaluate_tickets` reads the common record shape column by column and everything else one record
at a time. Whatever shape a record comes in (offsets, fractions of a second, a space for the T,
numeric ids, extra event fields, events as a CSV cell, naive or impossible instants), its result is
the one the oracle (tests/oracle, the simple reference engine) gives for it alone, in its place in
the input, and the one `evaluate_ticket` gives for it alone."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

import oracle
import slalang
from slalang.runtime.errors import HorizonError
from slalang.runtime.records import parse_ticket
from test_clock_props import BASE, KEEP, RESTART, SETTINGS, tickets

ERRORS = (slalang.RecordError, slalang.InstantError, LookupError)


@pytest.fixture(scope="module")
def office(compiled):
    return compiled("office")

# How an instant is written: each a shape some system emits, or a mistake someone makes.
STYLES = ["Z", "Z", "ms", "us", "offset", "offset_us", "space", "datetime", "naive", "lower_z", "number"]


def render(at: datetime, style: str, minutes: int):
    local = at.astimezone(timezone(timedelta(minutes=minutes)))
    if style == "Z":
        return at.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "ms":
        return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
    if style == "us":
        return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if style == "offset":
        return local.replace(microsecond=0).isoformat()
    if style == "offset_us":
        return local.isoformat(timespec="microseconds")
    if style == "space":
        return local.replace(microsecond=0).isoformat(sep=" ")
    if style == "datetime":
        return local
    if style == "naive":
        return at.strftime("%Y-%m-%dT%H:%M:%S")
    if style == "lower_z":
        return at.strftime("%Y-%m-%dT%H:%M:%Sz")
    return int(at.timestamp())


@st.composite
def records(draw, i: int):
    (opened, events, severity), tier = draw(tickets(max_events=6)), draw(st.sampled_from(
        sorted({*KEEP.values(), *RESTART.values()})))
    # most instants in the common shape, some in another; offsets from -12:00 to +14:00
    style = st.sampled_from(STYLES) if draw(st.booleans()) else st.just("Z")
    minutes = st.sampled_from([0, 60, -300, 330, 345, 840, -720])
    fraction = draw(st.sampled_from([0, 0, 123_000, 999_999]))

    def at(dt: datetime):
        return render(dt + timedelta(microseconds=fraction), draw(style), draw(minutes))

    evs = []
    for when, key, value in events:
        ev = {"at": at(when), key: value}
        shape = draw(st.sampled_from(["plain", "plain", "at_last", "extra", "two_kinds", "empty_value"]))
        if shape == "at_last":
            ev = {key: value, "at": ev["at"]}
        elif shape == "extra":
            ev["note"] = "called the customer"
        elif shape == "two_kinds" and key != "type":
            ev["type"] = "updated"
        elif shape == "empty_value":
            ev["status" if key != "status" else "type"] = ""
        evs.append(ev)
    record = {"id": draw(st.sampled_from([f"T{i}", i, f"T{i}"])), "severity": severity, "opened": at(opened),
              "tier": tier}
    how = draw(st.sampled_from(["list", "list", "csv_cell", "absent_if_empty", "null_if_empty"]))
    if how == "csv_cell" and all(isinstance(e["at"], str) for e in evs):
        record["events"] = json.dumps(evs)
    elif how == "absent_if_empty" and not evs:
        pass
    elif how == "null_if_empty" and not evs:
        record["events"] = None
    else:
        record["events"] = evs
    return record


@st.composite
def batches(draw):
    n = draw(st.integers(1, 14))
    return [draw(records(i)) for i in range(n)]


def expected(policy, record, now):
    """What the oracle says of the record by itself: its JSON, or the error it raises."""
    try:
        return oracle.evaluate(policy, record, now)
    except ERRORS as exc:
        return exc


def alone(policy, record, now):
    """What `evaluate_ticket` says of the record by itself, under the tier it names (or the terms
    it is pinned to): its JSON, or the error it raises; None when no terms can be found."""
    try:
        tier = record.get("tier")
        if isinstance(tier, str) and tier:
            terms = policy.tier(tier)
        else:
            terms = oracle.terms_for(policy, parse_ticket(record, policy.severity_names))
    except ERRORS:
        return None
    try:
        return terms.evaluate_ticket(record, now=now).to_json()
    except ERRORS as exc:
        return exc


def same_problem(problem, exc: Exception) -> bool:
    """The problem text the product gives is the oracle's error text; a horizon problem need
    only say it is about the horizon."""
    if isinstance(exc, HorizonError):
        return problem is not None and "horizon" in problem
    return problem == str(exc.args[0])


def check_batch(policy, batch, now):
    results = policy.evaluate_tickets(batch, now=now)
    assert len(results) == len(batch)
    for record, result in zip(batch, results):
        want = expected(policy, record, now)
        if isinstance(want, Exception):
            assert same_problem(result.problem, want), (record, result.problem, want)
        else:
            assert result.problem is None, (record, result.problem)
            assert result.to_json() == want, record
        single = alone(policy, record, now)
        if single is None:
            continue
        if isinstance(want, Exception):
            assert isinstance(single, Exception) and same_problem(str(single.args[0]), want), (record, single, want)
        else:
            assert single == want, record


@SETTINGS
@given(batch=batches(), offset=st.integers(0, 14 * 24 * 60))
def test_every_record_shape_gets_the_result_it_gets_alone(office, batch, offset):
    check_batch(office, batch, BASE + timedelta(minutes=offset))


def test_impossible_and_unusual_instants_are_judged_like_one_record(office):
    base = {"severity": "P1", "tier": "keep"}
    opened = ["2025-02-29T10:00:00Z", "2025-03-03T24:00:00Z", "2025-03-03T10:60:00Z", "2025-03-03T10:00:60Z",
              "2025-03-03T10:00:00+24:00", "2025-03-03T10:00:00+01:60", "２０２５-03-03T10:00:00Z",
              "2025-03-03T10:00:00.1Z", "2025-03-03T10:00:00.12345Z", "2025-03-03T10:00Z", "2025-03-03",
              "+2025-03-03T10:00:00Z", "2025-03-03T10:00:00 Z", "2025/03/03T10:00:00Z", "0000-03-03T10:00:00Z",
              "2025-03-03T10:00:00-00:00", "2025-03-03T10:00:00+00:00", "2025-03-03T10:00:00Z"]
    batch = [{"id": f"T{i}", **base, "opened": text,
              "events": [{"at": "2025-03-03T11:00:00Z", "type": "responded"}]} for i, text in enumerate(opened)]
    check_batch(office, batch, datetime(2025, 3, 4, tzinfo=timezone.utc))
    good = office.evaluate_tickets(batch, now=datetime(2025, 3, 4, tzinfo=timezone.utc))
    assert [r.problem is None for r in good][-3:] == [True, True, True]


def test_one_long_ticket_among_short_ones(office):
    """A ticket with many more events than the rest (here 200) is judged exactly as alone."""
    start = BASE + timedelta(hours=9)
    batch = []
    for i in range(300):
        n = 200 if i == 7 else (12 if i % 50 == 0 else 2)
        events = []
        for j in range(n):
            kind = [{"status": "pending_customer"}, {"status": "open"}, {"type": "updated"}][j % 3]
            events.append({"at": (start + timedelta(minutes=5 * (i % 7) + 20 * (j + 1))).strftime("%Y-%m-%dT%H:%M:%SZ"),
                           **kind})
        batch.append({"id": f"T{i}", "severity": ["P1", "P2"][i % 2], "tier": "keep",
                      "opened": (start + timedelta(minutes=5 * (i % 7))).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      "events": events})
    check_batch(office, batch, BASE + timedelta(days=9))


def test_now_beyond_the_horizon(office):
    """The office horizon ends with 2026. A ticket still running then cannot be judged (its clock
    has no window data); one resolved inside the horizon can."""
    done = {"id": "done", "severity": "P2", "tier": "keep", "opened": "2025-03-03T09:00:00Z",
            "events": [{"at": "2025-03-03T10:00:00Z", "type": "responded"},
                       {"at": "2025-03-03T12:00:00Z", "type": "resolved"}]}
    running = {"id": "running", "severity": "P2", "tier": "keep", "opened": "2025-03-03T09:00:00Z"}
    check_batch(office, [done, running, done], datetime(2027, 6, 1, tzinfo=timezone.utc))


def test_an_impossible_date_among_many_is_one_problem(office):
    """Hundreds of instants of one width with one impossible date among them (numpy's own string
    parser crashes on such an array) and a year 0: each is a problem in place, the rest evaluate."""
    record = {"severity": "P2", "tier": "keep", "opened": "2025-03-03T09:00:00Z",
              "events": [{"at": "2025-03-03T10:00:00Z", "type": "responded"}]}
    batch = [{"id": f"T{i}", **record} for i in range(700)]
    batch[5] = {**batch[5], "opened": "2025-02-30T09:00:00Z"}
    batch[6] = {**batch[6], "opened": "0000-06-01T00:00:00Z",
                "events": [{"at": "0000-06-01T00:00:00Z", "status": "pending_customer"}]}
    batch[7] = {**batch[7], "opened": "2025-03-03T09:00:00Ｚ"}
    check_batch(office, batch, datetime(2025, 3, 4, tzinfo=timezone.utc))
    results = office.evaluate_tickets(batch, now="2025-03-04T00:00:00Z")
    assert [i for i, r in enumerate(results) if r.problem] == [5, 6, 7]
    assert results[8].metrics["response"].state == "met"


def test_a_tier_without_ticket_targets(tmp_path):
    (tmp_path / "p.sla").write_text('policy "p" { timezone "UTC" }\nseverity P1 "Critical"\n'
                                    "tier bare { availability 99.9% monthly }\nservice api { offers bare }\n")
    policy = slalang.compile(tmp_path)
    batch = [{"id": "a", "severity": "P1", "opened": "2025-03-03T09:00:00Z", "tier": "bare"}]
    check_batch(policy, batch, "2025-03-04T00:00:00Z")
    assert policy.evaluate_tickets(batch, now="2025-03-04T00:00:00Z")[0].to_json()["metrics"] == {}


def test_tier_customer_and_service_are_checked_like_one_record(compiled):
    policy = compiled("contracts")
    base = {"severity": "P1", "opened": "2025-03-03T09:00:00Z"}
    batch = [{"id": "T0", **base, "customer": "acme", "service": "api"}]
    for i, odd in enumerate([{"tier": 0}, {"tier": False}, {"tier": []}, {"tier": ""}, {"tier": None},
                             {"tier": "a", "customer": 3.5}, {"tier": "a", "service": True},
                             {"tier": "a", "customer": ["acme"]}, {"customer": 7}], start=1):
        batch.append({"id": f"T{i}", **base, "customer": "acme", "service": "api", **odd})
    for record in batch:
        check_batch(policy, [record], "2025-03-04T00:00:00Z")


def test_a_restart_close_to_the_end_of_the_horizon(office):
    """The old clock's pending steps are not projected at a restart (only what it sent is kept),
    so a restart days before the horizon ends is no problem."""
    record = {"id": "H", "severity": "P3", "opened": "2026-12-28T09:00:00Z", "tier": "restart",
              "events": [{"at": "2026-12-28T10:00:00Z", "severity": "P1"}]}
    check_batch(office, [record], "2026-12-28T11:00:00Z")
    assert office.evaluate_tickets([record], now="2026-12-28T11:00:00Z")[0].problem is None


def test_records_are_read_not_changed(office):
    record = defaultdict(str, {"id": "D", "severity": "P1", "tier": "keep", "opened": "2025-03-03T09:00:00Z"})
    before = dict(record)
    check_batch(office, [record], "2025-03-04T00:00:00Z")
    assert dict(record) == before
