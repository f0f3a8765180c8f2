"""Diff stage: how much time a window holds, measured with the runtime's exact window algebra.

Two measures, both in whole seconds of open time:

- **weekly**: the window's weekly pattern (every window with its holidays, closed dates and
  dated intervals left out) over one reference week — the second ISO week of a January, when
  no timezone changes its clocks. This is the "42h30m a week" a person reads.
- **total**: the whole window over every year both policies' horizons cover, so holidays,
  closed dates and dated intervals count too.

A change is judged by the weekly measure when that moves, else by the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Optional

from slalang.diff.change import duration, sign

_SECOND = timedelta(seconds=1)
_DATED_KEYS = ("dated", "closed", "closed_dates", "holidays")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Frame:
    """Where both policies are measured: the reference week and the common years (if any)."""

    week_year: tuple[int, int]                # reference year for the old and for the new policy
    years: Optional[tuple[int, int]]          # first and last year both horizons cover

    @staticmethod
    def between(old_horizon, new_horizon) -> "Frame":
        first, last = max(old_horizon[0], new_horizon[0]), min(old_horizon[1], new_horizon[1])
        if first <= last:
            return Frame((first, first), (first, last))
        return Frame((old_horizon[0], new_horizon[0]), None)

    @property
    def years_label(self) -> str:
        return f"{self.years[0]}–{self.years[1]}" if self.years else ""


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


class Measure:
    """Open seconds of the windows of one policy (cached): `weekly(wid)` and `total(wid)`."""

    def __init__(self, windows_ir: dict, horizon, week_year: int, years: Optional[tuple[int, int]]):
        self._ir = windows_ir
        self._horizon = tuple(horizon)
        monday = date.fromisocalendar(week_year, 2, 1)
        self._week = (_utc(monday), _utc(monday + timedelta(days=7)))
        self._years = years
        self._full = self._pattern = None
        self._cache: dict[tuple[str, str], int] = {}

    def _sets(self):
        if self._full is None:
            from slalang.runtime.windows import WindowSet  # numpy loads only when time is measured

            pattern = {wid: {**ir, **{k: [] for k in _DATED_KEYS}} for wid, ir in self._ir.items()}
            self._full = WindowSet(self._ir, self._horizon)
            self._pattern = WindowSet(pattern, self._horizon)
        return self._full, self._pattern

    def weekly(self, wid: str) -> int:
        """Seconds a week the window's weekly pattern is open."""
        key = ("weekly", wid)
        if key not in self._cache:
            _, pattern = self._sets()
            self._cache[key] = pattern.get(wid).open_time(*self._week) // _SECOND
        return self._cache[key]

    def total(self, wid: str) -> int:
        """Seconds the window is open over the common years (0 when the horizons do not meet)."""
        key = ("total", wid)
        if key not in self._cache:
            if self._years is None:
                self._cache[key] = 0
            else:
                full, _ = self._sets()
                start, end = _utc(date(self._years[0], 1, 1)), _utc(date(self._years[1] + 1, 1, 1))
                self._cache[key] = full.get(wid).open_time(start, end) // _SECOND
        return self._cache[key]

    def replaced(self, wid: str, window_ir: dict) -> "Measure":
        """The same policy with one window's definition swapped (to judge one change at a time)."""
        week_year = self._week[0].isocalendar()[0]
        return Measure({**self._ir, wid: window_ir}, self._horizon, week_year, self._years)


@dataclass(frozen=True)
class Delta:
    """How much more (positive) or less open time one window has than another."""

    weekly: int
    total: int
    frame: Frame

    @property
    def direction(self) -> int:
        """+1 more open time, -1 less, 0 the same: by the weekly pattern, else over the years."""
        return sign(self.weekly) or sign(self.total)

    def describe(self) -> str:
        """`4h more open time a week`, `10h less open time over 2020–2040`, or `the same open time`."""
        if self.weekly:
            return f"{duration(abs(self.weekly), days=False)} {'more' if self.weekly > 0 else 'less'} open time a week"
        if self.total:
            return (f"{duration(abs(self.total), days=False)} {'more' if self.total > 0 else 'less'} open time "
                    f"over {self.frame.years_label}")
        return "the same open time"


def weekly_hours(seconds: int) -> str:
    return "24x7" if seconds == 7 * 86400 else f"{duration(seconds, days=False)}/week"


# -- how window parts read ---------------------------------------------------------------

def _clock(seconds: int) -> str:
    if seconds > 86400:
        seconds -= 86400
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def _day_set(days: list[int]) -> str:
    """[0, 1, 2, 3, 4] → mon-fri; [0, 2, 4] → mon,wed,fri."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = [f"{_DAYS[r[0]]}-{_DAYS[r[-1]]}" if len(r) > 2 else ",".join(_DAYS[d] for d in r) for r in runs]
    return ",".join(parts)


def schedule(weekly: list) -> str:
    """`mon-fri 09:00-17:30, sat 10:00-13:00`: weekly hours as they are written in .sla."""
    if not weekly:
        return "no weekly hours"
    by_range: dict[tuple[int, int], list[int]] = {}
    for day, start, end in weekly:
        by_range.setdefault((start, end), []).append(day)
    lines = sorted(((min(days), _day_set(days), f"{_clock(s)}-{_clock(e)}") for (s, e), days in by_range.items()),
                   key=lambda item: (item[0], item[2]))
    return ", ".join(f"{days} {hours}" for _, days, hours in lines)


def week_intervals(weekly: list) -> tuple[tuple[int, int], ...]:
    """The weekly hours as merged intervals of local seconds from Monday 00:00 (wrapping past
    Sunday): `09:00-12:00, 12:00-17:00` and `09:00-17:00` are the same hours."""
    week = 7 * 86400
    pieces = []
    for day, start, end in weekly:
        a, b = day * 86400 + start, day * 86400 + end
        if b > week:
            pieces += [(a, week), (0, b - week)]
        else:
            pieces.append((a, b))
    merged: list[list[int]] = []
    for a, b in sorted(pieces):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return tuple((a, b) for a, b in merged)


def interval_text(pair) -> str:
    start, end = (p.replace(":00Z", "Z") for p in pair)
    return f"{start}..{end}"


def date_range_text(pair) -> str:
    return pair[0] if pair[0] == pair[1] else f"{pair[0]}..{pair[1]}"


def holiday_days(window_ir: dict, years: Optional[tuple[int, int]]) -> dict[str, frozenset[str]]:
    """region → the holiday dates inside the common years (the horizons may differ)."""
    out = {}
    for entry in window_ir["holidays"]:
        days = entry["days"]
        if years is not None:
            days = [d for d in days if years[0] <= int(d[:4]) <= years[1]]
        out[entry["region"]] = out.get(entry["region"], frozenset()) | frozenset(days)
    return out
