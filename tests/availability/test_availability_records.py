"""Availability: malformed outage records are rejected by Terms.availability with a RecordError
that says what is wrong (SPEC §7); well-formed ones in any offset or as aware datetimes agree."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from slalang import RecordError

GOOD = {"service": "api", "start": "2025-04-10T10:00:00Z", "end": "2025-04-10T11:00:00Z"}


@pytest.fixture(scope="module")
def terms(sla, compile_policy):
    policy = compile_policy(sla.policy_text(sla.tier("plain", "availability 99.9% monthly")
                                            + "service api { offers plain }\n"))
    return policy.tier("plain")


def availability(terms, **changes):
    record = {**GOOD, **changes}
    return terms.availability([record], period="2025-04", service="api")


@pytest.mark.parametrize(("changes", "message"), [
    ({"end": "2025-04-10T09:59:59Z"}, r"end 2025-04-10T09:59:59Z is before start 2025-04-10T10:00:00Z"),
    ({"service": "apii"}, r'unknown service "apii"'),
    ({"start": "2025-04-10T10:00:00"}, r"start '2025-04-10T10:00:00' has no offset"),
    ({"end": datetime(2025, 4, 10, 11)}, r"end 2025-04-10T11:00:00 has no timezone offset"),
    ({"announced": "2025-04-01T09:00"}, r"announced .* has no offset"),
    ({"start": "last tuesday"}, r"start 'last tuesday' is not an ISO 8601 instant"),
    ({"impact": 1.5}, r'"impact" must be between 0 and 1, got 1.5'),
    ({"impact": -0.1}, r'"impact" must be between 0 and 1, got -0.1'),
    ({"impact": "half"}, r'"impact" .*half.* is not a number'),
    ({"service": None}, r'missing "service"'),
], ids=["end-before-start", "unknown-service", "naive-string", "naive-datetime", "naive-announced",
        "not-an-instant", "impact-over-1", "impact-negative", "impact-text", "no-service"])
def test_a_malformed_outage_is_a_record_error_that_says_why(terms, changes, message):
    with pytest.raises(RecordError, match=message):
        availability(terms, **changes)


def test_a_malformed_record_among_good_ones_still_rejects_the_call(terms):
    with pytest.raises(RecordError, match="unknown service"):
        terms.availability([GOOD, {**GOOD, "service": "nope"}], period="2025-04", service="api")


@pytest.mark.parametrize("impact", [float("nan"), "NaN"], ids=["float-nan", "text-nan"])
def test_an_impact_of_nan_is_a_record_error(terms, impact):
    with pytest.raises(RecordError, match="impact"):
        availability(terms, impact=impact)


@pytest.mark.parametrize("impact", [0, 1, 0.5, "0.25"])
def test_impacts_within_zero_and_one_are_accepted(terms, impact):
    availability(terms, impact=impact)


def test_an_end_equal_to_start_is_accepted_and_counts_nothing(terms):
    assert availability(terms, end=GOOD["start"]).downtime == timedelta(0)


def test_instants_in_any_offset_or_as_aware_datetimes_mean_the_same_outage(terms):
    plus2 = timezone(timedelta(hours=2))
    as_offset = availability(terms, start="2025-04-10T12:00:00+02:00", end="2025-04-10T13:00:00+02:00")
    as_datetimes = availability(terms, start=datetime(2025, 4, 10, 12, tzinfo=plus2),
                                end=datetime(2025, 4, 10, 11, tzinfo=timezone.utc))
    assert as_offset.downtime == as_datetimes.downtime == availability(terms).downtime == timedelta(hours=1)
