"""The product's ticket engine against the oracle (SPEC §13), record by record.

`tests/oracle` is the deliberately simple reference engine. Every record of every batch here
must get from `policy.evaluate_tickets` (and, alone, from `terms.evaluate_ticket`) exactly the
JSON the oracle gives it, or a problem where the oracle raises one (the same text, except that
a horizon problem need only say it is about the horizon).

The policies are written as .sla text below and compiled once per session. They cover what the
kernel groups and special-cases: two consecutive contracts of one customer for one service on
different tiers (tickets opened either side of and exactly at the boundary), targets on two
windows in one tier, internal goals, `on severity change restart` beside a chain that repeats,
tickets with hundreds of events among short ones, and `now` at the very end of a short horizon.
Batches mix tiers, contracts and bad records.

SLALANG_PROP_EXAMPLES=2000 runs a long hunt; the defaults keep this file well under a minute.
"""

from __future__ import annotations

import os
import random
from datetime import datetime, timedelta, timezone
from typing import Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import slalang
from slalang.runtime.errors import HorizonError, InstantError, RecordError
from slalang.runtime.records import instant_us, iso_z, parse_ticket

from oracle import evaluate, terms_for

ENGINE = '''policy "Engine oracle" {
  version "1"
  timezone "Europe/London"
  horizon 2024..2026
}

window office {
  timezone "Europe/London"
  mon-fri 09:00-17:30
  except 2025-04-18..2025-04-21
}

window night_desk {
  timezone "America/New_York"
  mon-fri 22:00-06:00
}

severity P1 "Critical"
severity P2 "High"
severity P3 "Normal"
severity P4 "Low"

contact lead "lead@example.test"
contact duty "duty@example.test"
contact boss "boss@example.test"
contact cto "cto@example.test"

escalation loud {
  at 25% notify lead via email
  at 75% notify duty via pager
  at breach notify boss via pager, phone
  at breach + 20m notify cto via phone
  repeat every 15m up to 3 times
}

escalation quiet {
  at 33.3% notify lead via email
  at breach notify boss
  repeat every 1h up to 1 times
}

# P4 has no target in silver: its clocks stay idle.
tier silver {
  support office via email
  pause when pending_customer
  response P1 within 2h internal 1h
  response P2 within 4h internal 3h
  response P3 within 24h
  resolution P1 within 12h internal 8h during always
  resolution P2 within 72h
  resolution P3 within 120h
  update P1 every 4h during always
  update P2 every 8h
  escalate quiet
}

tier gold {
  support office via email, phone
  pause when pending_customer, awaiting_third_party
  on severity change restart
  response P1 within 30m internal 15m during always
  response P2 within 2h internal 1h
  response P3 within 8h
  resolution P1 within 8h during always
  resolution P2 within 16h internal 12h
  resolution P3 within 40h
  resolution P4 within 80h
  update P1 every 1h during always
  update P2 every 3h
  escalate loud
}

tier night extends gold {
  support night_desk via phone
  on severity change keep elapsed
}

service api {
  offers silver, gold, night
}

service portal {
  offers silver, gold
}

# Contract days are local to London: 2025-04-01 starts at 2025-03-31T23:00Z (summer time),
# 2025-07-01 at 2025-06-30T23:00Z, 2025-03-10 at 2025-03-10T00:00Z.
customer acme {
  contract api silver from 2025-01-01 to 2025-03-31 {
    response P1 within 90m internal 45m
  }
  contract api gold from 2025-04-01 to 2025-06-30
  contract api night from 2025-07-01
  contract portal gold from 2024-06-01
}

customer globex {
  contract api gold from 2025-02-15 to 2025-03-09 {
    resolution P1 within 6h internal 4h during always
  }
  contract api silver from 2025-03-10
}
'''

# A short horizon: window data exists from 2025-01-01T00:00Z up to 2026-01-01T00:00Z.
EDGE = '''policy "Edge of the horizon" {
  version "1"
  timezone "UTC"
  horizon 2025..2025
}

window office {
  timezone "UTC"
  mon-fri 09:00-17:00
}

severity P1 "Critical"
severity P2 "High"
severity P3 "Normal"

contact lead "lead@example.test"
contact boss "boss@example.test"

escalation chain {
  at 50% notify lead via email
  at breach notify boss via pager
  repeat every 2h up to 3 times
}

tier edge {
  support office
  pause when pending_customer
  on severity change restart
  response P1 within 1h internal 30m
  response P2 within 4h
  resolution P1 within 8h during always
  resolution P2 within 40h
  resolution P3 within 5h during always
  update P1 every 2h during always
  escalate chain
}

tier edge_keep extends edge {
  on severity change keep elapsed
}

service api {
  offers edge, edge_keep
}

customer late {
  contract api edge from 2025-01-01 to 2025-12-30
  contract api edge_keep from 2025-12-31
}
'''

US = 1
SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

SEVERITIES = ["P1", "P2", "P3", "P4"]
STATUSES = ["pending_customer", "awaiting_third_party", "open", "in_progress"]
# status values events are drawn from: now and then the built-in `cancelled` (SPEC §12), which
# ends the ticket, so most tickets still run their course
STATUS_VALUES = STATUSES * 3 + ["cancelled"]
TYPES = ["responded", "updated", "resolved", "reopened"]
PROBLEMS = (RecordError, InstantError, LookupError)   # HorizonError is an InstantError


def us(text: str) -> int:
    return instant_us(text, "test instant")


# (customer, service, old tier, new tier, the instant the new contract starts)
BOUNDARIES = [
    ("acme", "api", "silver", "gold", us("2025-03-31T23:00:00Z")),
    ("acme", "api", "gold", "night", us("2025-06-30T23:00:00Z")),
    ("globex", "api", "gold", "silver", us("2025-03-10T00:00:00Z")),
]
# a contract that starts with nothing before it: a ticket opened earlier has no terms
FIRST_START = ("globex", "api", us("2025-02-15T00:00:00Z"))
NEAR = [-SECOND, -US, 0, US, SECOND, -HOUR, 7 * MINUTE]   # offsets around a boundary

EXAMPLES = os.environ.get("SLALANG_PROP_EXAMPLES")


def props(default: int):
    """Hypothesis settings: `default` examples, or SLALANG_PROP_EXAMPLES for a long hunt."""
    return settings(max_examples=int(EXAMPLES) if EXAMPLES else default, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _compile(tmp_path_factory, name: str, text: str):
    d = tmp_path_factory.mktemp(name)
    (d / "policy.sla").write_text(text)
    return slalang.compile(d)


@pytest.fixture(scope="session")
def engine(tmp_path_factory):
    return _compile(tmp_path_factory, "engine", ENGINE)


@pytest.fixture(scope="session")
def edge(tmp_path_factory):
    return _compile(tmp_path_factory, "edge", EDGE)


# -- the comparison -----------------------------------------------------------------------------

def oracle(policy, record, now) -> tuple[Optional[dict], Optional[Exception]]:
    """(the oracle's JSON, None) or (None, the problem it raises)."""
    try:
        return evaluate(policy, record, now), None
    except PROBLEMS as exc:
        return None, exc


def agree(policy, records: list, now, *, alone: bool = True) -> list:
    """Product and oracle agree on every record: `evaluate_tickets` on the whole batch, and
    (`alone`) `terms.evaluate_ticket` on each record whose terms can be found. The batch results."""
    results = policy.evaluate_tickets(records, now=now)
    assert len(results) == len(records)
    for i, (record, result) in enumerate(zip(records, results)):
        want, problem = oracle(policy, record, now)
        where = f"record {i} ({record.get('id') if isinstance(record, dict) else record!r})"
        if isinstance(record, dict) and record.get("id") not in (None, ""):
            assert result.id == str(record["id"]), where
        if problem is not None:
            assert result.problem is not None, f"{where}: the oracle says {problem!r}, the product gives a result"
            if isinstance(problem, HorizonError):
                assert "horizon" in result.problem, (where, result.problem)
            else:
                assert result.problem == str(problem.args[0]), where
        else:
            assert result.problem is None, f"{where}: the product says {result.problem!r}, the oracle gives a result"
            assert result.to_json() == want, where
        if alone:
            _agree_alone(policy, record, now, want, problem, where)
    return results


def _agree_alone(policy, record, now, want, problem, where) -> None:
    try:
        terms = terms_for(policy, parse_ticket(record, policy.severity_names))
    except PROBLEMS:
        return  # no terms to evaluate it under
    try:
        got = terms.evaluate_ticket(record, now=now).to_json()
    except PROBLEMS as exc:
        assert problem is not None, f"{where}: alone, the product raises {exc!r}, the oracle gives a result"
        assert type(exc) is type(problem), (where, exc, problem)   # the same exception class
        if isinstance(exc, HorizonError):
            assert "horizon" in str(exc), where
        else:
            assert str(exc) == str(problem), where
        return
    assert problem is None, f"{where}: the oracle says {problem!r}, alone the product gives a result"
    assert got == want, where


# -- records ------------------------------------------------------------------------------------

def iso(t: int) -> str:
    return iso_z(t)


def event(at: int, kind: str, value: str) -> dict:
    return {"at": iso(at), kind: value}


event_kinds = st.one_of(
    st.tuples(st.just("status"), st.sampled_from(STATUS_VALUES)),
    st.tuples(st.just("severity"), st.sampled_from(SEVERITIES)),
    st.tuples(st.just("type"), st.sampled_from(TYPES)),
)


# Steps between instants, in minutes: round ones land events exactly where goals and escalation
# thresholds are reached (7.5m is 25% of 30m, 22.5m 75% of it, ...) and on the office's edges.
ROUND = [0, 15, 30, 60, 90, 120, 180, 240, 480, 600, 1440]
minutes = st.one_of(st.sampled_from(ROUND), st.integers(0, 30 * 60))
odd = st.sampled_from([0, 0, 0, 0, SECOND, 59 * SECOND, 1, 30 * SECOND])


def opened_after(anchor: int, days: int):
    """An instant up to `days` after the anchor: on a quarter hour, or any minute and the odd µs."""
    return st.one_of(st.integers(0, days * 24 * 4).map(lambda q: anchor + q * 15 * MINUTE),
                     st.tuples(st.integers(0, days * 24 * 60), odd).map(lambda m: anchor + m[0] * MINUTE + m[1]))


@st.composite
def short_events(draw, opened: int, max_events: int = 10, kinds=event_kinds) -> list[dict]:
    """Events in time order from `opened`: round and odd steps, some at the same instant as the
    one before."""
    at, out = opened, []
    for _ in range(draw(st.integers(0, max_events))):
        at += draw(minutes) * MINUTE + draw(odd)
        key, value = draw(kinds)
        out.append(event(at, key, value))
    return out


def long_events(seed: int, opened: int, n: int) -> list[dict]:
    """n events from a seeded generator (hypothesis would spend its buffer on hundreds of draws):
    statuses, severity changes, responses, updates, resolutions and reopenings, mixed; now and then
    (more often the longer it is) a ticket is cancelled along the way."""
    rng = random.Random(seed)
    at, out = opened, []
    for _ in range(n):
        at += rng.choice([0, MINUTE, rng.randint(1, 180) * MINUTE, rng.randint(1, 40) * MINUTE + SECOND])
        kind = rng.choices(["status", "severity", "responded", "updated", "resolved", "reopened", "cancelled"],
                           weights=[30, 15, 8, 25, 11, 11, 0.1])[0]
        if kind == "cancelled":
            out.append(event(at, "status", "cancelled"))
        elif kind == "status":
            out.append(event(at, "status", rng.choice(STATUSES)))
        elif kind == "severity":
            out.append(event(at, "severity", rng.choice(SEVERITIES)))
        else:
            out.append(event(at, "type", kind))
    return out


# Where a ticket's terms come from: a tier, a contract, or nothing that resolves.
TIERS = [{"tier": "silver"}, {"tier": "gold"}, {"tier": "night"}]
CONTRACTS = [{"customer": "acme", "service": "api"}, {"customer": "acme", "service": "portal"},
             {"customer": "globex", "service": "api"}]
NO_TERMS = [{"tier": "platinum"}, {"customer": "initech", "service": "api"}, {"customer": "acme"},
            {"customer": "acme", "service": "billing"}]
who = st.one_of(st.sampled_from(TIERS), st.sampled_from(CONTRACTS), st.sampled_from(NO_TERMS))

# What can be wrong with a record (each a RecordError of the record itself).
DEFECTS = ["unknown_severity", "out_of_order", "naive", "two_kinds", "no_id", "bad_type", "unknown_event_severity"]


def spoil(record: dict, defect: str) -> dict:
    record = dict(record, events=[dict(e) for e in record["events"]])
    if defect == "unknown_severity":
        record["severity"] = "P9"
    elif defect == "out_of_order":
        record["events"].append(event(us(record["opened"]) - HOUR, "type", "updated"))
    elif defect == "naive":
        record["opened"] = record["opened"].rstrip("Z")
    elif defect == "two_kinds":
        record["events"].append({"at": record["opened"], "status": "open", "type": "updated"})
    elif defect == "no_id":
        del record["id"]
    elif defect == "bad_type":
        record["events"].append({"at": record["opened"], "type": "escalated"})
    else:
        record["events"].append({"at": record["opened"], "severity": "P0"})
    return record


@st.composite
def records(draw, i: int, anchor: int, terms=who, severities=SEVERITIES, max_events: int = 10) -> dict:
    """One §7 record opened on or after `anchor` (or right by a contract boundary), sometimes
    with a defect, sometimes in a rarer but valid shape."""
    place = draw(st.sampled_from(["anchor", "anchor", "anchor", "boundary"]))
    if place == "boundary":
        _, _, _, _, edge_at = draw(st.sampled_from(BOUNDARIES))
        opened = edge_at + draw(st.sampled_from(NEAR))
    else:
        opened = draw(opened_after(anchor, 7))
    record = {"id": f"T{i}", "severity": draw(st.sampled_from(severities)), "opened": iso(opened),
              **draw(terms), "events": draw(short_events(opened, max_events))}
    shape = draw(st.sampled_from(["plain"] * 6 + ["defect", "offset", "datetime"]))
    if shape == "defect":
        record = spoil(record, draw(st.sampled_from(DEFECTS)))
    elif shape == "offset":  # the same instants written with an offset
        record["opened"] = datetime.fromisoformat(record["opened"]).astimezone(
            timezone(timedelta(hours=5, minutes=30))).isoformat()
    elif shape == "datetime":  # an aware datetime object (the record goes the slow way today)
        record["opened"] = datetime.fromisoformat(record["opened"])
    return record


ANCHORS = [us("2025-01-06T08:00:00Z"), us("2025-02-14T12:00:00Z"), us("2025-03-07T16:00:00Z"),
           us("2025-03-28T10:00:00Z"), us("2025-04-17T15:00:00Z"), us("2025-06-27T20:00:00Z"),
           us("2025-10-24T09:00:00Z")]


def instants(record: dict) -> list[int]:
    out = []
    for value in [record.get("opened")] + [e.get("at") for e in record.get("events") or []]:
        try:
            out.append(instant_us(value, "x"))
        except (InstantError, TypeError):
            pass
    return out


@st.composite
def now_for(draw, batch: list[dict], anchor: int):
    """`now`: after the anchor by up to three weeks, or exactly at some event of the batch (some
    tickets are then opened after it: a problem in place), as a string or an aware datetime."""
    seen = sorted({t for r in batch for t in instants(r)})
    if seen and draw(st.booleans()):
        now = draw(st.sampled_from(seen)) + draw(st.sampled_from([0, 0, -US, US]))
    else:
        minutes = draw(st.one_of(st.integers(7 * 24 * 60, 21 * 24 * 60), st.integers(0, 7 * 24 * 60)))
        now = anchor + minutes * MINUTE + draw(st.sampled_from([0, 1, SECOND]))
    if draw(st.integers(0, 4)) == 0:
        return datetime.fromisoformat(iso(now)).astimezone(timezone(timedelta(hours=-7)))
    return iso(now)


@st.composite
def batches(draw, min_size: int = 1, max_size: int = 16, **kw):
    anchor = draw(st.sampled_from(ANCHORS))
    batch = [draw(records(i, anchor, **kw)) for i in range(draw(st.integers(min_size, max_size)))]
    return batch, draw(now_for(batch, anchor))


# -- the tests ----------------------------------------------------------------------------------

def test_the_boundaries_are_the_policys_contract_edges(engine):
    """The instants the strategies aim at are where the compiled contracts change hands."""
    edges = set()
    for customer, cust in engine.artifact["customers"].items():
        for c in cust["contracts"]:
            if c["end"] is not None:
                edges.add((customer, c["service"], c["tier"], us(c["end"])))
    assert {(c, s, old, at) for c, s, old, _, at in BOUNDARIES} <= edges
    for customer, service, old, new, at in BOUNDARIES:
        assert engine.terms(customer, service, at - 1).tier == old
        assert engine.terms(customer, service, at).tier == new


@props(100)
@given(case=batches())
def test_mixed_batches_agree_with_the_oracle(engine, case):
    """Tiers, contracts, no terms, defects, rarer shapes and tickets opened after `now`, in one batch."""
    batch, now = case
    agree(engine, batch, now)


@st.composite
def boundary_batches(draw):
    customer, service, old, new, edge_at = draw(st.sampled_from(BOUNDARIES))
    batch = []
    for i in range(draw(st.integers(2, 10))):
        opened = edge_at + draw(st.sampled_from(NEAR))
        terms = draw(st.sampled_from([{"customer": customer, "service": service}] * 3 + TIERS))
        batch.append({"id": f"B{i}", "severity": draw(st.sampled_from(SEVERITIES)), "opened": iso(opened),
                      **terms, "events": draw(short_events(opened, 8))})
    now = edge_at + SECOND + draw(st.integers(0, 10 * 24 * 60)) * MINUTE
    return (customer, service, old, new, edge_at), batch, iso(now)


def test_a_record_with_two_problems_reports_the_one_found_first(engine):
    """A record is read, then its terms are found, then it is evaluated: a ticket opened after
    `now` with no terms is a terms problem. (The engine, part-way through the move to the kernel,
    once reported such a record as "opened after now"; the oracle caught it.)"""
    now = "2025-01-06T08:00:00Z"
    late = {"severity": "P1", "opened": "2025-01-06T08:01:00Z"}
    batch = [{"id": "no_contract_yet", **late, "customer": "globex", "service": "api"},
             {"id": "unknown_tier", **late, "tier": "platinum"},
             {"id": "unknown_customer", **late, "customer": "initech", "service": "api"},
             {"id": "no_service", **late, "customer": "acme"},
             {"id": "bad_severity", **late, "severity": "P9", "tier": "platinum"},
             {"id": "only_late", **late, "tier": "gold"}]
    results = agree(engine, batch, now)
    assert [r.problem.split(" ")[0] for r in results] == ["globex", "unknown", "unknown", "a", "unknown", "ticket"]


@props(60)
@given(case=boundary_batches())
def test_consecutive_contracts_pin_the_terms_at_opened(engine, case):
    """Tickets opened either side of, and exactly at, the instant a customer's contract for a
    service moves to another tier: each keeps the terms in force when it was opened."""
    (customer, service, old, new, edge_at), batch, now = case
    results = agree(engine, batch, now)
    for record, result in zip(batch, results):
        if record.get("customer") and result.problem is None:
            assert result.tier == (old if us(record["opened"]) < edge_at else new), record["opened"]


def test_a_ticket_opened_before_the_first_contract_has_no_terms(engine):
    customer, service, start = FIRST_START
    batch = [{"id": f"F{i}", "severity": "P1", "opened": iso(start + d), "customer": customer, "service": service}
             for i, d in enumerate([-US, 0, US])]
    results = agree(engine, batch, iso(start + HOUR))
    assert [r.problem is None for r in results] == [False, True, True]
    assert [r.tier for r in results[1:]] == ["gold", "gold"]


@props(60)
@given(case=batches(terms=st.sampled_from(TIERS + CONTRACTS), severities=["P1", "P2"]))
def test_two_windows_in_one_tier_and_internal_goals(engine, case):
    """P1 and P2 tickets: their response counts office hours (gold's P1 `during always`), their
    resolution and update `during always` beside office hours, and most have internal goals."""
    batch, now = case
    results = agree(engine, batch, now)
    for result in results:
        if result.problem is None and result.tier == "silver":
            for name, m in result.metrics.items():   # judged under P1 (a stopped clock keeps its severity)
                if m.severity == "P1":
                    assert m.window == {"response": "office", "resolution": "always", "update": "always"}[name]
                    assert (m.internal_goal is not None) == (name != "update")


def test_two_windows_in_one_tier_by_example(engine):
    """A silver P1 opened on Friday evening: the response clock waits for Monday's office hours
    while the resolution and update clocks count the weekend; both have internal goals."""
    record = {"id": "W", "severity": "P1", "tier": "silver", "opened": "2025-03-07T17:00:00Z",
              "events": [{"at": "2025-03-08T10:00:00Z", "type": "updated"}]}
    [result] = agree(engine, [record], "2025-03-10T09:30:00Z")
    response, resolution = result.metrics["response"], result.metrics["resolution"]
    # 30 minutes on Friday and 30 on Monday: exactly the internal goal, so still running
    assert (response.window, response.elapsed, response.internal_state) == ("office", timedelta(hours=1), "running")
    assert (resolution.window, resolution.state, resolution.internal_state) == ("always", "breached", "breached")
    assert result.metrics["update"].window == "always"


restart_kinds = st.one_of(
    st.tuples(st.just("severity"), st.sampled_from(SEVERITIES)),
    st.tuples(st.just("severity"), st.sampled_from(SEVERITIES)),
    st.tuples(st.just("status"), st.sampled_from(STATUS_VALUES)),
    st.tuples(st.just("type"), st.sampled_from(TYPES)),
)


@st.composite
def restart_batches(draw):
    anchor = draw(st.sampled_from(ANCHORS))
    batch = []
    for i in range(draw(st.integers(1, 10))):
        opened = draw(opened_after(anchor, 3))
        terms = draw(st.sampled_from([{"tier": "gold"}, {"customer": "acme", "service": "portal"}, {"tier": "night"}]))
        batch.append({"id": f"R{i}", "severity": draw(st.sampled_from(SEVERITIES)), "opened": iso(opened), **terms,
                      "events": draw(short_events(opened, 12, kinds=restart_kinds))})
    return batch, iso(anchor + draw(st.integers(0, 14 * 24 * 60)) * MINUTE)


@props(80)
@given(case=restart_batches())
def test_restart_with_a_repeating_chain(engine, case):
    """`on severity change restart` (gold) beside `keep elapsed` (night), both escalating on a
    chain that repeats every 15m up to 3 times: many severity changes, with steps due before,
    at and after each change, and the old clock's notifications kept."""
    agree(engine, *case)


def test_restart_with_a_repeating_chain_by_example(engine):
    """A P3 ticket escalated to P1 long after 25% and 75% of P3's response goal had passed: the
    old clock's notifications stay listed, and the new clock's steps and repeats run afresh."""
    record = {"id": "R", "severity": "P3", "tier": "gold", "opened": "2025-03-03T09:00:00Z",
              "events": [{"at": "2025-03-03T16:00:00Z", "severity": "P1"}]}
    [result] = agree(engine, [record], "2025-03-03T19:00:00Z")
    response = [(e.step, e.repeat, e.due, e.fired) for e in result.escalations if e.metric == "response"]
    at = lambda text: datetime.fromisoformat(text.replace("Z", "+00:00"))  # noqa: E731
    assert response == [
        (1, 0, at("2025-03-03T11:00:00Z"), True), (2, 0, at("2025-03-03T15:00:00Z"), True),   # P3, 8h
        (1, 0, at("2025-03-03T16:07:30Z"), True), (2, 0, at("2025-03-03T16:22:30Z"), True),   # P1, 30m always
        (3, 0, at("2025-03-03T16:30:00Z"), True), (4, 0, at("2025-03-03T16:50:00Z"), True),
        (4, 1, at("2025-03-03T17:05:00Z"), True), (4, 2, at("2025-03-03T17:20:00Z"), True),
        (4, 3, at("2025-03-03T17:35:00Z"), True)]


@st.composite
def threshold_batches(draw):
    """Severity changes and stops on a 7m30s grid from a quarter hour: P1's 30m goals `during
    always` have their 25%, 75%, breach, breach + 20m and repeats on that grid, so changes land
    exactly where a threshold is reached (and so do cancellations: a step due exactly at the
    cancel instant has fired, as one due exactly at a resolution has)."""
    anchor = draw(st.sampled_from(ANCHORS))
    grid = st.integers(0, 8).map(lambda k: k * 450 * SECOND)
    statuses = (STATUSES[:1] + STATUSES[2:]) * 2 + ["cancelled"]
    kinds = st.one_of(st.tuples(st.just("severity"), st.sampled_from(SEVERITIES)),
                      st.tuples(st.just("type"), st.sampled_from(TYPES)),
                      st.tuples(st.just("status"), st.sampled_from(statuses)))
    batch = []
    for i in range(draw(st.integers(1, 8))):
        opened = anchor + draw(st.integers(0, 4 * 24)) * 15 * MINUTE
        at, events = opened, []
        for _ in range(draw(st.integers(1, 6))):
            at += draw(grid)
            key, value = draw(kinds)
            events.append(event(at, key, value))
        batch.append({"id": f"G{i}", "severity": draw(st.sampled_from(["P1", "P1", "P2", "P3"])), "opened": iso(opened),
                      **draw(st.sampled_from([{"tier": "night"}, {"tier": "gold"}, {"tier": "silver"},
                                              {"customer": "acme", "service": "portal"}])),
                      "events": events})
    last = max(us(e["at"]) for r in batch for e in r["events"])
    return batch, iso(last + draw(grid))


@props(80)
@given(case=threshold_batches())
def test_changes_exactly_where_thresholds_are_reached(engine, case):
    """A threshold reached exactly at a severity change is judged under the new goal, under
    `keep elapsed` (night, silver) and `restart` (gold): the epoch rule, at its edge."""
    agree(engine, *case)


@st.composite
def long_batches(draw):
    anchor = draw(st.sampled_from(ANCHORS))
    batch = [draw(records(i, anchor, max_events=6)) for i in range(draw(st.integers(12, 40)))]
    for j in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(batch)))
        opened = draw(opened_after(anchor, 2))
        n = draw(st.integers(150, 400))
        record = {"id": f"L{j}", "severity": draw(st.sampled_from(SEVERITIES)), "opened": iso(opened),
                  **draw(st.sampled_from(TIERS + CONTRACTS)),
                  "events": long_events(draw(st.integers(0, 2 ** 32)), opened, n)}
        batch.insert(at, record)
    # `now` late enough that most long tickets have run their course, or in the middle of them
    now = anchor + draw(st.sampled_from([3, 10, 40, 60])) * DAY + draw(st.integers(0, 24 * 60)) * MINUTE
    return batch, iso(now)


@props(20)
@given(case=long_batches())
def test_tickets_with_hundreds_of_events_among_short_ones(engine, case):
    batch, now = case
    agree(engine, batch, now, alone=False)
    agree(engine, [r for r in batch if str(r.get("id", "")).startswith("L")], now)


# -- the edge of the horizon --------------------------------------------------------------------

END = us("2026-01-01T00:00:00Z")         # window data exists up to here (the end bound itself)
LAST = END - US                           # the last instant with window data
EDGE_TERMS = [{"tier": "edge"}, {"tier": "edge_keep"}, {"customer": "late", "service": "api"}]


@st.composite
def edge_batches(draw):
    now = draw(st.sampled_from([LAST, LAST, END, END - SECOND, END - 5 * HOUR, END + US]))
    batch = []
    for i in range(draw(st.integers(1, 12))):
        opened = draw(st.one_of(st.integers(now - 12 * DAY, now).map(lambda t: t - t % MINUTE),
                                st.sampled_from([now, now - US, now - HOUR, END - 2 * DAY, END - DAY,
                                                 us("2024-12-31T23:00:00Z")])))
        opened = min(opened, now)
        events = draw(short_events(opened, 6))
        batch.append({"id": f"E{i}", "severity": draw(st.sampled_from(["P1", "P2", "P3"])), "opened": iso(opened),
                      **draw(st.sampled_from(EDGE_TERMS)), "events": events})
    return batch, iso(now)


def test_the_edge_policy_horizon_is_what_the_tests_assume(edge):
    assert edge.horizon == (2025, 2025)
    assert edge.window("always").horizon_us == (us("2025-01-01T00:00:00Z"), END)


@props(100)
@given(case=edge_batches())
def test_now_at_the_edge_of_a_short_horizon(edge, case):
    """`now` at the last instant the horizon allows (and at its end bound, just before it, and
    just beyond it): a clock that would run or project past the horizon is a problem on both
    sides, and the product says it is about the horizon; the other tickets evaluate."""
    agree(edge, *case)


def test_now_at_the_last_instant_of_the_horizon_by_example(edge):
    now = iso(LAST)
    batch = [
        # still running: its deadline lies beyond the horizon
        {"id": "running", "severity": "P2", "tier": "edge", "opened": "2025-12-31T10:00:00Z"},
        # resolved and responded in time: every verdict is inside the horizon
        {"id": "done", "severity": "P1", "tier": "edge", "opened": "2025-12-30T10:00:00Z",
         "events": [{"at": "2025-12-30T10:10:00Z", "type": "responded"},
                    {"at": "2025-12-30T10:20:00Z", "type": "updated"},
                    {"at": "2025-12-30T11:00:00Z", "type": "resolved"}]},
        # resolved short of a goal whose deadline, counted on from the stop, is past the horizon
        {"id": "stopped_short", "severity": "P2", "tier": "edge_keep", "opened": "2025-12-31T09:00:00Z",
         "events": [{"at": "2025-12-31T09:30:00Z", "type": "resolved"}]},
        # paused: no deadline to project, and every step already due lies inside the horizon
        {"id": "paused", "severity": "P3", "customer": "late", "service": "api", "opened": "2025-12-31T12:00:00Z",
         "events": [{"at": "2025-12-31T13:00:00Z", "status": "pending_customer"}]},
        # opened exactly at now
        {"id": "just_opened", "severity": "P1", "tier": "edge", "opened": now},
        # opened before the horizon begins
        {"id": "too_early", "severity": "P1", "tier": "edge", "opened": "2024-12-31T23:00:00Z",
         "events": [{"at": "2025-01-01T01:00:00Z", "type": "resolved"}]},
    ]
    results = {r.id: r for r in agree(edge, batch, now)}
    for name in ("running", "stopped_short", "just_opened", "too_early"):
        assert results[name].problem is not None and "horizon" in results[name].problem, name
    assert results["done"].problem is None and results["done"].metrics["resolution"].state == "met"
    assert results["paused"].problem is None and results["paused"].metrics["resolution"].deadline is None
    assert results["paused"].tier == "edge_keep"   # the contract in force on 2025-12-31
