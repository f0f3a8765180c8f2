"""Runtime stage: instants — the one parser of ISO 8601 instants in the runtime.

`instant_us` reads one value (an aware datetime or an ISO 8601 string with an offset) and words
what is wrong with it; `instants_us` reads a whole column at once by calendar arithmetic for the
shapes systems write, and leaves every other value to `instant_us` (MIN marks them). Both accept
exactly what `datetime.fromisoformat` accepts with an offset.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np

from slalang.runtime.errors import InstantError

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
US = timedelta(microseconds=1)
MIN = np.iinfo(np.int64).min


def instant_us(value: Any, what: str) -> int:
    """Epoch microseconds of an aware datetime or an ISO 8601 string with an offset."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InstantError(f"{what} {value.isoformat()} has no timezone offset")
        return (value - EPOCH) // US
    if not isinstance(value, str):
        raise InstantError(f"{what} must be an ISO 8601 instant, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InstantError(f"{what} {value!r} is not an ISO 8601 instant") from None
    if parsed.tzinfo is None:
        raise InstantError(f"{what} {value!r} has no offset; write it with Z or +HH:MM")
    return (parsed - EPOCH) // US


# the `YYYY-MM-DD?HH:MM:SS` head of an instant: the bytes allowed in each column (col 10 is T or a space)
_HEAD_LO = np.frombuffer(b"0000-00-00 00:00:00", dtype=np.uint8)
_HEAD_SPAN = np.frombuffer(b"9999-99-99T99:99:99", dtype=np.uint8) - _HEAD_LO


def _number(u: np.ndarray, cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(the columns of u read as one decimal number, whether they are all digits)."""
    value = np.zeros(u.shape[0], dtype=np.int64)
    ok = np.ones(u.shape[0], dtype=bool)
    for col in cols:
        d = u[:, col].astype(np.int64) - ord("0")
        ok &= (d >= 0) & (d <= 9)
        value = value * 10 + d
    return value, ok


_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _civil_us(head: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(epoch µs, whether it names a real instant) of the `YYYY-MM-DD?HH:MM:SS` heads (uint8 rows
    of 19, already known to be digits and separators), by calendar arithmetic: no string parser,
    and exactly the dates `datetime.fromisoformat` accepts (years 1-9999, real days, hour < 24)."""
    d = head - np.uint8(ord("0"))   # digit values (separators wrap round; never read)

    def two(col: int) -> np.ndarray:
        return d[:, col].astype(np.int32) * 10 + d[:, col + 1]

    y, mo, day, h, mi, sec = two(0) * 100 + two(2), two(5), two(8), two(11), two(14), two(17)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    month_days = _MONTH_DAYS[np.clip(mo - 1, 0, 11)] + ((mo == 2) & leap)
    ok = (y >= 1) & (mo >= 1) & (mo <= 12) & (day >= 1) & (day <= month_days) & (h <= 23) & (mi <= 59) & (sec <= 59)
    # days from 1970-01-01 of a proleptic Gregorian date (years counted from March)
    y2 = y - (mo <= 2)
    era, year_of_era = y2 // 400, y2 % 400
    day_of_year = (153 * ((mo + 9) % 12) + 2) // 5 + day - 1
    days = (era * 146097 + year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year - 719468)
    seconds = ((days.astype(np.int64) * 24 + h) * 60 + mi) * 60 + sec
    return seconds * 1_000_000, ok


def parse_fixed(u: np.ndarray) -> np.ndarray:
    """Epoch µs of same-width ASCII instants (rows of u): `YYYY-MM-DD[T ]HH:MM:SS[.fff|.ffffff]`
    then `Z` or `±HH:MM`; MIN for a row in any other shape or naming no real instant."""
    n, width = u.shape
    out = np.full(n, MIN, dtype=np.int64)
    head = np.ascontiguousarray(u[:, :19])
    outside = (head - _HEAD_LO) > _HEAD_SPAN   # unsigned: below the low byte wraps round, too
    ok_head = ~outside.any(axis=1) if outside.any() else np.ones(n, dtype=bool)
    ok_head &= (u[:, 10] == ord("T")) | (u[:, 10] == ord(" "))
    local, real = _civil_us(head)
    ok_head &= real
    for zulu in (True, False):
        body = width - 1 if zulu else width - 6   # where the offset starts
        fraction = body - 19                       # 0, or a dot and 3 or 6 digits
        if fraction not in (0, 4, 7):
            continue
        ok = ok_head.copy()
        micro = 0
        if fraction:
            digits, ok_f = _number(u, list(range(20, body)))
            ok &= ok_f & (u[:, 19] == ord("."))
            micro = digits * (1000 if fraction == 4 else 1)
        if zulu:
            ok &= u[:, body] == ord("Z")
            offset = 0
        else:
            hh, ok_h = _number(u, [body + 1, body + 2])
            mm, ok_m = _number(u, [body + 4, body + 5])
            ok &= ((u[:, body] == ord("+")) | (u[:, body] == ord("-"))) & (u[:, body + 3] == ord(":"))
            ok &= ok_h & ok_m & (hh <= 23) & (mm <= 59)
            offset = np.where(u[:, body] == ord("-"), -1, 1) * (hh * 60 + mm) * 60_000_000
        out = np.where(ok, local + micro - offset, out)
    return out


def instants_us(strings: list) -> np.ndarray:
    """Epoch µs of a column of instants, vectorised for the shapes systems write (see parse_fixed);
    MIN for anything else (an aware datetime object, a naive or unusual string): `instant_us`
    judges those and words any problem."""
    n = len(strings)
    out = np.full(n, MIN, dtype=np.int64)
    try:
        widths = list(map(len, strings))
        if n and widths.count(widths[0]) == n:
            groups = [(widths[0], slice(None), strings)]
        else:
            w = np.array(widths, dtype=np.int64)
            groups = []
            for width in np.unique(w).tolist():
                where = np.flatnonzero(w == width)
                groups.append((width, where, [strings[i] for i in where.tolist()]))
        for width, where, part in groups:
            if 20 <= width <= 32:
                # a non-ASCII character becomes one `?`: that row fails the shape, the rest do not
                raw = "".join(part).encode("ascii", errors="replace")
                out[where] = parse_fixed(np.frombuffer(raw, dtype=np.uint8).reshape(-1, width))
    except TypeError:  # not all strings: parse those that are
        where = [i for i, s in enumerate(strings) if type(s) is str]
        out[:] = MIN
        if where:
            out[where] = instants_us([strings[i] for i in where])
    return out


