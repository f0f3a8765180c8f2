"""Docs stage: the downtime an availability target allows in each reporting period of a year.

Exact: measured time comes from the period bounds in the policy timezone (or the runtime
window's open time), and the allowance is `(100% − target) × measured`, rounded down to the
whole second — the most downtime, in whole seconds, that still meets the target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Optional

from slalang.docs import wording as w
from slalang.runtime.errors import HorizonError
from slalang.runtime.periods import Period, parse_period

US = 1_000_000


@dataclass
class DowntimeRow:
    """Periods of the year with the same measured time, and what the target allows in each."""

    periods: list[str]
    length: str
    measured: int                    # seconds
    allowed: int                     # whole seconds
    allowed_internal: Optional[int] = None

    @property
    def label(self) -> str:
        return w.join(self.periods)

    @property
    def allowed_text(self) -> str:
        return w.span(self.allowed)

    @property
    def allowed_internal_text(self) -> str:
        return "" if self.allowed_internal is None else w.span(self.allowed_internal)


@dataclass
class DowntimeTable:
    kind: str                        # daily ... yearly
    year: int
    rows: list[DowntimeRow] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)   # "43 min 12 s in a 30-day month"


def allowed_seconds(measured_us: int, target: str) -> int:
    """Whole seconds of downtime that still meet `target` over `measured_us` microseconds."""
    share = 1 - Fraction(Decimal(target)) / 100
    return int(measured_us * share // US)


def periods_of_year(kind: str, year: int, timezone: str) -> list[Period]:
    """Every reporting period of `kind` that belongs to `year` (ISO weeks by their ISO year)."""
    if kind == "yearly":
        names = [f"{year}"]
    elif kind == "quarterly":
        names = [f"{year}-Q{q}" for q in range(1, 5)]
    elif kind == "monthly":
        names = [f"{year}-{m:02d}" for m in range(1, 13)]
    elif kind == "weekly":
        weeks = date(year, 12, 28).isocalendar()[1]   # 28 December is always in the last ISO week
        names = [f"{year}-W{n:02d}" for n in range(1, weeks + 1)]
    else:
        first = date(year, 1, 1).toordinal()
        names = [date.fromordinal(first + i).isoformat()
                 for i in range(date(year + 1, 1, 1).toordinal() - first)]
    return [parse_period(n, timezone) for n in names]


def _label(p: Period) -> str:
    if p.kind == "monthly":
        return w.MONTHS[p.first_day.month - 1]
    if p.kind == "quarterly":
        q = (p.first_day.month - 1) // 3
        return f"Q{q + 1} ({w.MONTHS[3 * q]}–{w.MONTHS[3 * q + 2]})"
    if p.kind == "weekly":
        return f"week {p.first_day.isocalendar()[1]}"
    if p.kind == "daily":
        return f"{p.first_day.day} {w.MONTHS[p.first_day.month - 1]}"
    return str(p.first_day.year)


def _calendar_length(p: Period, measured: int) -> str:
    days = (p.after_day - p.first_day).days
    text = f"{w.plural(days, 'day')} ({w.hours(measured)})"
    if measured < days * w.DAY:
        text += ", clocks go forward"
    elif measured > days * w.DAY:
        text += ", clocks go back"
    return text


def downtime_table(policy, availability: dict, year: int, *, internal: bool) -> DowntimeTable:
    """The allowed downtime of each period of `year` under `availability` (an IR availability object)."""
    kind, wid = availability["period"], availability["window"]
    table = DowntimeTable(kind, year)
    window = None if wid == "always" else policy.window(wid)
    window_title = w.name(wid).lower()
    rows: dict[int, DowntimeRow] = {}
    for p in periods_of_year(kind, year, policy.timezone):
        try:
            measured_us = p.end - p.start if window is None else window.open_us(p.start, p.end)
        except HorizonError:  # a period of the horizon's first or last year reaching past it
            continue
        measured = measured_us // US
        row = rows.get(measured)
        if row is None:
            length = (_calendar_length(p, measured) if window is None
                      else f"{w.hours(measured)} of {window_title} time")
            row = rows[measured] = DowntimeRow([], length, measured, allowed_seconds(measured_us, availability["target"]))
            if internal and availability["internal"]:
                row.allowed_internal = allowed_seconds(measured_us, availability["internal"])
        row.periods.append(_label(p))
    table.rows = list(rows.values())  # in the order of each group's first period
    for row in table.rows:
        if len(row.periods) > 6:  # days and weeks: count them rather than list them
            row.periods = [w.plural(len(row.periods), w.PERIOD_NOUNS[kind]) + " of the year"]
    table.examples = _examples(table, window is None)
    return table


def _examples(table: DowntimeTable, calendar: bool) -> list[str]:
    """The figures a reader remembers, the first saying "of downtime": 30- and 31-day months,
    a plain day or week; for a measurement window, the range over the year."""
    noun = w.PERIOD_NOUNS[table.kind]
    if not table.rows:
        return []
    if calendar:
        plain = {r.measured: r for r in table.rows if "clocks" not in r.length}
        if table.kind == "monthly":
            picks = [(30, "a 30-day month"), (31, "a 31-day month")]
            found = [f"{plain[d * w.DAY].allowed_text} in {words}" for d, words in picks if d * w.DAY in plain]
            if found:
                found[0] = "at most " + found[0].replace(" in ", " of downtime in ", 1)
                return found
        if plain:
            row = max(plain.values(), key=lambda r: r.measured)
            return [f"at most {row.allowed_text} of downtime in a {noun} of {w.hours(row.measured)}"]
    lo = min(table.rows, key=lambda r: r.allowed)
    hi = max(table.rows, key=lambda r: r.allowed)
    if lo.allowed == hi.allowed:
        return [f"at most {hi.allowed_text} of downtime in each {noun}"]
    return [f"between {lo.allowed_text} and {hi.allowed_text} of downtime a {noun}, depending on the "
            f"{noun}'s measured hours"]
