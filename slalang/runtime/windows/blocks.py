"""Runtime stage: a window's IR, checked once, and its materialised UTC-year blocks.

A block holds one UTC year of a window as sorted disjoint intervals with prefix sums of open
time, in two forms: numpy arrays in epoch seconds (for set algebra and batch queries) and plain
Python lists in epoch microseconds (so scalar queries `bisect` without touching numpy).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from slalang.runtime.errors import ArtifactError, InstantError
from slalang.runtime.tz import US_PER_S, LocalClock, parse_instant, to_us, zone
from slalang.runtime.windows.algebra import EMPTY, IntervalSet, clip, normalise

__all__ = ["Block", "WindowSpec", "local_intervals", "parse_window"]

DAY_S = 86400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# 1970-01-01 was a Thursday: weekday(day number) = (day + 3) % 7 with Monday = 0
_EPOCH_WEEKDAY = 3
# local days generated beyond a UTC block on each side: one day for the UTC offset, two for
# ranges that run past midnight (`end` up to 172800), and one to spare
_MARGIN_DAYS = 4


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """A window's IR, parsed and checked: what materialising a block needs."""

    id: str
    timezone: str | None
    tz: ZoneInfo | None
    weekly: tuple[tuple[int, int, int], ...]
    dated: IntervalSet  # epoch seconds, normalised
    include: tuple[str, ...]
    excluded: tuple[str, ...]  # the IR's `except`
    closed_days: IntervalSet  # local day numbers [first, last + 1), holidays and closed dates
    closed: IntervalSet = EMPTY  # epoch seconds: `except START..END` of datetimes

    @property
    def has_local_parts(self) -> bool:
        """Whether the window depends on its timezone (weekly hours or local closed days)."""
        return bool(self.weekly) or self.closed_days[0].size > 0


def _problem(wid: str, message: str) -> ArtifactError:
    return ArtifactError(f"window {wid!r}: {message}")


def _day_number(wid: str, text: object) -> int:
    if not isinstance(text, str):
        raise _problem(wid, f"expected a date YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(text).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        raise _problem(wid, f"malformed date {text!r}") from None


def _instant_s(wid: str, text: object) -> int:
    try:
        us = to_us(parse_instant(text))  # type: ignore[arg-type]
    except InstantError as err:
        raise _problem(wid, f"bad dated instant: {err}") from None
    if us % US_PER_S:
        raise _problem(wid, f"dated instant {text!r} is not a whole second")
    return us // US_PER_S


def _ids(wid: str, ir: dict, key: str) -> tuple[str, ...]:
    value = ir.get(key, [])
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise _problem(wid, f"`{key}` must be a list of window ids")
    return tuple(value)


def _weekly(wid: str, ir: dict) -> tuple[tuple[int, int, int], ...]:
    entries = ir.get("weekly", [])
    if not isinstance(entries, list):
        raise _problem(wid, "`weekly` must be a list of [day, start, end]")
    weekly = []
    for entry in entries:
        ok = (
            isinstance(entry, list)
            and len(entry) == 3
            and all(isinstance(x, int) and not isinstance(x, bool) for x in entry)
        )
        if not ok or not (0 <= entry[0] <= 6 and 0 <= entry[1] < DAY_S and entry[1] < entry[2] <= 2 * DAY_S):
            raise _problem(
                wid,
                f"bad weekly range {entry!r}: need [day 0-6, start, end] with "
                "0 <= start < 86400 and start < end <= 172800",
            )
        weekly.append((entry[0], entry[1], entry[2]))
    return tuple(weekly)


def _dated(wid: str, ir: dict, key: str = "dated") -> IntervalSet:
    pairs = ir.get(key, [])
    if not isinstance(pairs, list):
        raise _problem(wid, f"`{key}` must be a list of [start, end] instants")
    starts, ends = [], []
    for pair in pairs:
        if not isinstance(pair, list) or len(pair) != 2:
            raise _problem(wid, f"bad dated interval {pair!r}: need [start, end]")
        start, end = _instant_s(wid, pair[0]), _instant_s(wid, pair[1])
        if end < start:
            raise _problem(wid, f"dated interval {pair!r} ends before it starts")
        starts.append(start)
        ends.append(end)
    return normalise(starts, ends)


def _closed_days(wid: str, ir: dict) -> IntervalSet:
    firsts, afters = [], []
    ranges = ir.get("closed_dates", [])
    if not isinstance(ranges, list):
        raise _problem(wid, "`closed_dates` must be a list of [first, last] dates")
    for pair in ranges:
        if not isinstance(pair, list) or len(pair) != 2:
            raise _problem(wid, f"bad closed date range {pair!r}: need [first, last]")
        first, last = _day_number(wid, pair[0]), _day_number(wid, pair[1])
        if last < first:
            raise _problem(wid, f"closed date range {pair!r} ends before it starts")
        firsts.append(first)
        afters.append(last + 1)
    regions = ir.get("holidays", [])
    if not isinstance(regions, list):
        raise _problem(wid, "`holidays` must be a list of {region, days}")
    for region in regions:
        days = region.get("days") if isinstance(region, dict) else None
        if not isinstance(days, dict):
            raise _problem(wid, f"bad holidays entry {region!r}: need {{region, days: {{date: name}}}}")
        for text in days:
            day = _day_number(wid, text)
            firsts.append(day)
            afters.append(day + 1)
    return normalise(firsts, afters)


def parse_window(wid: str, ir: object) -> WindowSpec:
    """Check one window's IR (docs/artifact.md, "Windows") and parse it; ArtifactError if bad."""
    if not isinstance(ir, dict):
        raise _problem(wid, f"expected an object, got {type(ir).__name__}")
    name = ir.get("timezone")
    tz = None
    if name is not None:
        if not isinstance(name, str):
            raise _problem(wid, f"timezone must be a string, got {name!r}")
        try:
            tz = zone(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise _problem(wid, f"unknown timezone {name!r}") from None
    spec = WindowSpec(
        id=wid,
        timezone=name,
        tz=tz,
        weekly=_weekly(wid, ir),
        dated=_dated(wid, ir),
        include=_ids(wid, ir, "include"),
        excluded=_ids(wid, ir, "except"),
        closed_days=_closed_days(wid, ir),
        closed=_dated(wid, ir, "closed"),
    )
    if tz is None and spec.has_local_parts:
        raise _problem(wid, "weekly hours and closed days need a `timezone`")
    return spec


def local_intervals(spec: WindowSpec, start_s: int, end_s: int) -> tuple[IntervalSet, IntervalSet]:
    """The window's own (open, closed) instants near the UTC range [start_s, end_s).

    Open: weekly hours and dated intervals; closed: holiday days and closed date ranges, as
    whole local days. Both cover at least [start_s, end_s) and may spill over it.
    """
    if not spec.has_local_parts:
        return spec.dated, spec.closed
    first_day = start_s // DAY_S - _MARGIN_DAYS
    after_day = end_s // DAY_S + _MARGIN_DAYS
    # the clock must cover every wall time generated below, wherever the offset puts it
    clock = LocalClock(spec.tz, (first_day - 2) * DAY_S, (after_day + 4) * DAY_S)

    opened = spec.dated
    if spec.weekly:
        days = np.arange(first_day, after_day, dtype=np.int64)
        weekday = (days + _EPOCH_WEEKDAY) % 7
        wall_starts, wall_ends = [], []
        for day, start, end in spec.weekly:
            chosen = days[weekday == day] * DAY_S
            wall_starts.append(chosen + start)
            wall_ends.append(chosen + end)
        weekly = normalise(
            clock.to_utc_array(np.concatenate(wall_starts)),
            clock.to_utc_array(np.concatenate(wall_ends)),
        )
        opened = normalise(np.concatenate([weekly[0], opened[0]]), np.concatenate([weekly[1], opened[1]]))

    closed = EMPTY
    if spec.closed_days[0].size:
        firsts, afters = clip(spec.closed_days, first_day, after_day)
        closed = normalise(clock.to_utc_array(firsts * DAY_S), clock.to_utc_array(afters * DAY_S))
    if spec.closed[0].size:
        closed = normalise(np.concatenate([closed[0], spec.closed[0]]), np.concatenate([closed[1], spec.closed[1]]))
    return opened, closed


class Block:
    """One UTC year of a window: sorted disjoint intervals and prefix sums of open time."""

    __slots__ = ("start", "end", "starts_s", "ends_s", "starts", "ends", "cum", "cumend", "total")

    def __init__(self, start_s: int, end_s: int, intervals: IntervalSet) -> None:
        """A block for [start_s, end_s) from intervals already clipped to it (epoch seconds)."""
        self.start = start_s * US_PER_S
        self.end = end_s * US_PER_S
        self.starts_s, self.ends_s = intervals
        self.starts = [s * US_PER_S for s in self.starts_s.tolist()]
        self.ends = [e * US_PER_S for e in self.ends_s.tolist()]
        lengths = [e - s for s, e in zip(self.starts, self.ends)]
        # cum[i]: open microseconds of the block before interval i; cumend[i]: through its end
        self.cumend = list(accumulate(lengths))
        self.cum = [0, *self.cumend[:-1]] if lengths else []
        self.total = self.cumend[-1] if lengths else 0
