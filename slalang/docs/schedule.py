"""Docs stage: a window in words — its weekly hours, holidays and closures in a given year.

Reads the artifact's window objects only (never the runtime intervals): a customer wants the
rule ("Monday–Friday 08:00–18:00"), not a list of instants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from slalang.docs import wording as w

ALWAYS = "always"
WEEK = 7 * w.DAY


@dataclass(frozen=True)
class Holiday:
    date: date
    name: str
    region: str

    @property
    def when(self) -> str:
        return w.weekday_date(self.date)


@dataclass
class Schedule:
    """What a window means, in words, for one year."""

    window: str                      # the id
    title: str                       # the id as words
    always: bool
    timezone: str | None
    hours: list[str] = field(default_factory=list)        # weekly lines
    also_open: list[str] = field(default_factory=list)    # dated intervals and included windows
    except_windows: list[str] = field(default_factory=list)
    holiday_regions: list[str] = field(default_factory=list)
    holidays: list[Holiday] = field(default_factory=list)  # of the year
    closures: list[str] = field(default_factory=list)      # closed dates and intervals of the year
    _day_lengths: list[int] = field(default_factory=list)  # open seconds of each day with hours

    @property
    def summary(self) -> str:
        """One line: `Monday–Friday 08:00–18:00 (Europe/London time)`, or `24×7`."""
        return self.phrase()

    @property
    def recurring(self) -> str:
        """As `summary`, for an occasional window: `every Saturday 23:00 to Sunday 03:00, and on ...`."""
        return self.phrase(every=True)

    def phrase(self, every: bool = False) -> str:
        if self.always:
            closed = self.except_windows or self.holiday_regions or self.closures
            return "24×7" if closed else "24×7 (every hour of every day)"
        text = w.join(self.hours)
        if every and text:
            text = "every " + text
        if self.also_open:
            dated = ("on " if every else "") + w.join(self.also_open)
            text = f"{text}, and {dated}" if text else dated
        return f"{text} ({self.timezone} time)" if text and self.timezone else (text or "no regular hours")

    @property
    def day_length(self) -> int | None:
        """Seconds in every open day, when all open days have the same hours (else None)."""
        if self.always or self.also_open or not self._day_lengths:
            return None
        lengths = set(self._day_lengths)
        return lengths.pop() if len(lengths) == 1 else None


def _week_intervals(weekly: list[list[int]]) -> list[tuple[int, int]]:
    """Weekly ranges as a union of [start, end) seconds from Monday 00:00; a range that runs
    past Sunday midnight is carried back to the start of the week and rejoined."""
    raw = []
    for d, s, e in weekly:
        a, b = d * w.DAY + s, d * w.DAY + e
        if b > WEEK:
            raw += [(a, WEEK), (0, b - WEEK)]
        else:
            raw.append((a, b))
    merged: list[tuple[int, int]] = []
    for a, b in sorted(raw):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    if len(merged) > 1 and merged[0][0] == 0 and merged[-1][1] == WEEK:
        first = merged.pop(0)
        merged[-1] = (merged[-1][0], WEEK + first[1])
    return merged


def _range(s: int, e: int) -> str:
    if (s, e) == (0, w.DAY):
        return "all day"
    if e > w.DAY:
        return f"{w.clock(s)}–{w.clock(e - w.DAY)} (overnight)"
    return f"{w.clock(s)}–{w.clock(e)}"


def weekly_lines(weekly: list[list[int]]) -> tuple[bool, list[str]]:
    """(covers the whole week, lines such as `Monday–Friday 08:00–18:00`, `Saturday 23:00 to Sunday 03:00`)."""
    spans = _week_intervals(weekly)
    if spans == [(0, WEEK)]:
        return True, []
    per_day: dict[int, list[tuple[int, int]]] = {}
    long_lines: list[tuple[int, str]] = []
    for a, b in spans:
        d = a // w.DAY
        if b - a <= w.DAY:
            per_day.setdefault(d, []).append((a - d * w.DAY, b - d * w.DAY))
        else:  # longer than a day: name both ends
            end_day, end = divmod(b, w.DAY)
            if end == 0:
                end_day, end = end_day - 1, w.DAY
            long_lines.append((d, f"{w.WEEKDAYS[d]} {w.clock(a - d * w.DAY)} to "
                                  f"{w.WEEKDAYS[end_day % 7]} {w.clock(end)}"))
    groups: dict[tuple, list[int]] = {}
    for d, ranges in sorted(per_day.items()):
        groups.setdefault(tuple(ranges), []).append(d)
    lines = list(long_lines)
    for ranges, days in groups.items():
        if len(days) == 1 and len(ranges) == 1 and ranges[0][1] > w.DAY:
            (s, e), d = ranges[0], days[0]
            lines.append((d, f"{w.WEEKDAYS[d]} {w.clock(s)} to {w.WEEKDAYS[(d + 1) % 7]} {w.clock(e - w.DAY)}"))
        else:
            lines.append((days[0], f"{w.weekdays(days)} {w.join([_range(s, e) for s, e in ranges])}"))
    return False, [text for _, text in sorted(lines)]


def _local(instant: str, tz: ZoneInfo) -> datetime:
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(tz)


def interval_words(start: str, end: str, tz: ZoneInfo) -> str:
    """A [start, end) interval in local words: whole days as dates, else dates with times."""
    a, b = _local(start, tz), _local(end, tz)
    if a.time() == b.time() == datetime.min.time():
        return w.day_range(a.date(), b.date() - timedelta(days=1))
    if a.date() == b.date():
        return f"{w.day(a.date())} {a:%H:%M}–{b:%H:%M}"
    return f"{w.day(a.date())} {a:%H:%M} to {w.day(b.date())} {b:%H:%M}"


def _in_year(start: str, end: str, tz: ZoneInfo, year: int) -> bool:
    return _local(start, tz).year <= year and _local(end, tz) > datetime(year, 1, 1, tzinfo=tz)


def describe(windows: dict, wid: str, year: int, _seen: frozenset = frozenset()) -> Schedule:
    """The schedule of window `wid` (an artifact window id, or `always`) for `year`."""
    if wid == ALWAYS:
        return Schedule(wid, "Around the clock", True, None)
    ir = windows[wid]
    tz_name = ir["timezone"]
    tz = ZoneInfo(tz_name)
    always, hours = weekly_lines(ir["weekly"])
    sched = Schedule(wid, w.name(wid), always, tz_name, hours=hours)
    for d in range(7):
        open_s = sum(e - s for day, s, e in ir["weekly"] if day == d)
        if open_s:
            sched._day_lengths.append(open_s)
    seen = _seen | {wid}
    for other in ir["include"]:
        if other == ALWAYS:
            sched.always = True
        elif other not in seen:
            inner = describe(windows, other, year, seen)
            sched.always = sched.always or inner.always
            sched.also_open.append(f"the {inner.title.lower()} hours ({inner.summary})")
    for start, end in ir["dated"]:
        if _in_year(start, end, tz, year):
            sched.also_open.append(interval_words(start, end, tz))
    for other in ir["except"]:
        if other not in seen:
            inner = describe(windows, other, year, seen)
            sched.except_windows.append(f"{inner.title.lower()} ({inner.summary})")
    for entry in ir["holidays"]:
        sched.holiday_regions.append(entry["region"])
        for iso, holiday in entry["days"].items():
            d = date.fromisoformat(iso)
            if d.year == year:
                sched.holidays.append(Holiday(d, holiday, entry["region"]))
    sched.holidays.sort(key=lambda h: (h.date, h.region))
    for first, last in ir["closed_dates"]:
        a, b = date.fromisoformat(first), date.fromisoformat(last)
        if a.year <= year <= b.year:
            sched.closures.append(w.day_range(a, b))
    for start, end in ir["closed"]:
        if _in_year(start, end, tz, year):
            sched.closures.append(interval_words(start, end, tz))
    if sched.always and not (sched.except_windows or sched.holidays or sched.closures):
        sched.hours, sched.also_open = [], []
    return sched
