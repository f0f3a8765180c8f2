"""Syntax stage: literal values (durations, percentages, dates, times), checked exactly."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

UNIT_SECONDS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_UNIT_ORDER = "wdhms"
_UNIT_NAMES = {"w": "a week", "d": "a day", "h": "an hour", "m": "a minute"}
_DURATION_PART = re.compile(r"(\d+)([A-Za-z]+)")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class LiteralError(ValueError):
    """A literal that lexed but means nothing; the message is the diagnostic's, the help its help."""

    def __init__(self, message: str, help: str | None = None):
        super().__init__(message)
        self.help = help


def parse_duration(text: str) -> int:
    """`1h30m` -> 5400. Units w d h m s, each at most once, largest first; after a larger unit a
    part must stay below it (`1h60m` is refused: write 2h)."""
    pos, total, last_rank, larger = 0, 0, -1, None
    for m in _DURATION_PART.finditer(text):
        if m.start() != pos:
            break
        number, unit = m.groups()
        if unit not in UNIT_SECONDS:
            raise LiteralError(f'bad duration "{text}": unknown unit "{unit}"',
                               "units are w (weeks), d (days), h, m and s, e.g. 1h30m")
        rank = _UNIT_ORDER.index(unit)
        if rank <= last_rank:
            raise LiteralError(f'bad duration "{text}": units must be largest first and not repeated',
                               "write e.g. 1h30m, not 30m1h")
        if larger is not None and int(number) * UNIT_SECONDS[unit] >= UNIT_SECONDS[larger]:
            raise LiteralError(f'bad duration "{text}": {number}{unit} is {_UNIT_NAMES[larger]} or more',
                               f"carry it over: write {format_duration(_total_of(text))}")
        last_rank = rank
        if int(number):
            larger = unit  # a part after it must stay below one of it (`0d36h` is just 36h)
        total += int(number) * UNIT_SECONDS[unit]
        pos = m.end()
    if pos != len(text) or pos == 0:
        raise LiteralError(f'bad duration "{text}"', "write a duration like 15m, 4h or 1h30m")
    if total == 0:
        raise LiteralError(f'bad duration "{text}": a duration must be longer than zero')
    return total


def _total_of(text: str) -> int:
    return sum(int(n) * UNIT_SECONDS.get(u, 0) for n, u in _DURATION_PART.findall(text))


def parse_percent(text: str) -> Decimal:
    """`99.95%` -> Decimal('99.95'); at most four decimals, never a float."""
    body = text.rstrip("%")
    if "." in body and len(body.split(".", 1)[1]) > 4:
        raise LiteralError(f'bad percentage "{text}": at most 4 decimals are allowed')
    return Decimal(body)


def parse_date(text: str) -> dt.date:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if not m or len(m.group(2)) != 2 or len(m.group(3)) != 2:
        raise LiteralError(f'bad date "{text}"', "write dates as YYYY-MM-DD")
    try:
        return dt.date(*map(int, m.groups()))
    except ValueError as exc:
        raise LiteralError(f'bad date "{text}": {exc}') from None


def parse_datetime(text: str) -> dt.datetime:
    """`2025-03-07T18:00[:SS][Z|+HH:MM]`; naive when no offset is written."""
    m = re.fullmatch(r"(\d{4}-\d{1,2}-\d{1,2})T(\d{1,2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?", text)
    if not m:
        raise LiteralError(f'bad datetime "{text}"', "write datetimes as YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]")
    day = parse_date(m.group(1))
    hour, minute, second = int(m.group(2)), int(m.group(3)), int(m.group(4) or 0)
    if len(m.group(2)) != 2 or hour > 23 or minute > 59 or second > 59:
        raise LiteralError(f'bad datetime "{text}": time of day out of range')
    tz = None
    if m.group(5):
        off = m.group(5)
        if off == "Z":
            tz = dt.timezone.utc
        else:
            sign = -1 if off[0] == "-" else 1
            h, mi = int(off[1:3]), int(off[4:6])
            if h > 23 or mi > 59:
                raise LiteralError(f'bad datetime "{text}": offset out of range')
            tz = dt.timezone(sign * dt.timedelta(hours=h, minutes=mi))
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=tz)


def parse_time(text: str, *, is_end: bool) -> int:
    """`09:00` -> 32400 seconds from local midnight; `24:00` only as the end of a range."""
    h, m = text.split(":")
    if len(h) != 2:
        raise LiteralError(f'bad time "{text}"', "write times as HH:MM, e.g. 09:00")
    hour, minute = int(h), int(m)
    if minute > 59 or hour > 24 or (hour == 24 and minute != 0):
        raise LiteralError(f'bad time "{text}": out of range')
    if hour == 24 and not is_end:
        raise LiteralError(f'bad time "{text}": 24:00 can only end a range')
    return hour * 3600 + minute * 60


def parse_string(raw: str) -> str:
    """Undo the `\\"` and `\\\\` escapes of a double-quoted string."""
    body = raw[1:-1]
    return re.sub(r"\\(.)", lambda m: m.group(1) if m.group(1) in '"\\' else "\\" + m.group(1), body)


def format_duration(seconds: int) -> str:
    """The canonical spelling of a duration: 5400 -> `1h30m`, 86400 -> `1d`."""
    parts = []
    for unit in _UNIT_ORDER:
        n, seconds = divmod(seconds, UNIT_SECONDS[unit])
        if n:
            parts.append(f"{n}{unit}")
    return "".join(parts) or "0s"
