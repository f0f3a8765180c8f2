"""Runtime windows: properties of the time algebra over random windows, zones and instants.

Besides the algebraic laws, open time is checked against a brute-force oracle written here from
the definition (local days, zoneinfo wall clocks, plain interval lists), sharing no code with
the runtime.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from slalang.runtime.errors import HorizonError
from slalang.runtime.tz import LocalClock, from_us, localize, to_us
from slalang.runtime.windows import WindowSet

UTC = timezone.utc
US = 1_000_000
ONE_US = timedelta(microseconds=1)
HORIZON = (2024, 2026)
ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "UTC"]

# instants are drawn from late 2024 to early 2026, so every query stays inside the horizon
LO_S = to_us(datetime(2024, 12, 20, tzinfo=UTC)) // US
HI_S = to_us(datetime(2026, 1, 12, tzinfo=UTC)) // US
# DST changes in 2025 and the UTC year boundary: where bugs live
SPECIAL_S = [
    to_us(datetime.fromisoformat(t)) // US
    for t in (
        "2025-03-09T07:00:00+00:00",
        "2025-03-30T01:00:00+00:00",
        "2025-04-05T16:00:00+00:00",
        "2025-10-04T16:00:00+00:00",
        "2025-10-26T01:00:00+00:00",
        "2025-11-02T06:00:00+00:00",
        "2025-01-01T00:00:00+00:00",
        "2025-01-01T00:00:00+00:00",
        "2026-01-01T00:00:00+00:00",
        "2026-01-01T00:00:00+00:00",
    )
]

PROPS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---- strategies ---------------------------------------------------------------------------------


@st.composite
def weekly_ranges(draw):
    day = draw(st.integers(0, 6))
    shape = draw(st.sampled_from(["quarter", "second", "whole day", "office"]))
    if shape == "whole day":  # consecutive whole days touch at midnight, as in `tue-sat 00:00-24:00`
        return [day, 0, 86400]
    if shape == "office":
        return [day, 32400, 63000]
    if shape == "quarter":  # quarter hours like real policies
        start = draw(st.integers(0, 95)) * 900
        return [day, start, start + draw(st.integers(1, (172800 - start) // 900)) * 900]
    start = draw(st.integers(0, 86399))
    return [day, start, draw(st.integers(start + 1, 172800))]


def _day(offset: int) -> str:
    return (date(2024, 12, 20) + timedelta(days=offset)).isoformat()


@st.composite
def window_irs(draw, references=()):
    weekly = draw(st.lists(weekly_ranges(), min_size=1 if references else 0, max_size=7))
    ir = {"timezone": draw(st.sampled_from(ZONES)), "weekly": weekly}
    ir["closed_dates"] = [
        [_day(first), _day(first + length)]
        for first, length in draw(st.lists(st.tuples(st.integers(0, 385), st.integers(0, 3)), max_size=2))
    ]
    ir["holidays"] = [{"region": "XX", "days": {_day(d): "holiday" for d in draw(st.lists(st.integers(0, 385), max_size=3))}}]
    dated = []
    for start, length in draw(st.lists(st.tuples(st.integers(LO_S, HI_S), st.integers(0, 3 * 86400)), max_size=2)):
        dated.append([from_us(start * US).isoformat(), from_us((start + length) * US).isoformat()])
    ir["dated"] = dated
    if references:
        ir["include"] = draw(st.sampled_from([[], ["x"], ["always"]]))
        ir["except"] = draw(st.sampled_from([[], ["x"]]))
    return ir


@st.composite
def window_sets(draw):
    return WindowSet({"w": draw(window_irs(references=True)), "x": draw(window_irs())}, HORIZON)


def _micro(draw) -> int:
    return draw(st.sampled_from([0, 0, 0, 1, 999_999]) | st.integers(0, 999_999))


@st.composite
def instants_us(draw):
    # built from days, seconds and microseconds: hypothesis' plain integers crowd near a bound
    if draw(st.integers(0, 2)) == 0:
        near = draw(st.sampled_from(SPECIAL_S)) + draw(st.integers(-2 * 86400, 2 * 86400))
        return near * US + _micro(draw)
    day = draw(st.integers(0, (HI_S - LO_S) // 86400 - 1))
    return (LO_S + day * 86400 + draw(st.integers(0, 86399))) * US + _micro(draw)


@st.composite
def spans_us(draw, max_days: int):
    return (draw(st.integers(0, max_days)) * 86400 + draw(st.integers(0, 86399))) * US + _micro(draw)


def dt(us: int) -> datetime:
    return from_us(us)


# ---- the oracle -----------------------------------------------------------------------------------


def oracle_utc_s(wall: datetime, tz: ZoneInfo) -> int:
    """SPEC §3 from zoneinfo directly: fold=0, and a wall time in a gap goes to the gap's end."""
    first = int(wall.replace(tzinfo=tz, fold=0).timestamp())
    if datetime.fromtimestamp(first, tz).replace(tzinfo=None) == wall:
        return first
    other = int(wall.replace(tzinfo=tz, fold=1).timestamp())
    lo, hi = min(first, other), max(first, other)

    def offset(s):
        return datetime.fromtimestamp(s, tz).utcoffset()

    while hi - lo > 1:  # the offset changes once in (lo, hi]: find the change
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if offset(mid) == offset(lo) else (lo, mid)
    return hi


def merged(pairs):
    out = []
    for s, e in sorted(p for p in pairs if p[0] < p[1]):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def minus(pairs, holes):
    out = []
    for s, e in merged(pairs):
        for hs, he in merged(holes):
            if he <= s or hs >= e:
                continue
            if hs > s:
                out.append([s, hs])
            s = max(s, he)
            if s >= e:
                break
        if s < e:
            out.append([s, e])
    return out


def oracle_intervals(ir_all, wid, a_s, b_s):
    """The window's intervals (epoch seconds) near [a_s, b_s], from the definition."""
    if wid == "always":
        return [[a_s - 86400, b_s + 86400]]
    ir = ir_all[wid]
    tz = ZoneInfo(ir["timezone"])
    first = datetime.fromtimestamp(a_s, UTC).date() - timedelta(days=3)
    last = datetime.fromtimestamp(b_s, UTC).date() + timedelta(days=3)
    opened, closed = [], []
    day = first
    while day <= last:
        midnight = datetime.combine(day, time())
        for weekday, start, end in ir.get("weekly", []):
            if day.weekday() == weekday:
                opened.append(
                    [oracle_utc_s(midnight + timedelta(seconds=start), tz), oracle_utc_s(midnight + timedelta(seconds=end), tz)]
                )
        shut = any(d0 <= day.isoformat() <= d1 for d0, d1 in ir.get("closed_dates", []))
        shut |= any(day.isoformat() in region["days"] for region in ir.get("holidays", []))
        if shut:
            closed.append([oracle_utc_s(midnight, tz), oracle_utc_s(midnight + timedelta(days=1), tz)])
        day += timedelta(days=1)
    for start, end in ir.get("dated", []):
        opened.append([int(datetime.fromisoformat(start).timestamp()), int(datetime.fromisoformat(end).timestamp())])
    for other in ir.get("include", []):
        opened.extend(oracle_intervals(ir_all, other, a_s, b_s))
    for other in ir.get("except", []):
        closed.extend(oracle_intervals(ir_all, other, a_s, b_s))
    return minus(opened, closed)


def oracle_open_us(ir_all, wid, a, b):
    total = 0
    for s, e in oracle_intervals(ir_all, wid, a // US - 1, b // US + 1):
        total += max(0, min(e * US, b) - max(s * US, a))
    return total


# ---- properties ---------------------------------------------------------------------------------


@PROPS
@given(window_sets(), instants_us(), spans_us(8))
def test_open_time_matches_the_oracle(ws, a, span):
    b = min(a + span, HI_S * US)
    assume(a <= b)
    win = ws.get("w")
    assert win.open_time(dt(a), dt(b)) == ONE_US * oracle_open_us(ws._ir, "w", a, b)


@PROPS
@given(window_sets(), st.lists(instants_us(), min_size=3, max_size=3))
def test_open_time_is_additive(ws, points):
    a, b, c = sorted(points)
    win = ws.get("w")
    assert win.open_time(dt(a), dt(c)) == win.open_time(dt(a), dt(b)) + win.open_time(dt(b), dt(c))


@PROPS
@given(window_sets(), instants_us(), spans_us(40))
def test_add_gives_the_first_instant_with_that_much_open_time(ws, a, amount_us):
    win = ws.get("w")
    amount = ONE_US * amount_us
    available = win.open_time(dt(a), from_us(ws.end_us))
    if amount > available:
        with pytest.raises(HorizonError):
            win.add(dt(a), amount)
        return
    due = win.add(dt(a), amount)
    assert due >= dt(a)
    assert win.open_time(dt(a), due) == amount
    if amount_us > 0:  # one microsecond earlier is not enough: it is the first such instant
        assert win.open_time(dt(a), due - ONE_US) < amount


@PROPS
@given(window_sets(), instants_us(), spans_us(20))
def test_an_amount_used_up_at_a_closing_returns_the_closing(ws, a, span):
    b = min(a + span, HI_S * US)
    win = ws.get("w")
    closes = [e for _, e in win.intervals(dt(a), dt(b)) if e < dt(b)]
    amounts = [win.open_time(dt(a), e) for e in closes]
    assert [win.add(dt(a), amount) for amount in amounts] == closes
    if a % US == 0:  # add_many takes seconds; with a whole-second start, these are whole seconds
        seconds = [int(amount.total_seconds()) for amount in amounts]
        batch = win.add_many(np.full(len(closes), a, dtype=np.int64).astype("datetime64[us]"), seconds)
        assert batch.view(np.int64).tolist() == [to_us(e) for e in closes]


@PROPS
@given(window_sets(), st.lists(instants_us(), min_size=2, max_size=2), st.lists(spans_us(20), min_size=2, max_size=2))
def test_add_is_monotonic_in_start_and_amount(ws, starts, amounts):
    (a1, a2), (d1, d2) = sorted(starts), sorted(amounts)
    win = ws.get("w")
    try:
        by_amount = (win.add(dt(a1), ONE_US * d1), win.add(dt(a1), ONE_US * d2))
        by_start = (win.add(dt(a1), ONE_US * d1), win.add(dt(a2), ONE_US * d1))
    except HorizonError:
        assume(False)
    assert by_amount[0] <= by_amount[1]
    assert by_start[0] <= by_start[1]


@PROPS
@given(window_sets(), instants_us())
def test_is_open_agrees_with_open_time_just_after(ws, t):
    win = ws.get("w")
    assert win.is_open(dt(t)) == (win.open_time(dt(t), dt(t) + ONE_US) == ONE_US)
    whole = t - t % US  # instants and window bounds on whole seconds: a second is all or nothing
    second = win.open_time(dt(whole), dt(whole + US))
    assert second == (timedelta(seconds=1) if win.is_open(dt(whole)) else timedelta(0))


@PROPS
@given(window_sets(), instants_us(), spans_us(30))
def test_intervals_are_maximal_and_measure_the_open_time(ws, a, span):
    b = min(a + span, HI_S * US)
    assume(a <= b)
    win = ws.get("w")
    found = win.intervals(dt(a), dt(b))
    assert sum((e - s for s, e in found), timedelta(0)) == win.open_time(dt(a), dt(b))
    for (s1, e1), (s2, e2) in zip(found, found[1:]):
        assert s1 < e1 < s2 < e2  # sorted, disjoint and not touching
    assert all(win.is_open(s) for s, _ in found)
    assert all(e == dt(b) or not win.is_open(e) for _, e in found)


@PROPS
@given(window_sets(), st.lists(st.tuples(instants_us(), spans_us(60), spans_us(10)), min_size=1, max_size=25))
def test_batch_equals_scalar(ws, rows):
    win = ws.get("w")
    starts = [a for a, _, _ in rows]
    ends = [min(a + span, HI_S * US) for a, span, _ in rows]
    amounts = [amount - amount % US for _, _, amount in rows]  # add_many takes seconds
    as_datetime64 = np.array(starts, dtype=np.int64).astype("datetime64[us]")
    batch = win.open_time_many(as_datetime64, [dt(e) for e in ends])
    assert batch.tolist() == [win.open_time(dt(a), dt(e)).total_seconds() for a, e in zip(starts, ends)]
    seconds = np.array(amounts, dtype=np.int64) // US
    try:
        scalar = [to_us(win.add(dt(a), ONE_US * d)) for a, d in zip(starts, amounts)]
    except HorizonError:
        with pytest.raises(HorizonError):
            win.add_many(as_datetime64, seconds)
        return
    assert win.add_many(as_datetime64, seconds).view(np.int64).tolist() == scalar


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), st.sampled_from(SPECIAL_S), st.integers(-36 * 3600, 36 * 3600))
def test_the_wall_clock_mapping_follows_zoneinfo(zone, near, delta):
    tz = ZoneInfo(zone)
    wall = datetime.fromtimestamp(near + delta, UTC).replace(tzinfo=None)
    expected = oracle_utc_s(wall, tz)
    assert to_us(localize(wall, tz)) == expected * US
    wall_s = (near + delta) // 86400 * 86400 + (near + delta) % 86400
    clock = LocalClock(tz, near - 5 * 86400, near + 5 * 86400)
    assert clock.to_utc(wall_s) == expected
    assert clock.to_utc_array(np.array([wall_s]))[0] == expected
