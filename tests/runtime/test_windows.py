"""Runtime windows: named cases a user would notice (DST, holidays, zones, deadlines, errors)."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from slalang.runtime.errors import ArtifactError, HorizonError, InstantError
from slalang.runtime.tz import from_us, localize, parse_instant, to_us
from slalang.runtime.windows import WindowSet

UTC = timezone.utc
H = timedelta(hours=1)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ---- DST: the change day in three zones, both directions ------------------------------------

# (zone, change day (a Sunday), UTC bounds of 09:00-17:00, UTC bounds of the whole local day, its hours)
DST_DAYS = [
    ("Europe/London", "2025-03-30", ("2025-03-30T08:00", "2025-03-30T16:00"), ("2025-03-30T00:00", "2025-03-30T23:00"), 23),
    ("Europe/London", "2025-10-26", ("2025-10-26T09:00", "2025-10-26T17:00"), ("2025-10-25T23:00", "2025-10-27T00:00"), 25),
    ("America/New_York", "2025-03-09", ("2025-03-09T13:00", "2025-03-09T21:00"), ("2025-03-09T05:00", "2025-03-10T04:00"), 23),
    ("America/New_York", "2025-11-02", ("2025-11-02T14:00", "2025-11-02T22:00"), ("2025-11-02T04:00", "2025-11-03T05:00"), 25),
    ("Australia/Sydney", "2025-04-06", ("2025-04-05T23:00", "2025-04-06T07:00"), ("2025-04-05T13:00", "2025-04-06T14:00"), 25),
    ("Australia/Sydney", "2025-10-05", ("2025-10-04T22:00", "2025-10-05T06:00"), ("2025-10-04T14:00", "2025-10-05T13:00"), 23),
]
DST_FIELDS = ("zone", "day", "nine_to_five", "whole_day", "hours")


@pytest.mark.parametrize(DST_FIELDS, DST_DAYS)
def test_nine_to_five_on_a_dst_change_day_is_eight_hours(make, zone, day, nine_to_five, whole_day, hours):
    win = make.window_set(w=make.window(zone, "sun 09:00-17:00")).get("w")
    week = (utc(f"{day}T00:00") - timedelta(days=3), utc(f"{day}T00:00") + timedelta(days=3))
    assert win.intervals(*week) == [(utc(nine_to_five[0]), utc(nine_to_five[1]))]
    assert win.open_time(*week) == 8 * H


@pytest.mark.parametrize(DST_FIELDS, DST_DAYS)
def test_a_whole_day_window_counts_the_day_as_23_or_25_hours(make, zone, day, nine_to_five, whole_day, hours):
    win = make.window_set(w=make.window(zone, "sun 00:00-24:00")).get("w")
    start, end = utc(whole_day[0]), utc(whole_day[1])
    assert end - start == hours * H  # the hand-computed bounds agree with the day's length
    week = (start - timedelta(days=2), end + timedelta(days=2))
    assert win.intervals(*week) == [(start, end)]
    assert win.open_time(*week) == hours * H
    assert win.add(start, hours * H) == end


# (zone, the Saturday night before a change, expected length of sat 22:00-06:00, its UTC start)
OVERNIGHT = [
    ("Europe/London", "2025-03-29", 7, "2025-03-29T22:00"),
    ("Europe/London", "2025-10-25", 9, "2025-10-25T21:00"),
    ("America/New_York", "2025-03-08", 7, "2025-03-09T03:00"),
    ("America/New_York", "2025-11-01", 9, "2025-11-02T02:00"),
    ("Australia/Sydney", "2025-04-05", 9, "2025-04-05T11:00"),
    ("Australia/Sydney", "2025-10-04", 7, "2025-10-04T12:00"),
]


@pytest.mark.parametrize(("zone", "saturday", "hours", "utc_start"), OVERNIGHT)
def test_an_overnight_range_across_a_dst_change(make, zone, saturday, hours, utc_start):
    win = make.window_set(w=make.window(zone, "sat 22:00-06:00")).get("w")
    start = utc(utc_start)
    around = (start - timedelta(days=2), start + timedelta(days=2))
    assert win.intervals(*around) == [(start, start + hours * H)]
    assert win.add(start, hours * H) == start + hours * H
    assert not win.is_open(start + hours * H)


def test_bounds_in_a_gap_move_to_its_end_and_repeated_hours_take_the_first(make):
    win = make.window_set(w=make.window("Europe/London", "sun 01:30-03:00")).get("w")
    # spring: 01:30 does not exist; the range opens at the transition 01:00Z (02:00 BST)
    assert win.intervals(utc("2025-03-29T00:00"), utc("2025-03-31T00:00")) == [
        (utc("2025-03-30T01:00"), utc("2025-03-30T02:00"))
    ]
    # autumn: 01:30 happens twice; the range opens at the first (00:30Z), closes at 03:00 GMT
    assert win.open_time(utc("2025-10-25T00:00"), utc("2025-10-27T00:00")) == timedelta(hours=2, minutes=30)


# ---- holidays and closed dates --------------------------------------------------------------

GB_ENG_2025 = ("2025-04-18", "2025-04-21", "2025-12-25", "2025-12-26")


@pytest.fixture
def gb_business(make):
    ir = make.window("Europe/London", "mon-fri 09:00-17:30", holidays=make.holidays("GB-ENG", *GB_ENG_2025, "2026-01-01"))
    return make.window_set(bh=ir).get("bh")


def test_easter_good_friday_and_easter_monday_are_closed(make, gb_business):
    london = "Europe/London"
    assert gb_business.open_time(make.at("2025-04-14T00:00", london), make.at("2025-04-22T00:00", london)) == 34 * H
    assert not gb_business.is_open(make.at("2025-04-18T10:00", london))
    assert not gb_business.is_open(make.at("2025-04-21T10:00", london))
    assert gb_business.is_open(make.at("2025-04-22T10:00", london))
    # Thursday 17:00 + 1h: 30 minutes on Thursday, then Tuesday 09:00-09:30
    assert gb_business.add(make.at("2025-04-17T17:00", london), H) == make.at("2025-04-22T09:30", london)


def test_christmas_and_boxing_day_are_closed(make, gb_business):
    london = "Europe/London"
    assert gb_business.open_time(make.at("2025-12-22T00:00", london), make.at("2025-12-29T00:00", london)) == 25.5 * H
    assert gb_business.intervals(make.at("2025-12-24T00:00", london), make.at("2025-12-30T00:00", london)) == [
        (utc("2025-12-24T09:00"), utc("2025-12-24T17:30")),
        (utc("2025-12-29T09:00"), utc("2025-12-29T17:30")),
    ]


def test_closed_dates_remove_whole_local_days(make):
    ir = make.window("America/New_York", "mon-sun 00:00-24:00", closed_dates=[["2025-07-03", "2025-07-04"]])
    win = make.window_set(w=ir).get("w")
    ny = "America/New_York"
    assert win.intervals(make.at("2025-07-02T12:00", ny), make.at("2025-07-06T00:00", ny)) == [
        (make.at("2025-07-02T12:00", ny), make.at("2025-07-03T00:00", ny)),
        (make.at("2025-07-05T00:00", ny), make.at("2025-07-06T00:00", ny)),
    ]


# ---- windows in other timezones combine exactly ----------------------------------------------


@pytest.fixture
def support_24x5(make):
    return make.window_set(
        support_24x5=make.window("Australia/Sydney", "mon 10:00-24:00", "tue-sat 00:00-24:00", except_=["us_weekend"]),
        us_weekend=make.window("America/Los_Angeles", "fri 17:00-24:00", "sat 00:00-24:00"),
    ).get("support_24x5")


def test_24x5_minus_the_us_weekend_depends_on_both_zones_offsets(support_24x5):
    # January: Sydney AEDT (+11), Los Angeles PST (-8). Sydney is open Mon 10:00 to Sun 00:00
    # = 2025-01-12T23:00Z .. 2025-01-18T13:00Z (134 h); the US weekend starts Fri 17:00 PST =
    # 2025-01-18T01:00Z, so it removes 12 h: 122 h.
    assert support_24x5.open_time(utc("2025-01-12T12:00"), utc("2025-01-19T12:00")) == 122 * H
    assert support_24x5.is_open(utc("2025-01-18T00:59:59"))
    assert not support_24x5.is_open(utc("2025-01-18T01:00"))
    # May: Sydney AEST (+10), Los Angeles PDT (-7). Open 2025-05-12T00:00Z .. 2025-05-17T14:00Z
    # (134 h); the US weekend starts Fri 17:00 PDT = 2025-05-17T00:00Z and removes 14 h: 120 h.
    assert support_24x5.open_time(utc("2025-05-11T12:00"), utc("2025-05-18T12:00")) == 120 * H
    assert support_24x5.intervals(utc("2025-05-11T12:00"), utc("2025-05-18T12:00")) == [
        (utc("2025-05-12T00:00"), utc("2025-05-17T00:00"))
    ]


def test_include_unions_windows_of_other_zones(make):
    ws = make.window_set(
        extended=make.window("Europe/London", "sun 12:00-16:00", include=["night_desk"]),
        night_desk=make.window("America/New_York", "sat 22:00-06:00"),
    )
    # Sat 2025-06-14 22:00 EDT = Sun 02:00Z .. Sun 10:00Z; Sun 12:00-16:00 BST = 11:00Z..15:00Z
    assert ws.get("extended").intervals(utc("2025-06-14T00:00"), utc("2025-06-16T00:00")) == [
        (utc("2025-06-15T02:00"), utc("2025-06-15T10:00")),
        (utc("2025-06-15T11:00"), utc("2025-06-15T15:00")),
    ]


def test_dated_intervals_and_always(make):
    ws = make.window_set(maint=make.window("UTC", "sun 02:00-04:00", dated=[["2025-06-14T20:00:00Z", "2025-06-15T02:00:00Z"]]))
    # the dated interval touches Sunday 02:00-04:00: one maximal interval
    assert ws.get("maint").intervals(utc("2025-06-14T00:00"), utc("2025-06-16T00:00")) == [
        (utc("2025-06-14T20:00"), utc("2025-06-15T04:00"))
    ]
    always = ws.get("always")
    assert always.open_time(utc("2024-12-31T22:00"), utc("2025-01-01T03:00")) == 5 * H
    # open across the year (block) boundary: still one interval
    assert always.intervals(utc("2024-12-31T22:00"), utc("2025-01-01T03:00")) == [
        (utc("2024-12-31T22:00"), utc("2025-01-01T03:00"))
    ]
    assert always.add(utc("2024-12-31T23:00"), 2 * H) == utc("2025-01-01T01:00")


# ---- open/close edges and deadlines -------------------------------------------------------------


@pytest.fixture
def london_business(make):
    """SPEC's business hours: mon-fri 09:00-17:30, sat 10:00-13:00, Europe/London."""
    return make.window_set(bh=make.window("Europe/London", "mon-fri 09:00-17:30", "sat 10:00-13:00")).get("bh")


def test_open_at_the_opening_instant_and_closed_at_the_closing_instant(make, london_business):
    win = london_business
    london = "Europe/London"
    eps = timedelta(microseconds=1)
    assert win.is_open(make.at("2025-03-10T09:00", london))
    assert not win.is_open(make.at("2025-03-10T09:00", london) - eps)
    assert win.is_open(make.at("2025-03-10T17:30", london) - eps)
    assert not win.is_open(make.at("2025-03-10T17:30", london))
    assert win.open_time(make.at("2025-03-10T17:30", london), make.at("2025-03-10T17:30:01", london)) == timedelta(0)


def test_an_add_used_up_at_closing_returns_the_close_not_the_next_opening(make, london_business):
    win = london_business
    london = "Europe/London"
    assert win.add(make.at("2025-03-10T09:00", london), timedelta(hours=8, minutes=30)) == make.at("2025-03-10T17:30", london)
    assert win.add(make.at("2025-03-10T17:00", london), timedelta(minutes=30)) == make.at("2025-03-10T17:30", london)
    assert win.add(make.at("2025-03-10T17:00", london), timedelta(minutes=30, microseconds=1)) == make.at(
        "2025-03-11T09:00:00.000001", london
    )


def test_add_zero_is_the_start_even_when_closed(make, london_business):
    win = london_business
    sunday = make.at("2025-03-09T12:00", "Europe/London")
    assert win.add(sunday, timedelta(0)) == sunday
    assert win.add(sunday, timedelta(0)).tzinfo == UTC


def test_spec_example_p1_opened_saturday_late_morning_is_due_monday(make, london_business):
    win = london_business
    london = "Europe/London"
    due = win.add(make.at("2025-03-08T12:30", london), H)
    assert due == make.at("2025-03-10T09:30", london)
    assert due.astimezone(ZoneInfo(london)).replace(tzinfo=None) == datetime(2025, 3, 10, 9, 30)


def test_add_across_a_weekend(make, gb_business):
    london = "Europe/London"
    # Friday 17:00 + 1h: 30 minutes on Friday, nothing at the weekend, 30 minutes on Monday
    assert gb_business.add(make.at("2025-03-07T17:00", london), H) == make.at("2025-03-10T09:30", london)
    assert gb_business.open_time(make.at("2025-03-07T12:00", london), make.at("2025-03-10T12:00", london)) == 8.5 * H


def test_add_and_open_time_across_a_year_boundary(make, gb_business):
    london = "Europe/London"
    start = make.at("2025-12-31T17:00", london)
    # 30 minutes on Wednesday; Thursday 2026-01-01 is a holiday; 30 minutes on Friday
    assert gb_business.add(start, H) == make.at("2026-01-02T09:30", london)
    assert gb_business.open_time(start, make.at("2026-01-02T09:30", london)) == H
    # Sydney's new year is 13:00Z the day before: local weeks straddle the UTC block boundary
    sydney = make.window_set(w=make.window("Australia/Sydney", "mon-fri 09:00-17:00")).get("w")
    wed = make.at("2025-12-31T16:00", "Australia/Sydney")  # 2025-12-31T05:00Z
    # 1h on Wednesday, 8h on Thursday (2026-01-01T06:00Z closes it), 1h on Friday
    assert sydney.add(wed, 10 * H) == make.at("2026-01-02T10:00", "Australia/Sydney")
    assert sydney.open_time(wed, make.at("2026-01-02T10:00", "Australia/Sydney")) == 10 * H


def test_open_time_over_years_equals_the_sum_of_its_parts(make, gb_business):
    cuts = [utc(f"{y}-01-01T00:00") for y in range(2024, 2028)] + [utc("2027-12-31T23:59:59")]
    whole = gb_business.open_time(cuts[0], cuts[-1])
    assert whole == sum((gb_business.open_time(a, b) for a, b in zip(cuts, cuts[1:])), timedelta(0))
    assert gb_business.add(cuts[0], whole) <= cuts[-1]


def test_the_batch_api_matches_the_scalar_api(make, gb_business):
    starts = [make.at("2025-04-17T17:00", "Europe/London"), utc("2025-12-31T17:00"), utc("2024-06-01T00:00")]
    ends = [utc("2025-04-23T00:00"), utc("2026-01-05T00:00"), utc("2027-06-01T00:00")]
    secs = gb_business.open_time_many(starts, ends)
    assert secs.tolist() == [gb_business.open_time(a, b).total_seconds() for a, b in zip(starts, ends)]
    naive_utc = [a.astimezone(UTC).replace(tzinfo=None) for a in starts]
    due = gb_business.add_many(np.array(naive_utc, dtype="datetime64[us]"), [3600, 0, 86400 * 100])
    assert due.dtype == np.dtype("datetime64[us]")
    expected = [gb_business.add(a, timedelta(seconds=s)) for a, s in zip(starts, [3600, 0, 86400 * 100])]
    assert [from_us(int(x)) for x in due.view(np.int64)] == expected


# ---- errors ---------------------------------------------------------------------------------------


def test_naive_instants_are_refused(london_business):
    win = london_business
    naive = datetime(2025, 3, 10, 9, 0)
    with pytest.raises(InstantError, match="no timezone"):
        win.open_time(naive, utc("2025-03-11T00:00"))
    with pytest.raises(InstantError, match="no timezone"):
        win.add(naive, H)
    with pytest.raises(InstantError, match="no timezone"):
        win.is_open(naive)
    with pytest.raises(InstantError, match="no timezone"):
        win.open_time_many([naive], [utc("2025-03-11T00:00")])
    with pytest.raises(InstantError):
        parse_instant("2025-03-10T09:00")


def test_instants_outside_the_horizon_are_refused_with_the_horizon_named(make):
    win = make.window_set((2024, 2026), w=make.window("UTC", "mon-fri 09:00-17:00")).get("w")
    with pytest.raises(HorizonError, match="2024..2026"):
        win.is_open(utc("2023-12-31T23:59:59"))
    with pytest.raises(HorizonError, match="2024..2026"):
        win.open_time(utc("2026-12-01T00:00"), utc("2027-01-01T00:00:01"))
    with pytest.raises(HorizonError, match="horizon"):
        win.add(utc("2026-12-31T12:00"), 10 * H)  # the next opening is in 2027
    with pytest.raises(HorizonError):
        win.add_many(np.array(["2026-12-31T12:00"], dtype="datetime64[us]"), [36000])
    with pytest.raises(HorizonError):
        win.open_time_many(np.array(["2023-06-01"], dtype="datetime64[us]"), np.array(["2025-01-01"], dtype="datetime64[us]"))
    # the horizon's end is a valid end bound
    assert win.open_time(utc("2026-12-31T00:00"), utc("2027-01-01T00:00")) == 8 * H


def test_bad_arguments(london_business):
    win = london_business
    with pytest.raises(ValueError, match="before start"):
        win.open_time(utc("2025-03-11T00:00"), utc("2025-03-10T00:00"))
    with pytest.raises(ValueError, match="negative"):
        win.add(utc("2025-03-11T00:00"), -H)
    with pytest.raises(TypeError):
        win.add(utc("2025-03-11T00:00"), 3600)


def test_unknown_windows_and_broken_references(make):
    ws = make.window_set(a=make.window("UTC", include=["b"]), b=make.window("UTC", except_=["a"]), c=make.window("UTC", include=["nope"]))
    with pytest.raises(KeyError, match="unknown window 'missing'"):
        ws.get("missing")
    with pytest.raises(ArtifactError, match="cycle"):
        ws.get("a").is_open(utc("2025-01-01T00:00"))
    with pytest.raises(ArtifactError, match="unknown window 'nope'"):
        ws.get("c").is_open(utc("2025-01-01T00:00"))
    with pytest.raises(ArtifactError, match="timezone"):
        WindowSet({"z": {"timezone": "Mars/Olympus", "weekly": [[0, 0, 3600]]}}, (2025, 2025)).get("z")
    with pytest.raises(ArtifactError, match="weekly"):
        WindowSet({"z": {"timezone": "UTC", "weekly": [[0, 7200, 3600]]}}, (2025, 2025)).get("z")


# ---- tz helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "wall", "expected"),
    [
        ("Europe/London", "2025-03-30T01:30", "2025-03-30T01:00"),  # gap -> its end
        ("Europe/London", "2025-10-26T01:30", "2025-10-26T00:30"),  # repeated -> first
        ("America/New_York", "2025-03-09T02:30", "2025-03-09T07:00"),
        ("America/New_York", "2025-11-02T01:30", "2025-11-02T05:30"),
        ("Australia/Sydney", "2025-10-05T02:59:59", "2025-10-04T16:00"),
        ("Australia/Sydney", "2025-04-06T02:30", "2025-04-05T15:30"),
        ("Australia/Lord_Howe", "2025-10-05T02:15", "2025-10-04T15:30"),  # a 30-minute gap
        ("Europe/London", "2025-06-01T12:00:00.5", "2025-06-01T11:00:00.5"),
    ],
)
def test_localize_applies_the_dst_rule(zone, wall, expected):
    assert localize(datetime.fromisoformat(wall), ZoneInfo(zone)) == utc(expected)


def test_instant_conversions():
    assert parse_instant("2025-03-07T18:00:00Z") == utc("2025-03-07T18:00")
    assert parse_instant("2025-03-07T18:00:00+01:00") == utc("2025-03-07T17:00")
    with pytest.raises(InstantError, match="malformed"):
        parse_instant("yesterday")
    instant = utc("2025-03-07T18:00:00.123456")
    assert to_us(instant) == 1741370400123456
    assert from_us(to_us(instant)) == instant
    with pytest.raises(InstantError):
        to_us(datetime(2025, 1, 1))


def test_the_runtime_stays_light():
    # a service that only loads artifacts must not pay for the compiler's dependencies
    import subprocess

    code = (
        "import sys, slalang.runtime.windows, slalang.runtime.tz; "
        "bad = {'lark', 'networkx', 'holidays'} & set(sys.modules); print(sorted(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=None)
    assert out.stdout.strip() == "[]"


def test_except_of_a_datetime_interval_closes_exactly_those_instants():
    from slalang.runtime.windows import WindowSet
    ws = WindowSet({"w": {"timezone": "UTC", "weekly": [[d, 0, 86400] for d in range(7)], "dated": [],
                          "include": [], "except": [], "closed_dates": [], "holidays": [],
                          "closed": [["2025-06-14T20:00:00Z", "2025-06-15T02:00:00Z"]]}}, (2025, 2025))
    w = ws.get("w")
    from datetime import datetime, timezone, timedelta
    day = datetime(2025, 6, 14, tzinfo=timezone.utc)
    assert w.open_time(day, day + timedelta(days=1)) == timedelta(hours=20)
    assert not w.is_open(datetime(2025, 6, 15, 1, 59, tzinfo=timezone.utc))
    assert w.is_open(datetime(2025, 6, 15, 2, 0, tzinfo=timezone.utc))
