"""The pieces a document is made of: goals in words, weekly hours, credit bands, downtime per period."""

from __future__ import annotations

import pytest

from slalang.docs import wording as w
from slalang.docs.credits import bands
from slalang.docs.downtime import periods_of_year
from slalang.docs.schedule import weekly_lines

H = 3600


@pytest.mark.parametrize("seconds, days, text", [
    (900, True, "15 minutes"), (3600, True, "1 hour"), (5400, True, "1 hour 30 minutes"),
    (86400, True, "24 hours"), (259200, True, "3 days"), (259200, False, "72 hours"), (30, True, "30 seconds"),
])
def test_goal_words(seconds: int, days: bool, text: str) -> None:
    assert w.goal(seconds, days=days) == text


def test_every_span_and_notice() -> None:
    assert w.every(3600) == "every hour"
    assert w.every(1800) == "every 30 minutes"
    assert w.every(4 * H) == "every 4 hours"
    assert w.span(2678) == "44 min 38 s"
    assert w.span(3600) == "1 h"
    assert w.span(93600) == "1 day 2 h"
    assert w.notice(72 * H) == "72 hours"
    assert w.notice(14 * 86400) == "14 days"


@pytest.mark.parametrize("weekly, lines", [
    ([[d, 9 * H, 17 * H + 1800] for d in range(5)], ["Monday–Friday 09:00–17:30"]),
    ([[d, 8 * H, 18 * H] for d in range(5)] + [[5, 9 * H, 13 * H]],
     ["Monday–Friday 08:00–18:00", "Saturday 09:00–13:00"]),
    ([[5, 23 * H, 27 * H]], ["Saturday 23:00 to Sunday 03:00"]),
    ([[d, 22 * H, 30 * H] for d in range(5)], ["Monday–Friday 22:00–06:00 (overnight)"]),
    ([[6, 22 * H, 26 * H]], ["Sunday 22:00 to Monday 02:00"]),                     # across the week's end
    ([[0, 10 * H, 24 * H]] + [[d, 0, 24 * H] for d in range(1, 5)], ["Monday 10:00 to Friday 24:00"]),
    ([[0, 9 * H, 12 * H], [0, 13 * H, 17 * H], [2, 9 * H, 12 * H], [2, 13 * H, 17 * H]],
     ["Monday and Wednesday 09:00–12:00 and 13:00–17:00"]),
])
def test_weekly_hours_in_words(weekly, lines) -> None:
    assert weekly_lines(weekly) == (False, lines)


def test_a_full_week_is_round_the_clock() -> None:
    assert weekly_lines([[d, 0, 24 * H] for d in range(7)]) == (True, [])


def _rows(*rows):
    return [{"threshold": t, "inclusive": inc, "credit": c} for t, inc, c in rows]


def test_credit_bands_from_the_largest_credit_rule() -> None:
    table = {"rows": _rows(("99.95", False, "10"), ("99.9", False, "25"), ("99.0", False, "50"),
                           ("95.0", True, "100")), "cap": None}
    assert [(b.range, b.credit) for b in bands(table)] == [
        ("99.95% or higher", "0"),
        ("At least 99.9% but below 99.95%", "10"),
        ("At least 99.0% but below 99.9%", "25"),
        ("Above 95.0% but below 99.0%", "50"),
        ("95.0% or lower", "100"),
    ]


def test_credit_bands_hold_for_unordered_rows_and_apply_the_cap() -> None:
    table = {"rows": _rows(("99.0", False, "25"), ("99.9", True, "10"), ("98.0", False, "20")), "cap": "15"}
    result = [(b.range, b.credit, b.capped) for b in bands(table)]
    assert result == [
        ("Above 99.9%", "0", False),
        ("At least 99.0% but up to and including 99.9%", "10", False),   # 99.0 itself: not below 99.0
        ("Below 99.0%", "15", True),          # 25 (and 20 below 98.0) bounded by the cap
    ]


def test_no_credits_no_bands() -> None:
    assert bands(None) == [] and bands({"rows": [], "cap": None}) == []


def test_periods_of_a_year() -> None:
    assert len(periods_of_year("monthly", 2025, "Europe/London")) == 12
    assert len(periods_of_year("weekly", 2026, "UTC")) == 53          # 2026 has an ISO week 53
    assert len(periods_of_year("daily", 2024, "UTC")) == 366
    march = periods_of_year("monthly", 2025, "Europe/London")[2]
    assert (march.end - march.start) // 10**6 == 743 * H
