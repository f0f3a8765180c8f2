"""Availability: the arithmetic of published SLAs, reproduced exactly (expected values by hand).

Every expected figure below is worked out in the comment beside it; comparisons are exact
(Fraction / Decimal / timedelta), never floats.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

APRIL = "2025-04"                 # 30 days in UTC: 2,592,000 s
APRIL_SECONDS = 30 * 86_400
MAY = "2025-05"                   # 31 days in UTC: 2,678,400 s


@pytest.fixture(scope="module")
def policy(sla, compile_policy):
    return compile_policy(sla.policy_text(
        # The spec's standard tier: 99.9% with a 10% / 25% credit table.
        sla.tier("standard", "availability 99.9% monthly", """credits {
    below 99.9% credit 10%
    below 99.0% credit 25%
  }""")
        # A public cloud compute SLA: 99.99%, 10% below it, 30% below 99%, 100% below 95%.
        + sla.tier("compute", "availability 99.99% monthly", """credits {
    below 99.99% credit 10%
    below 99.0% credit 30%
    below 95.0% credit 100%
  }""")
        # A quarterly commitment whose credit row is inclusive of its own target.
        + sla.tier("quarterly", "availability 99.9% quarterly", """credits {
    at or below 99.9% credit 10%
    below 99.0% credit 25%
  }""")
        # A capped table: the 100% row can never pay more than the cap.
        + sla.tier("capped", "availability 99.9% monthly", """credits {
    below 99.9% credit 10%
    below 99.0% credit 25%
    below 95.0% credit 100%
    cap 50%
  }""")
        + "".join(sla.tier(f"t{name}", f"availability {target}% monthly")
                  for name, target in (("99", "99"), ("999", "99.9"), ("9995", "99.95"),
                                       ("9999", "99.99"), ("99999", "99.999")))
        + "service api { offers standard, compute, quarterly, capped, t99, t999, t9995, t9999, t99999 }\n"))


@pytest.fixture(scope="module")
def london(sla, compile_policy):
    return compile_policy(sla.policy_text(
        sla.tier("standard", "availability 99.9% monthly") + "service api { offers standard }\n",
        timezone="Europe/London"))


def down_for(sla, duration: timedelta, day: str = "2025-04-10") -> list[dict]:
    """One outage of exactly `duration` starting at midnight UTC on `day`."""
    start = sla.utc(f"{day}T00:00:00")
    return [{"service": "api", "start": start, "end": start + duration}]


# ---- a 30-day month with an hour down ------------------------------------------------------------

def test_an_hour_down_in_a_30_day_month_is_99_86_percent_and_owes_10_percent(policy, sla):
    report = policy.tier("standard").availability(down_for(sla, timedelta(hours=1)), period=APRIL)
    # (2,592,000 - 3,600) / 2,592,000 = 2,588,400 / 2,592,000 = 719 / 720 -> 99.8611...%
    assert report.measured == timedelta(days=30)
    assert report.downtime == timedelta(hours=1)
    assert report.availability == Fraction(3595, 36) == Fraction(719, 720) * 100
    assert report.rounded(2) == Decimal("99.86")
    assert report.target == Decimal("99.9")
    assert report.met is False
    assert report.credit == Decimal(10)          # below 99.9, not below 99.0
    # budget 0.1% of 30 days = 2,592 s = 43m12s; an hour used leaves -1,008 s = -16m48s
    assert report.budget == timedelta(minutes=43, seconds=12)
    assert report.budget_remaining == -timedelta(minutes=16, seconds=48)


def test_an_untouched_month_is_100_percent_met_with_no_credit(policy):
    report = policy.tier("standard").availability([], period=APRIL)
    assert report.availability == 100
    assert report.met is True
    assert report.credit == 0
    assert report.budget_remaining == report.budget == timedelta(minutes=43, seconds=12)


# ---- a public cloud compute SLA at each credit boundary -----------------------------------------

# Downtime that puts a 30-day month exactly on a threshold: (100 - X)% of 2,592,000 s.
AT_99_99 = "259.2"        # 0.01%
AT_99_0 = "25920"         # 1%     = 7h12m
AT_95_0 = "129600"        # 5%     = 36h
EPSILONS = [pytest.param(timedelta(microseconds=1), id="1us"), pytest.param(timedelta(seconds=1), id="1s")]


def compute_report(policy, sla, downtime: timedelta):
    return policy.tier("compute").availability(down_for(sla, downtime), period=APRIL)


@pytest.mark.parametrize(("downtime", "availability", "credit"), [
    (AT_99_99, Fraction(9999, 100), 0),
    (AT_99_0, Fraction(99), 10),
    (AT_95_0, Fraction(95), 30),
], ids=["exactly-99.99", "exactly-99.0", "exactly-95.0"])
def test_compute_sla_exactly_on_a_threshold_pays_the_row_above(policy, sla, downtime, availability, credit):
    report = compute_report(policy, sla, sla.seconds(downtime))
    assert report.availability == availability      # exactly on it, not a rounding of it
    assert report.credit == Decimal(credit)
    assert report.met is (availability == Fraction(9999, 100))


@pytest.mark.parametrize("epsilon", EPSILONS)
@pytest.mark.parametrize(("downtime", "threshold", "credit"), [
    (AT_99_99, Fraction(9999, 100), 10),
    (AT_99_0, Fraction(99), 30),
    (AT_95_0, Fraction(95), 100),
], ids=["below-99.99", "below-99.0", "below-95.0"])
def test_compute_sla_just_below_a_threshold_pays_that_row(policy, sla, downtime, threshold, credit, epsilon):
    report = compute_report(policy, sla, sla.seconds(downtime) + epsilon)
    assert threshold - Fraction(1, 10_000) < report.availability < threshold
    assert report.credit == Decimal(credit)
    assert report.met is False


def test_compute_sla_a_month_mostly_down_pays_100_percent(policy, sla):
    report = compute_report(policy, sla, timedelta(days=20))
    assert report.availability == Fraction(100, 3)   # 10 of 30 days up
    assert report.credit == Decimal(100)


# ---- `at or below` on a quarterly target ---------------------------------------------------------

# 2025-Q1 in UTC is 31 + 28 + 31 = 90 days = 7,776,000 s; 0.1% of it is 7,776 s = 2h9m36s.
Q1_BUDGET = timedelta(hours=2, minutes=9, seconds=36)


def test_quarterly_exactly_on_target_is_met_and_an_at_or_below_row_still_pays(policy, sla):
    report = policy.tier("quarterly").availability(down_for(sla, Q1_BUDGET, "2025-02-10"), period="2025-Q1")
    assert report.measured == timedelta(days=90)
    assert report.budget == Q1_BUDGET
    assert report.availability == Fraction(999, 10)
    assert report.met is True                         # met is "at or above the target"
    assert report.credit == Decimal(10)               # the row includes its threshold
    assert report.budget_remaining == timedelta(0)


def test_quarterly_a_second_inside_target_pays_nothing(policy, sla):
    report = policy.tier("quarterly").availability(
        down_for(sla, Q1_BUDGET - timedelta(seconds=1), "2025-02-10"), period="2025-Q1")
    assert report.availability > Fraction(999, 10)
    assert report.met is True
    assert report.credit == 0
    assert report.budget_remaining == timedelta(seconds=1)


# ---- cap --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("downtime", "availability", "credit"), [
    (timedelta(hours=72), Fraction(90), 50),                 # 100% row applies, capped at 50%
    (timedelta(hours=36) + timedelta(seconds=1), None, 50),  # just below 95%: 100% row, capped
    (timedelta(hours=36), Fraction(95), 25),                 # exactly 95%: the 25% row, under the cap
    (timedelta(hours=10), None, 25),
    (timedelta(hours=1), None, 10),
], ids=["90%", "just-below-95%", "95%", "98.6%", "99.86%"])
def test_cap_bounds_the_credit_and_only_when_it_binds(policy, sla, downtime, availability, credit):
    report = policy.tier("capped").availability(down_for(sla, downtime), period=APRIL)
    if availability is not None:
        assert report.availability == availability
    assert report.credit == Decimal(credit)


# ---- allowed downtime (error budget) per month -------------------------------------------------

BUDGETS = [
    # target tier, 30-day month (2,592,000 s), 31-day month (2,678,400 s)
    ("t99", "25920", "26784"),          # 7h12m, 7h26m24s
    ("t999", "2592", "2678.4"),         # 43m12s, 44m38.4s
    ("t9995", "1296", "1339.2"),        # 21m36s, 22m19.2s
    ("t9999", "259.2", "267.84"),       # 4m19.2s, 4m27.84s
    ("t99999", "25.92", "26.784"),      # 25.92s, 26.784s
]


@pytest.mark.parametrize(("tier", "april", "may"), BUDGETS, ids=[b[0] for b in BUDGETS])
def test_allowed_downtime_per_month_in_30_and_31_day_months(policy, sla, tier, april, may):
    terms = policy.tier(tier)
    assert terms.availability([], period=APRIL).budget == sla.seconds(april)
    assert terms.availability([], period=MAY).budget == sla.seconds(may)


def test_allowed_downtime_of_99_9_reads_as_the_published_figures(policy):
    terms = policy.tier("t999")
    assert terms.availability([], period=APRIL).budget == timedelta(minutes=43, seconds=12)
    assert terms.availability([], period=MAY).budget == timedelta(minutes=44, seconds=38, milliseconds=400)


def test_using_exactly_the_budget_is_met_with_nothing_left(policy, sla):
    report = policy.tier("t9999").availability(down_for(sla, sla.seconds(AT_99_99)), period=APRIL)
    assert report.met is True
    assert report.budget_remaining == timedelta(0)


@pytest.mark.parametrize(("period", "hours", "budget"), [
    ("2025-03", 743, timedelta(minutes=44, seconds=34, milliseconds=800)),   # 2,674.8 s
    ("2025-10", 745, timedelta(minutes=44, seconds=42)),                     # 2,682 s
    ("2025-05", 744, timedelta(minutes=44, seconds=38, milliseconds=400)),   # no change: 31 x 24 h
])
def test_london_dst_months_are_an_hour_short_or_long_and_so_is_the_budget(london, period, hours, budget):
    report = london.tier("standard").availability([], period=period)
    assert report.measured == timedelta(hours=hours)
    assert report.budget == budget
