"""Availability: what is measured — reporting periods in the policy timezone (day, ISO week, month,
quarter, year; DST-length months) and measurement windows (`during business_hours`)."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest

HOUR = timedelta(hours=1)
MIN = timedelta(minutes=1)
DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def utc_policy(sla, compile_policy):
    return compile_policy(sla.policy_text(
        """window business_hours {
  timezone "UTC"
  mon-fri 09:00-17:00
}
"""
        + sla.tier("plain", "availability 99.9% monthly")
        + sla.tier("office", "availability 99.5% monthly during business_hours", "exclude customer_caused")
        + "service api { offers plain, office }\n"))


@pytest.fixture(scope="module")
def london(sla, compile_policy):
    return compile_policy(sla.policy_text(
        sla.tier("plain", "availability 99.9% monthly") + "service api { offers plain }\n",
        timezone="Europe/London"))


# ---- period lengths ------------------------------------------------------------------------------

@pytest.mark.parametrize(("period", "length"), [
    ("2025-03-04", DAY),
    ("2025-W10", 7 * DAY),                 # Monday 3 March to Monday 10 March
    ("2025-03", 31 * DAY),
    ("2025-04", 30 * DAY),
    ("2025-02", 28 * DAY),
    ("2024-02", 29 * DAY),
    ("2025-Q1", 90 * DAY),
    ("2024-Q1", 91 * DAY),
    ("2025-Q4", 92 * DAY),
    ("2025", 365 * DAY),
    ("2024", 366 * DAY),
])
def test_utc_periods_measure_their_calendar_length(utc_policy, period, length):
    assert utc_policy.tier("plain").availability([], period=period).measured == length


@pytest.mark.parametrize(("period", "hours"), [
    ("2025-03-30", 23),                    # clocks go forward
    ("2025-10-26", 25),                    # clocks go back
    ("2025-03-29", 24),
    ("2025-W13", 167),                     # the week of 30 March
    ("2025-W43", 169),                     # the week of 26 October
    ("2025-03", 743),
    ("2025-10", 745),
    ("2025-Q1", 90 * 24 - 1),              # GMT 1 January to BST 1 April
    ("2025-Q4", 92 * 24 + 1),              # BST 1 October to GMT 1 January
    ("2025", 365 * 24),                    # both changes: back to 365 days
])
def test_london_periods_gain_or_lose_the_dst_hour(london, period, hours):
    assert london.tier("plain").availability([], period=period).measured == hours * HOUR


def test_an_hour_down_in_london_march_is_measured_against_743_hours(london, sla):
    report = london.tier("plain").availability([sla.outage("api", "2025-03-10T10:00:00", "2025-03-10T11:00:00")],
                                               period="2025-03", service="api")
    assert report.availability == Fraction(742, 743) * 100
    assert report.budget == timedelta(seconds=2674, milliseconds=800)


def test_an_hour_down_in_london_october_is_measured_against_745_hours(london, sla):
    report = london.tier("plain").availability([sla.outage("api", "2025-10-10T10:00:00", "2025-10-10T11:00:00")],
                                               period="2025-10", service="api")
    assert report.availability == Fraction(744, 745) * 100


# ---- an outage across period boundaries ----------------------------------------------------------

# 22:30-23:30 UTC on Monday 30 June 2025 is 23:30-00:30 BST: half on 30 June, half on 1 July in London.
@pytest.mark.parametrize(("period", "downtime"), [
    ("2025-06-30", 30 * MIN), ("2025-07-01", 30 * MIN),
    ("2025-06", 30 * MIN), ("2025-07", 30 * MIN),
    ("2025-Q2", 30 * MIN), ("2025-Q3", 30 * MIN),
    ("2025-W27", HOUR),                    # both halves in the same ISO week
    ("2025", HOUR),
    ("2025-07-02", timedelta(0)),
])
def test_periods_begin_at_local_midnight_in_the_policy_timezone(london, sla, period, downtime):
    outages = [sla.outage("api", "2025-06-30T22:30:00", "2025-06-30T23:30:00")]
    assert london.tier("plain").availability(outages, period=period, service="api").downtime == downtime


@pytest.mark.parametrize(("period", "downtime"), [
    ("2025-W01", 2 * HOUR),                # ISO week 1 of 2025 starts on Monday 30 December 2024
    ("2024", 2 * HOUR),
    ("2025", timedelta(0)),
    ("2024-12", 2 * HOUR),
])
def test_iso_week_one_can_start_in_the_previous_year(utc_policy, sla, period, downtime):
    outages = [sla.outage("api", "2024-12-31T10:00:00", "2024-12-31T12:00:00")]
    assert utc_policy.tier("plain").availability(outages, period=period, service="api").downtime == downtime


def test_an_outage_across_a_month_end_counts_in_each_month(utc_policy, sla):
    outages = [sla.outage("api", "2025-03-31T23:00:00", "2025-04-01T01:00:00")]
    terms = utc_policy.tier("plain")
    assert terms.availability(outages, period="2025-03", service="api").downtime == HOUR
    assert terms.availability(outages, period="2025-04", service="api").downtime == HOUR


@pytest.mark.parametrize("name", ["2025-13", "2025-W53", "2025-Q5", "25-03", "March 2025", "2025-02-30"])
def test_a_bad_period_name_is_an_error_that_says_how_to_write_one(utc_policy, name):
    with pytest.raises(ValueError, match="2025-W10"):
        utc_policy.tier("plain").availability([], period=name)


@pytest.mark.parametrize("name", ["2019-12", "2041-01", "2041"])
def test_a_period_outside_the_policy_horizon_is_an_error_not_a_guess(utc_policy, name):
    from slalang import InstantError

    with pytest.raises(InstantError, match="horizon"):
        utc_policy.tier("plain").availability([], period=name)


# ---- measurement window -----------------------------------------------------------------------

# April 2025 has 22 weekdays (1 April is a Tuesday): M = 22 x 8 h = 176 h = 633,600 s.
OFFICE_MONTH = 176 * HOUR


def office(utc_policy, outages):
    return utc_policy.tier("office").availability(outages, period="2025-04", service="api")


def test_measured_time_is_the_open_time_of_the_window_in_the_period(utc_policy):
    report = office(utc_policy, [])
    assert report.measured == OFFICE_MONTH
    assert report.budget == timedelta(minutes=52, seconds=48)      # 0.5% of 633,600 s = 3,168 s


def test_downtime_outside_the_measurement_window_does_not_count(utc_policy, sla):
    outages = [
        sla.outage("api", "2025-04-05T10:00:00", "2025-04-05T12:00:00"),   # Saturday: 0
        sla.outage("api", "2025-04-08T16:00:00", "2025-04-08T18:00:00"),   # Tuesday: 16-17 counts
        sla.outage("api", "2025-04-08T17:00:00", "2025-04-09T10:00:00"),   # overnight: 09-10 counts
        sla.outage("api", "2025-04-10T06:00:00", "2025-04-10T08:59:59"),   # before opening: 0
    ]
    report = office(utc_policy, outages)
    assert report.downtime == 2 * HOUR
    assert report.availability == Fraction(174, 176) * 100


def test_measurement_window_availability_against_its_target(utc_policy, sla):
    # 2 h down in 176 open hours: 174 / 176 = 98.8636...% < 99.5%: missed; budget 3,168 s overrun by 4,032 s
    outages = [sla.outage("api", "2025-04-08T15:00:00", "2025-04-08T17:00:00")]
    report = office(utc_policy, outages)
    assert report.availability == Fraction(2175, 22)
    assert report.met is False
    assert report.budget_remaining == -timedelta(seconds=4032)
    # 50 minutes is within the budget of 52m48s
    report = office(utc_policy, [sla.outage("api", "2025-04-08T16:10:00", "2025-04-08T17:00:00")])
    assert report.met is True
    assert report.budget_remaining == timedelta(minutes=2, seconds=48)


def test_impact_weighting_inside_a_measurement_window(utc_policy, sla):
    outages = [sla.outage("api", "2025-04-08T16:00:00", "2025-04-08T18:00:00", impact=0.5)]
    assert office(utc_policy, outages).downtime == 30 * MIN


def test_excluded_time_outside_the_measurement_window_is_not_reported_as_excluded(utc_policy, sla):
    outages = [sla.outage("api", "2025-04-05T10:00:00", "2025-04-05T12:00:00", tags=["customer_caused"])]
    assert office(utc_policy, outages).excluded == timedelta(0)     # a Saturday; reported as 2:00:00
