"""Runtime stage: the vectorised side of windows — input arrays and multi-year spans.

A span concatenates consecutive materialised year blocks of one window into numpy arrays
(epoch microseconds) with global prefix sums, so that a whole batch of open-time or deadline
queries is a handful of `np.searchsorted` calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np

from slalang.runtime.errors import InstantError
from slalang.runtime.tz import EPOCH, US_PER_S, parse_instant

__all__ = ["Span", "amounts_us_array", "as_us_array"]

_ONE_US = timedelta(microseconds=1)
_NAT = np.iinfo(np.int64).min


class Span:
    """Blocks k_lo..k_hi of one window, concatenated, with prefix sums from block k_lo's start."""

    __slots__ = ("k_lo", "k_hi", "starts", "ends", "cum", "cumend", "total")

    def __init__(self, k_lo: int, k_hi: int, blocks: list) -> None:
        """`blocks`: the materialised `Block`s k_lo..k_hi, in order."""
        self.k_lo, self.k_hi = k_lo, k_hi
        # a zero-length sentinel at the span's start: every instant in the span has an
        # interval at or before it, so no query needs a special case
        sentinel = np.array([blocks[0].start], dtype=np.int64)
        self.starts = np.concatenate([sentinel, *(b.starts_s * US_PER_S for b in blocks)])
        self.ends = np.concatenate([sentinel, *(b.ends_s * US_PER_S for b in blocks)])
        lengths = self.ends - self.starts
        self.cumend = np.cumsum(lengths)
        self.cum = self.cumend - lengths
        self.total = int(self.cumend[-1])

    def open_before(self, t: np.ndarray) -> np.ndarray:
        """Open microseconds between the span's start and each instant of `t` (int64)."""
        i = np.searchsorted(self.starts, t, side="right") - 1
        return self.cum[i] + np.minimum(t, self.ends[i]) - self.starts[i]

    def deadline(self, target: np.ndarray) -> np.ndarray:
        """The first instants at which `target` (> 0) open microseconds have passed (int64)."""
        j = np.searchsorted(self.cumend, target, side="left")
        return self.starts[j] + (target - self.cum[j])


def _instant_us(value: object, what: str) -> int:
    try:
        return (value - EPOCH) // _ONE_US  # type: ignore[operator]
    except TypeError:
        if isinstance(value, str):
            return (parse_instant(value) - EPOCH) // _ONE_US
        if isinstance(value, datetime):
            raise InstantError(f"{what} {value.isoformat()} has no timezone; give aware datetimes") from None
        kind = type(value).__name__
        raise InstantError(f"{what}: expected an aware datetime, got {kind} {value!r}") from None


def as_us_array(values: object, what: str) -> np.ndarray:
    """Epoch microseconds (int64) of datetime64 values (read as UTC) or of aware datetimes."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        us = values.astype("datetime64[us]").view(np.int64)
        if us.size and (us == _NAT).any():
            raise InstantError(f"{what}: NaT at index {int(np.flatnonzero(us == _NAT)[0])}")
        return us
    if isinstance(values, np.ndarray) and values.dtype.kind != "O":
        raise InstantError(f"{what}: expected datetime64 values or aware datetimes, got dtype {values.dtype}")
    if not isinstance(values, (Sequence, np.ndarray)) or isinstance(values, str):
        values = list(values)  # type: ignore[call-overload]
    return np.fromiter((_instant_us(v, what) for v in values), dtype=np.int64, count=len(values))


def amounts_us_array(values: object) -> np.ndarray:
    """Microseconds (int64) of amounts given as seconds (ints exact, floats rounded) or timedeltas."""
    if not isinstance(values, np.ndarray):
        values = list(values)  # type: ignore[call-overload]
        if any(isinstance(v, timedelta) for v in values):
            return np.fromiter((_amount_us(v) for v in values), dtype=np.int64, count=len(values))
        values = np.asarray(values)
    kind = values.dtype.kind
    if kind == "m":
        us = values.astype("timedelta64[us]").view(np.int64)
        if us.size and (us == _NAT).any():
            raise ValueError("amounts: NaT in timedelta64 values")
        return us
    if kind in "iu":
        return values.astype(np.int64) * US_PER_S
    if kind == "f":
        if values.size and not np.isfinite(values).all():
            raise ValueError("amounts: not every value is finite")
        return np.rint(values * US_PER_S).astype(np.int64)
    raise TypeError(f"amounts: expected seconds or timedeltas, got dtype {values.dtype}")


def _amount_us(value: object) -> int:
    if isinstance(value, timedelta):
        return value // _ONE_US
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value) * US_PER_S
    raise TypeError(f"amounts: mix of timedeltas and {type(value).__name__} {value!r}")
