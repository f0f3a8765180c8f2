"""Runtime stage: reporting periods (SPEC §5) — calendar periods in the policy timezone, named and bounded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from slalang.runtime.errors import SlalangError
from slalang.runtime.records import EPOCH, US
from slalang.runtime.tz import localize

KINDS = ("daily", "weekly", "monthly", "quarterly", "yearly")


class PeriodError(SlalangError, ValueError):
    """A period name that is not one of 2025-03-04, 2025-W10, 2025-03, 2025-Q1, 2025."""


@dataclass(frozen=True)
class Period:
    """A named calendar period: [start, end) as epoch microseconds, local to `timezone`."""

    name: str
    kind: str
    first_day: date
    after_day: date     # the first day of the next period
    start: int
    end: int

    @property
    def length(self) -> timedelta:
        return (self.end - self.start) * US


def _bounds(first: date, after: date, tz: ZoneInfo) -> tuple[int, int]:
    start = localize(datetime(first.year, first.month, first.day), tz)
    end = localize(datetime(after.year, after.month, after.day), tz)
    return (start - EPOCH) // US, (end - EPOCH) // US


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


@lru_cache(maxsize=4096)
def parse_period(name: str, timezone: str) -> Period:
    """`2025-03-04` (day), `2025-W10` (ISO week), `2025-03`, `2025-Q1`, `2025`."""
    tz = ZoneInfo(timezone)
    text = name.strip()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
            first = date(int(m[1]), int(m[2]), int(m[3]))
            kind, after = "daily", first + timedelta(days=1)
        elif m := re.fullmatch(r"(\d{4})-W(\d{2})", text):
            first = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            kind, after = "weekly", first + timedelta(days=7)
        elif m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            first = date(int(m[1]), int(m[2]), 1)
            kind, after = "monthly", _add_months(first, 1)
        elif m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
            first = date(int(m[1]), 3 * (int(m[2]) - 1) + 1, 1)
            kind, after = "quarterly", _add_months(first, 3)
        elif m := re.fullmatch(r"(\d{4})", text):
            first = date(int(m[1]), 1, 1)
            kind, after = "yearly", date(first.year + 1, 1, 1)
        else:
            raise ValueError
    except ValueError:
        raise PeriodError(f"bad period {name!r}: write 2025-03-04, 2025-W10, 2025-03, 2025-Q1 or 2025") from None
    start, end = _bounds(first, after, tz)
    return Period(text, kind, first, after, start, end)


def period_containing(kind: str, instant_us: int, timezone: str) -> Period:
    """The period of `kind` that contains an instant, in the policy timezone."""
    tz = ZoneInfo(timezone)
    day = (EPOCH + instant_us * US).astimezone(tz).date()
    if kind == "daily":
        return parse_period(day.isoformat(), timezone)
    if kind == "weekly":
        year, week, _ = day.isocalendar()
        return parse_period(f"{year}-W{week:02d}", timezone)
    if kind == "monthly":
        return parse_period(f"{day.year}-{day.month:02d}", timezone)
    if kind == "quarterly":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}", timezone)
    return parse_period(f"{day.year}", timezone)
