"""Availability with dependencies (SPEC §5): serial dependencies count, a redundant group counts
only while every member is down, transitively, and only when asked for.

    front ──> api ──> db                     (serial)
               └──> any of cdn_eu, cdn_us     (redundant)
    portal ──> api, db                        (a diamond: db reached twice)
"""

from __future__ import annotations

from datetime import timedelta

import pytest

APRIL = "2025-04"
HOUR = timedelta(hours=1)
MIN = timedelta(minutes=1)
NONE = timedelta(0)


@pytest.fixture(scope="module")
def policy(sla, compile_policy):
    return compile_policy(sla.policy_text(
        sla.tier("core", "availability 99.9% monthly", "exclude customer_caused")
        + sla.tier("end_to_end", "availability 99.9% monthly including dependencies")
        + """
service db { offers core }
service cdn_eu { offers core }
service cdn_us { offers core }
service api {
  offers core, end_to_end
  depends on db
  depends on any of cdn_eu, cdn_us
}
service front {
  offers core
  depends on api
}
service portal {
  offers core
  depends on api, db
}

customer acme {
  contract api end_to_end from 2025-01-01
}
"""))


def downtime(policy, service, outages, include_dependencies=True, tier="core"):
    report = policy.tier(tier).availability(outages, period=APRIL, service=service,
                                            include_dependencies=include_dependencies)
    return report.downtime


def down(sla, service, start, end, **fields):
    return sla.outage(service, f"2025-04-10T{start}:00", f"2025-04-10T{end}:00", **fields)


# ---- serial ---------------------------------------------------------------------------------------

def test_a_serial_dependency_counts_only_when_dependencies_are_included(policy, sla):
    outages = [down(sla, "db", "10:00", "11:00")]
    assert downtime(policy, "api", outages, include_dependencies=True) == HOUR
    assert downtime(policy, "api", outages, include_dependencies=False) == NONE
    assert downtime(policy, "api", outages, include_dependencies=None) == NONE   # tier `core` does not ask


def test_own_and_dependency_outages_overlapping_count_once(policy, sla):
    outages = [down(sla, "api", "10:00", "11:00"), down(sla, "db", "10:30", "11:30")]
    assert downtime(policy, "api", outages) == 90 * MIN
    assert downtime(policy, "api", outages, include_dependencies=False) == HOUR


def test_a_dependency_does_not_see_its_consumers_outages(policy, sla):
    assert downtime(policy, "db", [down(sla, "api", "10:00", "11:00")]) == NONE


def test_including_dependencies_in_the_tier_is_the_default_and_the_flag_overrides_it(policy, sla):
    outages = [down(sla, "db", "10:00", "11:00")]
    assert downtime(policy, "api", outages, include_dependencies=None, tier="end_to_end") == HOUR
    assert downtime(policy, "api", outages, include_dependencies=False, tier="end_to_end") == NONE


def test_a_contract_with_dependencies_included_measures_its_own_service_end_to_end(policy, sla):
    terms = policy.terms_for_period("acme", "api", APRIL)
    report = terms.availability([down(sla, "db", "10:00", "11:00"), down(sla, "front", "12:00", "13:00")],
                                period=APRIL)
    assert report.service == "api"
    assert report.downtime == HOUR            # db counts; front (a consumer of api) does not


def test_a_dependency_outage_keeps_its_impact(policy, sla):
    assert downtime(policy, "api", [down(sla, "db", "10:00", "11:00", impact=0.5)]) == 30 * MIN


def test_a_dependency_outage_tagged_with_an_excluded_category_is_excluded(policy, sla):
    assert downtime(policy, "api", [down(sla, "db", "10:00", "11:00", tags=["customer_caused"])]) == NONE


# ---- redundant -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("eu", "us", "expected"), [
    (("10:00", "12:00"), ("11:00", "13:00"), HOUR),          # down together 11:00-12:00 only
    (("10:00", "12:00"), ("10:00", "12:00"), 2 * HOUR),      # down together throughout
    (("10:00", "11:00"), ("12:00", "13:00"), NONE),          # down apart: the other one serves
    (("10:00", "11:00"), ("11:00", "12:00"), NONE),          # back to back: never both down
    (("10:00", "13:00"), None, NONE),                        # one member down alone
], ids=["overlap", "together", "apart", "back-to-back", "one"])
def test_a_redundant_group_counts_only_while_every_member_is_down(policy, sla, eu, us, expected):
    outages = [down(sla, "cdn_eu", *eu)] + ([down(sla, "cdn_us", *us)] if us else [])
    assert downtime(policy, "api", outages) == expected
    assert downtime(policy, "api", outages, include_dependencies=False) == NONE


def test_a_redundant_group_down_together_weighs_by_the_smallest_impact(policy, sla):
    # module docstring rule 3: impacts combine by the smallest across a redundant group
    outages = [down(sla, "cdn_eu", "10:00", "11:00", impact=0.5), down(sla, "cdn_us", "10:00", "11:00")]
    assert downtime(policy, "api", outages) == 30 * MIN


# ---- transitive ----------------------------------------------------------------------------------

def test_dependencies_are_transitive(policy, sla):
    outages = [down(sla, "db", "10:00", "11:00")]
    assert downtime(policy, "front", outages) == HOUR                       # front -> api -> db
    assert downtime(policy, "front", outages, include_dependencies=False) == NONE


def test_a_redundant_group_behind_a_serial_dependency_is_transitive_too(policy, sla):
    outages = [down(sla, "cdn_eu", "10:00", "12:00"), down(sla, "cdn_us", "11:00", "13:00")]
    assert downtime(policy, "front", outages) == HOUR


def test_a_dependency_reached_twice_counts_once(policy, sla):
    outages = [down(sla, "db", "10:00", "11:00")]                            # portal -> db and portal -> api -> db
    assert downtime(policy, "portal", outages) == HOUR


def test_every_level_of_the_chain_merges_into_one_union(policy, sla):
    outages = [down(sla, "front", "09:00", "10:00"), down(sla, "api", "09:30", "10:30"),
               down(sla, "db", "10:15", "11:00"), down(sla, "cdn_eu", "12:00", "13:00"),
               down(sla, "cdn_us", "12:30", "14:00")]
    # 09:00-11:00 from the serial chain, 12:30-13:00 from the redundant pair
    assert downtime(policy, "front", outages) == 2 * HOUR + 30 * MIN
