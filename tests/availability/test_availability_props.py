"""Availability: property tests against a minute-by-minute model of SPEC §5 (hypothesis).

The model walks a Sunday minute by minute: an outage covers a minute unless its tag is excluded
or the minute is inside the maintenance occurrence and the outage was announced in time; a
covered minute weighs the largest impact over it; maximal runs of covered minutes (touching,
whatever their weights) shorter than the `ignore outages under` threshold are dropped; what is
left inside the day is the downtime. Outages start and end on whole minutes, so the model is exact.
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DAY = "2025-04-06"                       # a Sunday; maintenance 02:00-04:00 UTC
DAY_START = 0                            # minutes from 2025-04-06T00:00Z
DAY_END = 24 * 60
MAINT = (2 * 60, 4 * 60)
NOTICE_MIN = 60                          # `with notice 1h`
IGNORE_MIN = 3                           # `ignore outages under 3m`
SPAN = (-30, DAY_END + 30)               # outages may straddle the day's edges


@pytest.fixture(scope="module")
def terms(sla, compile_policy):
    policy = compile_policy(sla.policy_text(
        """window maint {
  timezone "UTC"
  sun 02:00-04:00
}
"""
        + sla.tier("t", "availability 99.9% daily", "exclude maint with notice 1h, customer_caused",
                   "ignore outages under 3m", """credits {
    below 99.9% credit 10%
    below 99.0% credit 25%
    at or below 95.0% credit 50%
  }""")
        + "service api { offers t }\n"))
    return policy.tier("t")


def instant(sla, minute: int) -> str:
    return (sla.utc(f"{DAY}T00:00:00") + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")


@st.composite
def outages(draw):
    start = draw(st.integers(*SPAN))
    length = draw(st.one_of(st.integers(0, 4), st.integers(0, 200)))   # blips near the threshold often
    return {
        "start": start,
        "end": min(start + length, SPAN[1]),
        "impact": draw(st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(1, 4), Fraction(0)])),
        "tagged": draw(st.booleans()) and draw(st.booleans()),         # about a quarter
        # minutes before the occurrence start (02:00) at which it was announced; None = never
        "notice": draw(st.sampled_from([None, NOTICE_MIN, NOTICE_MIN - 1, 10 * NOTICE_MIN, -30])),
    }


def model(records: list[dict]) -> Fraction:
    """Downtime in minutes, impact-weighted, by the rules of SPEC §5 walked minute by minute."""
    weight: dict[int, Fraction] = {}
    for r in records:
        in_time = r["notice"] is not None and r["notice"] >= NOTICE_MIN
        for m in range(r["start"], r["end"]):
            if r["tagged"] or r["impact"] == 0:
                continue
            if MAINT[0] <= m < MAINT[1] and in_time:
                continue
            weight[m] = max(weight.get(m, Fraction(0)), r["impact"])
    total = Fraction(0)
    minutes = sorted(weight)
    run: list[int] = []
    for m in minutes + [None]:
        if run and (m is None or m != run[-1] + 1):
            if len(run) >= IGNORE_MIN:
                total += sum(weight[x] for x in run if DAY_START <= x < DAY_END)
            run = []
        if m is not None:
            run.append(m)
    return total


def as_record(sla, r: dict) -> dict:
    record = {"service": "api", "start": instant(sla, r["start"]), "end": instant(sla, r["end"]),
              "impact": str(r["impact"].numerator / r["impact"].denominator)}
    if r["tagged"]:
        record["tags"] = ["customer_caused"]
    if r["notice"] is not None:
        record["announced"] = instant(sla, MAINT[0] - r["notice"])
    return record


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(outages(), max_size=8))
def test_downtime_matches_the_minute_by_minute_model(terms, sla, records):
    report = terms.availability([as_record(sla, r) for r in records], period=DAY, service="api")
    expected = model(records)
    assert (expected * 60).denominator == 1          # impacts are quarters: whole seconds
    assert report.downtime == timedelta(seconds=int(expected * 60))
    assert report.availability == 100 * (1 - expected / DAY_END)
    assert report.met is (report.availability >= Fraction(999, 10))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(outages(), max_size=6), outages())
def test_another_outage_never_raises_availability_or_lowers_the_credit(terms, sla, records, extra):
    before = terms.availability([as_record(sla, r) for r in records], period=DAY, service="api")
    after = terms.availability([as_record(sla, r) for r in records + [extra]], period=DAY, service="api")
    assert after.availability <= before.availability
    assert after.credit >= before.credit
    assert timedelta(0) <= after.downtime <= after.measured
