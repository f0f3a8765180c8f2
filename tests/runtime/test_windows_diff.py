"""Runtime windows: differential test against the `businesstimedelta` package.

businesstimedelta works on aware datetimes with pytz zones: a `WorkDayRule` localizes the
working hours of each local date and a `HolidayRule` removes whole local days, which is the
same model as a slalang window with weekly hours and holidays. Both are compared on random
whole-second instants, in Europe/London so that DST changes fall inside the range.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

btd = pytest.importorskip("businesstimedelta")
pytz = pytest.importorskip("pytz")

from slalang.runtime.windows import WindowSet  # noqa: E402

ZONE = "Europe/London"
# GB-ENG bank holidays, written out by hand; 2026 too, because businesstimedelta looks for the
# *next* holiday from any date and fails when there is none within five years
HOLIDAYS = [
    "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25",
    "2025-12-25", "2025-12-26", "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04",
    "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
]  # fmt: skip
START_2025 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def rules():
    zone = pytz.timezone(ZONE)
    working = btd.WorkDayRule(start_time=dt.time(9), end_time=dt.time(17), working_days=[0, 1, 2, 3, 4], tz=zone)
    holidays = btd.HolidayRule([dt.date.fromisoformat(d) for d in HOLIDAYS], tz=zone)
    return btd.Rules([working, holidays])


@pytest.fixture(scope="module")
def window():
    ir = {
        "timezone": ZONE,
        "weekly": [[day, 9 * 3600, 17 * 3600] for day in range(5)],
        "holidays": [{"region": "GB-ENG", "days": {d: "bank holiday" for d in HOLIDAYS}}],
    }
    return WindowSet({"office": ir}, (2024, 2027)).get("office")


def _random_pairs(seed: int, count: int, max_days: int):
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        start = START_2025 + dt.timedelta(seconds=rng.randrange(365 * 86400))
        # mostly spans of a few days (businesstimedelta walks them day by day), some long ones
        days = rng.randrange(max_days) if rng.random() < 0.95 else rng.randrange(120)
        pairs.append((start, start + dt.timedelta(days=days, seconds=rng.randrange(86400))))
    return pairs


def _on_the_hour(pairs):
    # opening and closing instants exactly: the edges where off-by-one errors live
    return [(a.replace(minute=0, second=0), b.replace(minute=0, second=0)) for a, b in pairs]


def test_open_time_agrees_with_businesstimedelta(rules, window):
    pairs = _random_pairs(seed=7, count=2000, max_days=15) + _on_the_hour(_random_pairs(seed=8, count=300, max_days=10))
    mismatches = []
    for a, b in pairs:
        theirs = rules.difference(a, b).timedelta
        ours = window.open_time(a, b)
        if int(ours.total_seconds()) != int(theirs.total_seconds()):
            mismatches.append((a.isoformat(), b.isoformat(), ours, theirs))
    assert mismatches == []


def test_deadlines_agree_with_businesstimedelta(rules, window):
    rng = random.Random(11)
    mismatches = []
    for a, _ in _random_pairs(seed=12, count=600, max_days=1) + _on_the_hour(_random_pairs(seed=13, count=200, max_days=1)):
        # a positive amount: businesstimedelta returns the next opening for zero, slalang the start
        amount = dt.timedelta(seconds=rng.randrange(1, 5 * 8 * 3600))
        if rng.random() < 0.3:
            amount = dt.timedelta(hours=rng.randrange(1, 40))  # whole hours end exactly at closings
        theirs = a + btd.BusinessTimeDelta(rules, timedelta=amount)
        ours = window.add(a, amount)
        if ours != theirs:
            mismatches.append((a.isoformat(), amount, ours, theirs))
    assert mismatches == []
