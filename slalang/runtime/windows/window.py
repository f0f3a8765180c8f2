"""Runtime stage: windows as sets of instants — open time, deadlines, membership (SPEC §3).

A window is materialised lazily, one UTC year of the policy horizon at a time, into sorted
disjoint intervals with prefix sums of open time. Every query is closed form: a bisection over
those intervals plus integer arithmetic in epoch microseconds, never a walk over days.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta

import numpy as np

from slalang.runtime.errors import ArtifactError, HorizonError, InstantError
from slalang.runtime.records import iso_z
from slalang.runtime.tz import EPOCH, US_PER_S, from_us, parse_instant
from slalang.runtime.windows.algebra import IntervalSet, clip, subtract, union
from slalang.runtime.windows.batch import Span, as_us_array, amounts_us_array
from slalang.runtime.windows.blocks import Block, WindowSpec, local_intervals, parse_window

__all__ = ["ALWAYS", "Window", "WindowSet"]

ALWAYS = "always"
_ONE_US = timedelta(microseconds=1)
_ZERO = timedelta(0)


class WindowSet:
    """The windows of one artifact, materialised lazily within the policy horizon."""

    def __init__(self, windows_ir: dict, horizon: tuple[int, int]) -> None:
        """`windows_ir`: the artifact's `windows` object; `horizon`: (first_year, last_year)."""
        if not isinstance(windows_ir, dict):
            raise ArtifactError("`windows` must be an object keyed by window id")
        first, last = horizon
        if not (isinstance(first, int) and isinstance(last, int) and 1 <= first <= last <= 9998):
            raise ArtifactError(f"bad horizon {horizon!r}: need [first_year, last_year]")
        self.horizon = (first, last)
        self._ir = windows_ir
        # UTC year boundaries: block k covers [bounds[k], bounds[k + 1])
        self.bounds_us = [
            (datetime(year, 1, 1, tzinfo=EPOCH.tzinfo) - EPOCH) // _ONE_US for year in range(first, last + 2)
        ]
        self.start_us, self.end_us = self.bounds_us[0], self.bounds_us[-1]
        self._windows: dict[str, Window] = {}

    def __contains__(self, wid: object) -> bool:
        return wid == ALWAYS or wid in self._ir

    def ids(self) -> list[str]:
        """Every window id, `always` included, sorted."""
        return sorted({ALWAYS, *self._ir})

    def get(self, wid: str) -> Window:
        """The window with this id (cached); KeyError naming the known ids if there is none."""
        window = self._windows.get(wid)
        if window is not None:
            return window
        if wid == ALWAYS:  # built in; a stored entry of that name cannot shadow it
            spec = None
        elif wid in self._ir:
            spec = parse_window(wid, self._ir[wid])
        else:
            known = ", ".join(self.ids())
            raise KeyError(f"unknown window {wid!r}; this policy defines: {known}")
        window = self._windows[wid] = Window(self, wid, spec)
        return window

    def horizon_error(self, us: int, what: str = "instant") -> HorizonError:
        """The HorizonError for an instant outside the horizon, saying what the horizon is."""
        first, last = self.horizon
        return HorizonError(
            f"{what} {iso_z(us)} is outside the policy horizon {first}..{last} "
            f"(window data exists from {iso_z(self.start_us)} up to {iso_z(self.end_us)}); "
            "widen `horizon` in the policy header"
        )

    def _referenced(self, path: tuple[str, ...], wid: str, k: int) -> Block:
        # `path`: the windows whose block k is being built, outermost first (per call, so that
        # threads materialising at the same time cannot mistake each other for a cycle)
        if wid not in self:
            raise ArtifactError(f"window {path[-1]!r} refers to unknown window {wid!r}")
        if wid in path:
            cycle = " -> ".join((*path[path.index(wid) :], wid))
            raise ArtifactError(f"windows include or except each other in a cycle: {cycle}")
        return self.get(wid).block(k, path)


class Window:
    """A set of instants: weekly hours, dated intervals and other windows, minus closures.

    Obtain one from `WindowSet.get`. Instants are aware datetimes (ISO strings are accepted
    too); results are aware UTC datetimes and exact timedeltas.
    """

    def __init__(self, window_set: WindowSet, wid: str, spec: WindowSpec | None) -> None:
        """Use `WindowSet.get`; `spec` is None for the built-in `always`."""
        self.id = wid
        self.timezone = spec.timezone if spec is not None else None
        self._set = window_set
        self._spec = spec
        self._bounds = window_set.bounds_us
        self._blocks: list[Block | None] = [None] * (len(self._bounds) - 1)
        self._span: Span | None = None
        # (start, end, block) of the block the last scalar query landed in: most calls stay there
        self._hot: tuple[int, int, Block | None] = (0, 0, None)

    def __repr__(self) -> str:
        return f"Window({self.id!r}, timezone={self.timezone!r})"

    @property
    def horizon_us(self) -> tuple[int, int]:
        """(start, end) of the policy horizon in epoch microseconds: window data exists in [start, end)."""
        return self._set.start_us, self._set.end_us

    # ---- materialisation -------------------------------------------------------------

    def block(self, k: int, _path: tuple[str, ...] = ()) -> Block:
        """Block k (UTC year `horizon[0] + k`), materialised on first use."""
        found = self._blocks[k]
        if found is None:
            # two threads may both build it: the results are equal and either one is kept
            found = self._blocks[k] = self._materialise(k, (*_path, self.id))
        return found

    def _materialise(self, k: int, path: tuple[str, ...]) -> Block:
        start_s, end_s = self._bounds[k] // US_PER_S, self._bounds[k + 1] // US_PER_S
        spec = self._spec
        if spec is None:
            return Block(start_s, end_s, (np.array([start_s]), np.array([end_s])))
        opened, closed = local_intervals(spec, start_s, end_s)
        opened = union(opened, *(self._other(path, w, k) for w in spec.include))
        closed = union(closed, *(self._other(path, w, k) for w in spec.excluded))
        return Block(start_s, end_s, clip(subtract(opened, closed), start_s, end_s))

    def _other(self, path: tuple[str, ...], wid: str, k: int) -> IntervalSet:
        other = self._set._referenced(path, wid, k)
        return other.starts_s, other.ends_s

    # ---- instants ----------------------------------------------------------------------

    def _us(self, instant: datetime, what: str, allow_end: bool = False) -> int:
        """Epoch microseconds of an aware datetime (or ISO string), checked against the horizon."""
        try:
            us = (instant - EPOCH) // _ONE_US
        except TypeError:
            if isinstance(instant, str):
                us = (parse_instant(instant) - EPOCH) // _ONE_US
            elif isinstance(instant, datetime):
                raise InstantError(
                    f"{what} {instant.isoformat()} has no timezone; give an aware datetime "
                    "(tzinfo=ZoneInfo(...) or timezone.utc) or an ISO string ending in Z / +HH:MM"
                ) from None
            else:
                kind = type(instant).__name__
                raise InstantError(f"{what}: expected an aware datetime, got {kind} {instant!r}") from None
        return self._checked(us, what, allow_end)

    def _checked(self, us: int, what: str, allow_end: bool = False) -> int:
        """`us` itself, once known to lie in the horizon (an end bound may equal its end)."""
        if us < self._set.start_us or us > self._set.end_us or (us == self._set.end_us and not allow_end):
            raise self._set.horizon_error(us, what)
        return us

    def _block_of(self, us: int) -> int:
        # an end bound equal to the horizon end belongs to the last block
        return min(bisect_right(self._bounds, us) - 1, len(self._blocks) - 1)

    def _open_before(self, k: int, us: int) -> int:
        """Open microseconds of block k before `us` (an instant within or at the end of it)."""
        return self._open_before_block(self._blocks[k] or self.block(k), us)

    @staticmethod
    def _open_before_block(blk: Block, us: int) -> int:
        i = bisect_right(blk.starts, us) - 1
        if i < 0:
            return 0
        end = blk.ends[i]
        return blk.cum[i] + (us if us < end else end) - blk.starts[i]

    def _open_us(self, a: int, b: int) -> int:
        ka, kb = self._block_of(a), self._block_of(b)
        blk = self.block(kb)
        self._hot = (blk.start, blk.end, blk)
        if ka == kb:
            return self._open_before(kb, b) - self._open_before(ka, a)
        middle = sum(self.block(k).total for k in range(ka + 1, kb))
        return self.block(ka).total - self._open_before(ka, a) + middle + self._open_before(kb, b)

    # ---- scalar API ----------------------------------------------------------------------

    def open_time(self, start: datetime, end: datetime) -> timedelta:
        """Open time of [start, end) in this window, exact to the microsecond."""
        # the hot path: both instants in the block used last; everything inline, no numpy
        try:
            a = (start - EPOCH) // _ONE_US
            b = (end - EPOCH) // _ONE_US
        except TypeError:
            a = self._us(start, "start")
            b = self._us(end, "end", allow_end=True)
        lo, hi, blk = self._hot
        if lo <= a and b < hi and a <= b:
            starts = blk.starts
            i = bisect_right(starts, b) - 1
            if i < 0:
                return _ZERO
            end_i = blk.ends[i]
            fb = blk.cum[i] + (b if b < end_i else end_i) - starts[i]
            i = bisect_right(starts, a, 0, i + 1) - 1
            if i < 0:
                return _ONE_US * fb
            end_i = blk.ends[i]
            return _ONE_US * (fb - blk.cum[i] - (a if a < end_i else end_i) + starts[i])
        a = self._checked(a, "start")
        b = self._checked(b, "end", allow_end=True)
        if b < a:
            raise ValueError(f"end {end!r} is before start {start!r}")
        return _ONE_US * self._open_us(a, b)

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The first instant (aware, UTC) at which `amount` of open time has passed since `start`.

        `add(a, 0) == a`; an amount used up exactly at a closing returns the closing instant.
        HorizonError if the window does not provide that much open time before the horizon ends.
        """
        try:
            a = (start - EPOCH) // _ONE_US
            need = amount // _ONE_US
        except TypeError:
            if not isinstance(amount, timedelta):
                raise TypeError(f"amount must be a timedelta, got {type(amount).__name__}") from None
            a = self._us(start, "start")
            need = amount // _ONE_US
        lo, hi, blk = self._hot
        if not (lo <= a < hi):
            a = self._checked(a, "start")
            k = self._block_of(a)
            blk = self.block(k)
            self._hot = (blk.start, blk.end, blk)
        if need <= 0:
            if need < 0:
                raise ValueError(f"amount must not be negative, got {amount}")
            return EPOCH + _ONE_US * a
        starts = blk.starts
        i = bisect_right(starts, a) - 1
        if i < 0:
            target = need
        else:
            end_i = blk.ends[i]
            target = blk.cum[i] + (a if a < end_i else end_i) - starts[i] + need
        if target <= blk.total:
            j = bisect_left(blk.cumend, target)
            return EPOCH + _ONE_US * (starts[j] + target - blk.cum[j])
        return self._add_beyond(self._block_of(a), target - blk.total, a, amount)

    def _add_beyond(self, k: int, rest: int, a: int, amount: timedelta) -> datetime:
        # `rest` open microseconds are still needed after block k ends
        last = len(self._blocks) - 1
        while k < last:
            k += 1
            blk = self.block(k)
            if rest <= blk.total:
                j = bisect_left(blk.cumend, rest)
                return EPOCH + _ONE_US * (blk.starts[j] + rest - blk.cum[j])
            rest -= blk.total
        raise HorizonError(
            f"window {self.id!r} has less than {amount} of open time between "
            f"{iso_z(a)} and the end of the policy horizon ({iso_z(self._set.end_us)}); "
            "widen `horizon` in the policy header"
        )

    # ---- integer microseconds: for the ticket and availability engines ----------------------

    def open_us(self, a: int, b: int) -> int:
        """Open microseconds of [a, b), both epoch microseconds."""
        lo, hi, blk = self._hot
        if lo <= a and b < hi and a <= b:
            return self._open_before_block(blk, b) - self._open_before_block(blk, a)
        a = self._checked(a, "start")
        b = self._checked(b, "end", allow_end=True)
        if b < a:
            raise ValueError(f"end {iso_z(b)} is before start {iso_z(a)}")
        return self._open_us(a, b)

    def add_us(self, a: int, amount: int) -> int:
        """Epoch microseconds at which `amount` open microseconds have passed since `a`."""
        return (self.add(EPOCH + _ONE_US * a, _ONE_US * amount) - EPOCH) // _ONE_US

    def is_open(self, instant: datetime) -> bool:
        """Whether the window is open at this instant (intervals are [open, close))."""
        try:
            t = (instant - EPOCH) // _ONE_US
        except TypeError:
            t = self._us(instant, "instant")
        lo, hi, blk = self._hot
        if not (lo <= t < hi):
            t = self._checked(t, "instant")
            blk = self.block(self._block_of(t))
            self._hot = (blk.start, blk.end, blk)
        i = bisect_right(blk.starts, t) - 1
        return i >= 0 and t < blk.ends[i]

    def intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The maximal open intervals of the window within [start, end), clipped to it."""
        a = self._us(start, "start")
        b = self._us(end, "end", allow_end=True)
        if b < a:
            raise ValueError(f"end {end!r} is before start {start!r}")
        found: list[list[int]] = []
        for k in range(self._block_of(a), self._block_of(b) + 1):
            blk = self.block(k)
            first = bisect_right(blk.ends, a)
            for i in range(first, len(blk.starts)):
                s, e = blk.starts[i], blk.ends[i]
                if s >= b:
                    break
                s, e = max(s, a), min(e, b)
                if found and found[-1][1] == s:  # open across a block boundary: one interval
                    found[-1][1] = e
                else:
                    found.append([s, e])
        return [(from_us(s), from_us(e)) for s, e in found]

    # ---- batch API ---------------------------------------------------------------------------

    def _span_for(self, k_lo: int, k_hi: int) -> Span:
        span = self._span
        if span is None or k_lo < span.k_lo or k_hi > span.k_hi:
            # exactly the years asked for: a far-off query must not materialise the years between
            span = self._span = self._new_span(k_lo, k_hi)
        return span

    def _new_span(self, k_lo: int, k_hi: int) -> Span:
        return Span(k_lo, k_hi, [self.block(k) for k in range(k_lo, k_hi + 1)])

    def _check_horizon(self, us: np.ndarray, what: str, allow_end: bool) -> None:
        if us.size == 0:
            return
        lo, hi = int(us.min()), int(us.max())
        if lo < self._set.start_us:
            raise self._set.horizon_error(lo, what)
        if hi > self._set.end_us or (hi == self._set.end_us and not allow_end):
            raise self._set.horizon_error(hi, what)

    def open_time_many(self, starts, ends) -> np.ndarray:
        """Open time in seconds (float64) of each [starts[i], ends[i]); same results as `open_time`.

        `starts`/`ends`: numpy datetime64 arrays (read as UTC) or sequences of aware datetimes.
        """
        a = as_us_array(starts, "start")
        b = as_us_array(ends, "end")
        if a.shape != b.shape:
            raise ValueError(f"starts and ends differ in shape: {a.shape} vs {b.shape}")
        self._check_horizon(a, "start", allow_end=False)
        self._check_horizon(b, "end", allow_end=True)
        if a.size == 0:
            return np.empty(a.shape, dtype=np.float64)
        backwards = np.flatnonzero(b < a)
        if backwards.size:
            raise ValueError(f"end before start at index {int(backwards[0])}")
        span = self._span_for(self._block_of(int(a.min())), self._block_of(int(b.max())))
        return (span.open_before(b) - span.open_before(a)) / US_PER_S

    def add_many(self, starts, seconds) -> np.ndarray:
        """Deadlines (datetime64[us], UTC) of `seconds` of open time after each start; as `add`.

        `seconds`: numbers (integers are exact; floats are rounded to the microsecond) or
        timedelta64 / timedelta values.
        """
        a = as_us_array(starts, "start")
        need = amounts_us_array(seconds)
        if a.shape != need.shape:
            raise ValueError(f"starts and amounts differ in shape: {a.shape} vs {need.shape}")
        self._check_horizon(a, "start", allow_end=False)
        if a.size == 0:
            return np.empty(a.shape, dtype="datetime64[us]")
        negative = np.flatnonzero(need < 0)
        if negative.size:
            raise ValueError(f"negative amount at index {int(negative[0])}")
        span = self._span_for(self._block_of(int(a.min())), self._block_of(int(a.max())))
        target = span.open_before(a) + need
        # deadlines may lie in later years: take in just the years the furthest one needs
        span = self._span_for(span.k_lo, self._years_reaching(span, int(target.max())))
        short = np.flatnonzero(target > span.total)
        if short.size:
            i = int(short[0])
            raise HorizonError(
                f"window {self.id!r}: the deadline of start {iso_z(int(a[i]))} plus "
                f"{timedelta(microseconds=int(need[i]))} of open time (index {i}) lies beyond the "
                f"end of the policy horizon ({iso_z(self._set.end_us)}); widen `horizon` in the policy header"
            )
        result = span.deadline(target)
        return np.where(need == 0, a, result).astype("datetime64[us]")

    def _years_reaching(self, span: Span, furthest: int) -> int:
        """The last block a span from `span.k_lo` needs for `furthest` open µs (at most the last one)."""
        reach, k_hi = span.total, span.k_hi
        while furthest > reach and k_hi < len(self._blocks) - 1:
            k_hi += 1
            reach += self.block(k_hi).total
        return k_hi

    def axis(self, lo_us: int, hi_us: int) -> Axis:
        """An open-time axis for instants in [lo_us, hi_us] (epoch µs; `hi_us` may be the horizon's
        end): see `Axis`. Raises HorizonError if either bound lies outside the horizon."""
        self._checked(lo_us, "start")
        self._checked(hi_us, "end", allow_end=True)
        return Axis(self, self._block_of(lo_us), self._block_of(hi_us))

    def horizon_axis(self) -> Axis:
        """An open-time axis over the whole horizon, built once per window and kept: every batch
        (and every single ticket) places its instants on the same axis, with nothing rebuilt."""
        found = self.__dict__.get("_horizon_axis")
        if found is None:
            found = self.__dict__["_horizon_axis"] = Axis(self, 0, len(self._blocks) - 1)
        return found


class Axis:
    """A window's open time as one coordinate from a fixed origin, for many queries at once.

    `open_at(t)` is the open microseconds between the origin and each instant t (which must lie
    in the years the axis was made for); `instant_at(x)` is the first instant at which x of them
    have passed. Open time in [a, b) is `open_at(b) - open_at(a)`, and the deadline of `need`
    open microseconds after a is `instant_at(open_at(a) + need)` (for need > 0): a batch
    converts its instants once and then works with plain integers."""

    __slots__ = ("window", "_span")

    def __init__(self, window: Window, k_lo: int, k_hi: int) -> None:
        self.window = window
        # its own span: the window's cached one may be replaced by one with another origin
        self._span = window._new_span(k_lo, k_hi)

    def open_at(self, t: np.ndarray) -> np.ndarray:
        return self._span.open_before(t)

    def full_span(self) -> Span:
        """The axis' span extended to the horizon's end (for kernels that read its arrays)."""
        self.reach
        return self._span

    @property
    def reach(self) -> int:
        """The most open microseconds `instant_at` can place: those up to the horizon's end."""
        span = self._span
        if span.k_hi < len(self.window._blocks) - 1:
            span = self._span = self.window._new_span(span.k_lo, len(self.window._blocks) - 1)
        return span.total

    def instant_at(self, x: np.ndarray) -> np.ndarray:
        """Raises HorizonError if some x lies beyond the end of the horizon."""
        span = self._span
        if x.size and int(x.max()) > span.total:
            w = self.window
            span = self._span = w._new_span(span.k_lo, w._years_reaching(span, int(x.max())))
            if int(x.max()) > span.total:
                raise HorizonError(f"window {w.id!r}: a deadline lies beyond the end of the policy horizon "
                                   f"({iso_z(w.horizon_us[1])}); widen `horizon` in the policy header")
        return span.deadline(x)

    def add(self, a: np.ndarray, need: np.ndarray) -> np.ndarray:
        """The instants at which need[i] (≥ 0) open microseconds have passed since a[i]; as `Window.add`."""
        return np.where(need == 0, a, self.instant_at(self.open_at(a) + need))
