"""Availability: what counts as downtime — exclusion categories and windows (with notice), short
outages ignored, overlaps merged, impact weighting (SPEC §5, rules 1-5 of runtime/availability.py).

The policy is in UTC; the excluded window `maint` is Sunday 02:00-04:00 UTC. The period is
April 2025 (30 days; Sundays the 6th, 13th, 20th and 27th) unless a test says otherwise.
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest

APRIL = "2025-04"
MONTH = 30 * 86_400
HOUR = timedelta(hours=1)
MIN = timedelta(minutes=1)
S = timedelta(seconds=1)


@pytest.fixture(scope="module")
def policy(sla, compile_policy):
    return compile_policy(sla.policy_text(
        """window maint {
  timezone "UTC"
  sun 02:00-04:00
}

window nightly {
  timezone "UTC"
  mon-sun 02:00-04:00
}

window freeze {
  timezone "UTC"
  2025-04-01T00:00..2025-04-20T00:00
}

window london_maint {
  timezone "Europe/London"
  sun 01:00-03:00
}
"""
        + sla.tier("plain", "availability 99.9% monthly")
        + sla.tier("categories", "availability 99.9% monthly", "exclude customer_caused")
        + sla.tier("maint_any", "availability 99.9% monthly", "exclude maint")
        + sla.tier("maint_notice", "availability 99.9% monthly", "exclude maint with notice 72h, customer_caused")
        + sla.tier("nightly_notice", "availability 99.9% monthly", "exclude nightly with notice 1d")
        + sla.tier("freeze_notice", "availability 99.9% monthly", "exclude freeze with notice 72h")
        + sla.tier("london_maint", "availability 99.9% monthly", "exclude london_maint")
        + sla.tier("blips", "availability 99.9% monthly", "ignore outages under 1m")
        + sla.tier("blips_maint", "availability 99.9% monthly", "exclude maint", "ignore outages under 1m")
        + "service api { offers plain, categories, maint_any, maint_notice, nightly_notice, freeze_notice, london_maint, blips, blips_maint }\n"
        + "service web { offers plain }\n"))


def report(policy, tier, outages, period=APRIL):
    return policy.tier(tier).availability(outages, period=period, service="api")


def one(sla, start, end, **fields):
    return [sla.outage("api", start, end, **fields)]


# ---- rule 1: excluded categories -----------------------------------------------------------------

def test_an_outage_tagged_with_an_excluded_category_is_excluded_entirely(policy, sla):
    r = report(policy, "categories", one(sla, "2025-04-10T10:00:00", "2025-04-10T13:00:00", tags=["customer_caused"]))
    assert r.downtime == timedelta(0)
    assert r.excluded == 3 * HOUR
    assert r.availability == 100


def test_a_tag_the_terms_do_not_exclude_still_counts(policy, sla):
    outages = one(sla, "2025-04-10T10:00:00", "2025-04-10T11:00:00", tags=["force_majeure", "planned"])
    r = report(policy, "categories", outages)
    assert r.downtime == HOUR
    assert r.excluded == timedelta(0)
    # ... and under terms with no exclusions even the excluded tag counts
    assert report(policy, "plain", one(sla, "2025-04-10T10:00:00", "2025-04-10T11:00:00",
                                       tags=["customer_caused"])).downtime == HOUR


def test_an_excluded_outage_does_not_hide_an_overlapping_counted_one(policy, sla):
    outages = (one(sla, "2025-04-10T10:00:00", "2025-04-10T12:00:00", tags=["customer_caused"])
               + one(sla, "2025-04-10T11:00:00", "2025-04-10T11:30:00"))
    assert report(policy, "categories", outages).downtime == 30 * MIN


# ---- rule 2: excluded windows, with and without notice ------------------------------------------

def test_outage_inside_a_maintenance_occurrence_is_excluded_without_a_notice_rule(policy, sla):
    r = report(policy, "maint_any", one(sla, "2025-04-06T02:30:00", "2025-04-06T03:30:00"))
    assert r.downtime == timedelta(0)
    assert r.excluded == HOUR


def test_the_same_hour_outside_the_maintenance_window_counts(policy, sla):
    r = report(policy, "maint_any", one(sla, "2025-04-07T02:30:00", "2025-04-07T03:30:00"))  # a Monday
    assert r.downtime == HOUR
    assert r.excluded == timedelta(0)


@pytest.mark.parametrize(("start", "end", "counted", "excluded"), [
    ("2025-04-06T01:30:00", "2025-04-06T02:30:00", 30 * MIN, 30 * MIN),          # across the opening edge
    ("2025-04-06T03:45:00", "2025-04-06T04:15:00", 15 * MIN, 15 * MIN),          # across the closing edge
    ("2025-04-06T01:00:00", "2025-04-06T05:00:00", 2 * HOUR, 2 * HOUR),          # around the whole occurrence
    ("2025-04-05T23:00:00", "2025-04-13T03:00:00", 7 * 24 * HOUR + 4 * HOUR - 3 * HOUR, 3 * HOUR),  # two Sundays
], ids=["opening-edge", "closing-edge", "around", "two-occurrences"])
def test_only_the_part_of_an_outage_inside_an_occurrence_is_excluded(policy, sla, start, end, counted, excluded):
    r = report(policy, "maint_any", one(sla, start, end))
    assert r.downtime == counted
    assert r.excluded == excluded


# The 6 April occurrence starts 2025-04-06T02:00Z; 72h before it is 2025-04-03T02:00Z.
@pytest.mark.parametrize(("announced", "excluded"), [
    ("2025-04-03T02:00:00Z", True),                 # exactly 72h before the occurrence: notice given
    ("2025-04-01T09:00:00Z", True),                 # well before
    ("2025-04-03T02:00:01Z", False),                # one second short
    ("2025-04-03T02:30:00Z", False),                # 72h before the outage began, but not the occurrence
    (None, False),                                  # never announced
], ids=["exactly-72h", "earlier", "1s-short", "72h-before-outage-only", "unannounced"])
def test_notice_is_measured_from_the_occurrence_start(policy, sla, announced, excluded):
    fields = {} if announced is None else {"announced": announced}
    r = report(policy, "maint_notice", one(sla, "2025-04-06T02:30:00", "2025-04-06T03:30:00", **fields))
    assert r.downtime == (timedelta(0) if excluded else HOUR)
    assert r.excluded == (HOUR if excluded else timedelta(0))


def test_notice_is_judged_per_occurrence(policy, sla):
    # Nightly 02:00-04:00, notice 1d. Announced 2025-04-09T03:00Z: 23h before the 10th's
    # occurrence (too late), 47h before the 11th's (in time). The outage covers both nights.
    outages = one(sla, "2025-04-10T01:00:00", "2025-04-11T05:00:00", announced="2025-04-09T03:00:00Z")
    r = report(policy, "nightly_notice", outages)
    assert r.excluded == 2 * HOUR
    assert r.downtime == 28 * HOUR - 2 * HOUR


# A 19-day dated occurrence from 2025-04-01T00:00Z: notice counts from its start, weeks before the outage.
@pytest.mark.parametrize(("announced", "excluded"), [
    ("2025-03-29T00:00:00Z", True), ("2025-03-29T00:00:01Z", False), ("2025-04-10T00:00:00Z", False),
], ids=["exactly-72h", "1s-short", "during-the-occurrence"])
def test_notice_counts_from_the_start_of_a_long_occurrence(policy, sla, announced, excluded):
    r = report(policy, "freeze_notice", one(sla, "2025-04-15T00:00:00", "2025-04-15T01:00:00", announced=announced))
    assert r.downtime == (timedelta(0) if excluded else HOUR)


@pytest.mark.parametrize(("start", "end", "period", "excluded", "counted"), [
    # sun 01:00-03:00 London on 30 March: 01:00 is in the gap, so 02:00 BST (01:00Z) to 03:00 BST (02:00Z)
    ("2025-03-30T00:00:00", "2025-03-30T03:00:00", "2025-03", HOUR, 2 * HOUR),
    # on 26 October: the first 01:00 (BST, 00:00Z) to 03:00 GMT (03:00Z), three hours
    ("2025-10-26T00:00:00", "2025-10-26T04:00:00", "2025-10", 3 * HOUR, HOUR),
], ids=["spring-forward", "fall-back"])
def test_an_excluded_window_in_another_zone_follows_its_dst(policy, sla, start, end, period, excluded, counted):
    r = report(policy, "london_maint", one(sla, start, end), period=period)
    assert r.excluded == excluded
    assert r.downtime == counted


def test_notice_rule_and_category_rule_are_independent(policy, sla):
    # maint_notice also excludes customer_caused: an unannounced customer-caused outage is excluded
    r = report(policy, "maint_notice", one(sla, "2025-04-06T02:30:00", "2025-04-06T03:30:00",
                                           tags=["customer_caused"]))
    assert r.downtime == timedelta(0)


# ---- rule 4: ignore outages under D ------------------------------------------------------------

@pytest.mark.parametrize(("outages", "downtime"), [
    ([("10:00:00", "10:00:59")], timedelta(0)),                               # 59 s: dropped
    ([("10:00:00", "10:01:00")], MIN),                                        # exactly 1 m: not "under"
    ([("10:00:00", "10:00:40"), ("10:00:40", "10:01:20")], 80 * S),           # touching: one 80 s outage
    ([("10:00:00", "10:00:50"), ("10:00:20", "10:01:10")], 70 * S),           # overlapping: one 70 s outage
    ([("10:00:00", "10:00:40"), ("10:00:41", "10:01:21")], timedelta(0)),     # 1 s apart: two blips
    ([("10:00:00", "10:00:30"), ("11:00:00", "12:00:00")], HOUR),             # the long one stays
], ids=["59s", "60s", "touching", "overlapping", "apart", "mixed"])
def test_merged_outages_shorter_than_the_threshold_are_dropped(policy, sla, outages, downtime):
    records = [sla.outage("api", f"2025-04-10T{a}", f"2025-04-10T{b}") for a, b in outages]
    assert report(policy, "blips", records).downtime == downtime


def test_a_blip_straddling_the_period_start_is_judged_by_its_whole_length(policy, sla):
    kept = one(sla, "2025-03-31T23:59:30", "2025-04-01T00:00:30")      # 60 s in all, 30 s in April
    dropped = one(sla, "2025-03-31T23:59:40", "2025-04-01T00:00:30")   # 50 s in all
    assert report(policy, "blips", kept).downtime == 30 * S
    assert report(policy, "blips", dropped).downtime == timedelta(0)


def test_touching_blips_of_different_impact_merge_before_the_threshold(policy, sla):
    records = [sla.outage("api", "2025-04-10T10:00:00", "2025-04-10T10:00:40", impact=0.5),
               sla.outage("api", "2025-04-10T10:00:40", "2025-04-10T10:01:20", impact=1)]
    assert report(policy, "blips", records).downtime == 20 * S + 40 * S


def test_the_threshold_applies_after_exclusions(policy, sla):
    # 90 s, of which 60 s fall inside the maintenance occurrence: the 30 s left is a blip.
    # (Rule order of runtime/availability.py: exclusions (2) before `ignore outages under` (4).)
    r = report(policy, "blips_maint", one(sla, "2025-04-06T01:59:30", "2025-04-06T02:01:00"))
    assert r.downtime == timedelta(0)
    assert r.excluded == MIN


# ---- rules 3/5: overlaps merged, impact weighting ----------------------------------------------

@pytest.mark.parametrize(("outages", "downtime"), [
    ([("10:00", "11:00"), ("10:30", "11:30")], 90 * MIN),        # overlapping: counted once
    ([("10:00", "11:00"), ("10:00", "11:00")], HOUR),            # the same outage reported twice
    ([("10:00", "12:00"), ("10:30", "11:00")], 2 * HOUR),        # nested
    ([("10:00", "11:00"), ("11:00", "12:00")], 2 * HOUR),        # touching
    ([("10:00", "11:00"), ("12:00", "13:00")], 2 * HOUR),        # apart
], ids=["overlap", "duplicate", "nested", "touching", "apart"])
def test_overlapping_outages_are_merged(policy, sla, outages, downtime):
    records = [sla.outage("api", f"2025-04-10T{a}:00", f"2025-04-10T{b}:00") for a, b in outages]
    r = report(policy, "plain", records)
    assert r.downtime == downtime
    assert r.availability == 100 * (1 - Fraction(downtime // S, MONTH))


def test_the_largest_impact_at_each_instant_weighs_the_downtime(policy, sla):
    # 0.5 from 10:00 to 12:00, 1.0 from 11:00 to 11:30:
    # 10:00-11:00 at 0.5 (30 m) + 11:00-11:30 at 1.0 (30 m) + 11:30-12:00 at 0.5 (15 m) = 75 m
    records = [sla.outage("api", "2025-04-10T10:00:00", "2025-04-10T12:00:00", impact=0.5),
               sla.outage("api", "2025-04-10T11:00:00", "2025-04-10T11:30:00", impact=1.0)]
    r = report(policy, "plain", records)
    assert r.downtime == 75 * MIN
    assert r.availability == 100 * Fraction(MONTH - 4500, MONTH)


@pytest.mark.parametrize(("impacts", "downtime"), [
    ((0.5, 0.5), 30 * MIN),          # the largest, not the sum
    ((0.25,), 15 * MIN),
    ((0.1,), 6 * MIN),               # decimal 0.1 exactly, not the float's binary expansion
    (("0.3", 0.2), 18 * MIN),
    ((0,), timedelta(0)),
], ids=["0.5+0.5", "0.25", "0.1", "0.3|0.2", "0"])
def test_partial_impact_weighs_an_hour(policy, sla, impacts, downtime):
    records = [sla.outage("api", "2025-04-10T10:00:00", "2025-04-10T11:00:00", impact=i) for i in impacts]
    assert report(policy, "plain", records).downtime == downtime


def test_other_services_outages_do_not_count(policy, sla):
    records = [sla.outage("web", "2025-04-10T10:00:00", "2025-04-10T11:00:00")]
    assert report(policy, "plain", records).downtime == timedelta(0)


# ---- bugs found ---------------------------------------------------------------------------------

def test_excluded_time_is_counted_inside_the_period_only(sla, compile_policy):
    policy = compile_policy(sla.policy_text(
        sla.tier("t", "availability 99.9% monthly", "exclude customer_caused", "ignore outages under 1m")
        + "service api { offers t }\n"))
    outages = one(sla, "2025-03-31T23:00:00", "2025-04-01T01:00:00", tags=["customer_caused"])
    assert report(policy, "t", outages).excluded == HOUR     # reported as 1:01:00


def test_overlapping_excluded_outages_are_excluded_once(policy, sla):
    outages = (one(sla, "2025-04-10T10:00:00", "2025-04-10T11:00:00", tags=["customer_caused"])
               + one(sla, "2025-04-10T10:00:00", "2025-04-10T11:00:00", tags=["customer_caused"]))
    assert report(policy, "categories", outages).excluded == HOUR     # reported as 2:00:00
