"""Runtime stage: instants and wall clocks — the DST rule of SPEC §3, shared by compiler and runtime.

Only `zoneinfo`: every instant handled here is timezone-aware; a naive one is an error.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from slalang.runtime.errors import InstantError

__all__ = [
    "UTC",
    "LocalClock",
    "from_us",
    "localize",
    "parse_instant",
    "to_us",
    "transitions",
    "zone",
]

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ONE_US = timedelta(microseconds=1)
_ONE_S = timedelta(seconds=1)
US_PER_S = 1_000_000

# Offsets are sampled this often when looking for transitions. Two changes of one zone are
# never closer than this (in tzdata since 1900 the closest pair is about four days apart), and
# any sampled difference is bisected down to every change behind it.
_SAMPLE_STEP_S = 86400


def zone(name: str) -> ZoneInfo:
    """The `ZoneInfo` for an IANA name (cached by zoneinfo itself)."""
    return ZoneInfo(name)


def to_us(instant: datetime) -> int:
    """Epoch microseconds of an aware datetime (exact integer); naive -> InstantError."""
    try:
        return (instant - EPOCH) // _ONE_US
    except TypeError:
        raise _not_aware(instant) from None


def from_us(us: int) -> datetime:
    """The aware UTC datetime of an epoch-microsecond count."""
    return EPOCH + timedelta(microseconds=us)


def _not_aware(value: object) -> InstantError:
    if isinstance(value, datetime):
        return InstantError(
            f"instant {value.isoformat()} has no timezone; give an offset (e.g. 'Z' or '+01:00') "
            "or attach a tzinfo — slalang never guesses the zone of a naive time"
        )
    return InstantError(f"expected an aware datetime, got {type(value).__name__} {value!r}")


def parse_instant(value: str | datetime) -> datetime:
    """An aware datetime from an ISO 8601 string with offset or `Z`, or from an aware datetime."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise _not_aware(value)
        return value
    if not isinstance(value, str):
        raise InstantError(f"expected an ISO 8601 instant, got {type(value).__name__} {value!r}")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InstantError(
            f"malformed instant {value!r}: expected ISO 8601 such as 2025-03-07T18:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise InstantError(
            f"instant {value!r} has no offset; add 'Z' or '+HH:MM' — slalang never guesses the zone"
        )
    return parsed


def _offset_at(tz: ZoneInfo, epoch_s: int) -> int:
    """UTC offset in seconds at an instant given in epoch seconds."""
    return (EPOCH + timedelta(seconds=epoch_s)).astimezone(tz).utcoffset() // _ONE_S


@lru_cache(maxsize=512)
def transitions(tz: ZoneInfo, start_s: int, end_s: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Offset changes of `tz` in the UTC range [start_s, end_s] (epoch seconds).

    Returns `(instants, offsets)`: `instants[k]` is the first second of offset `offsets[k + 1]`;
    `offsets[0]` holds before the first change. Found by sampling and bisecting to the second
    (tzdata transitions fall on whole seconds).
    """
    instants: list[int] = []
    offsets = [_offset_at(tz, start_s)]

    def split(lo: int, off_lo: int, hi: int, off_hi: int) -> None:
        # invariant: the offset differs between lo and hi; find every change in (lo, hi]
        if hi - lo == 1:
            instants.append(hi)
            offsets.append(off_hi)
            return
        mid = (lo + hi) // 2
        off_mid = _offset_at(tz, mid)
        if off_mid != off_lo:
            split(lo, off_lo, mid, off_mid)
        if off_mid != off_hi:
            split(mid, off_mid, hi, off_hi)

    lo, off_lo = start_s, offsets[0]
    while lo < end_s:
        hi = min(lo + _SAMPLE_STEP_S, end_s)
        off_hi = _offset_at(tz, hi)
        if off_hi != off_lo:
            split(lo, off_lo, hi, off_hi)
        lo, off_lo = hi, off_hi
    return tuple(instants), tuple(offsets)


class LocalClock:
    """Wall-clock seconds of one zone -> UTC seconds, with the DST rule, over a bounded range.

    Wall-clock seconds count local time as if it were UTC (`days * 86400 + seconds of day`).
    A wall time in a gap maps to the transition instant (the end of the gap); a wall time in a
    repeated hour maps to its first occurrence. The mapping is monotone, so intervals stay
    intervals (a gap may shrink one to nothing; a repeated hour makes a 25 h day).
    """

    __slots__ = ("instants", "offsets", "thresholds", "start_s", "end_s")

    def __init__(self, tz: ZoneInfo, start_s: int, end_s: int, *, cache: bool = True) -> None:
        """A clock valid for instants in [start_s, end_s] (UTC epoch seconds, with some slack).

        `cache=False` for one-off ranges, which would only crowd the cache of year ranges.
        """
        self.start_s, self.end_s = start_s, end_s
        find = transitions if cache else transitions.__wrapped__
        self.instants, self.offsets = find(tz, start_s, end_s)
        # wall times at or past thresholds[k] are no longer before change k (first-occurrence rule)
        self.thresholds = tuple(t + self.offsets[k] for k, t in enumerate(self.instants))

    def to_utc(self, wall_s: int) -> int:
        """UTC epoch seconds of a wall-clock second count."""
        k = bisect_right(self.thresholds, wall_s)
        if k == 0:
            return wall_s - self.offsets[0]
        change = self.instants[k - 1]
        after = self.offsets[k]
        if wall_s < change + after:  # inside the gap opened by change k
            return change
        return wall_s - after

    def to_utc_array(self, wall_s):
        """Vectorised `to_utc` over an int64 numpy array (numpy is imported lazily)."""
        import numpy as np

        wall_s = np.asarray(wall_s, dtype=np.int64)
        offsets = np.asarray(self.offsets, dtype=np.int64)
        if not self.instants:
            return wall_s - offsets[0]
        instants = np.asarray(self.instants, dtype=np.int64)
        k = np.searchsorted(np.asarray(self.thresholds, dtype=np.int64), wall_s, side="right")
        utc = wall_s - offsets[k]
        before = k > 0
        change = instants[np.maximum(k - 1, 0)]
        in_gap = before & (wall_s < change + offsets[k])
        return np.where(in_gap, change, utc)


def _wall_seconds(naive: datetime) -> int:
    return (
        (naive.toordinal() - _EPOCH_ORDINAL) * 86400
        + naive.hour * 3600
        + naive.minute * 60
        + naive.second
    )


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time in `tz`, with the DST rule of SPEC §3.

    A wall time in a DST gap moves to the end of the gap (the transition instant); one in a
    repeated hour takes its first occurrence (fold=0). The result is aware, in UTC.
    """
    if naive.tzinfo is not None:
        raise InstantError(f"localize expects a naive wall time, got {naive.isoformat()}")
    wall = _wall_seconds(naive)
    # the offset is within a day of the wall time, and changes are months apart
    clock = LocalClock(tz, wall - 2 * 86400, wall + 2 * 86400, cache=False)
    utc = clock.to_utc(wall)
    if clock.to_utc(wall + 1) == utc:  # the whole second is in a gap: its end is the answer
        return from_us(utc * US_PER_S)
    return from_us(utc * US_PER_S + naive.microsecond)
