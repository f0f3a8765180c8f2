"""The bundled stdlib: each module compiles, and each window means what its name promises."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

import slalang

COUNTRY_WINDOWS = {
    # window: (timezone, a public holiday in 2025, a normal working Wednesday 2025-03-12 hours)
    "uk_business_hours": ("Europe/London", dt.date(2025, 12, 25), dt.timedelta(hours=8, minutes=30)),
    "us_business_hours": ("America/New_York", dt.date(2025, 7, 4), dt.timedelta(hours=8)),
    "de_business_hours": ("Europe/Berlin", dt.date(2025, 10, 3), dt.timedelta(hours=8)),
    "fr_business_hours": ("Europe/Paris", dt.date(2025, 7, 14), dt.timedelta(hours=9)),
    "jp_business_hours": ("Asia/Tokyo", dt.date(2025, 2, 11), dt.timedelta(hours=9)),
    "au_business_hours": ("Australia/Sydney", dt.date(2025, 1, 27), dt.timedelta(hours=8)),
    "in_business_hours": ("Asia/Kolkata", dt.date(2025, 1, 26), dt.timedelta(hours=9)),
}


@pytest.fixture(scope="module")
def std_policy(tmp_path_factory):
    """A policy that uses every stdlib declaration, so all of them reach the artifact."""
    d = tmp_path_factory.mktemp("std")
    tiers = "\n".join(f"tier t_{w} {{ support windows.{w} response P1 within 4h }}"
                      for w in list(COUNTRY_WINDOWS) + ["utc_24x5", "follow_the_sun_24x5"])
    (d / "policy.sla").write_text(f'''policy "std" {{ timezone "UTC" }}
import "std/windows"
import "std/severities"
import "std/exclusions"
{tiers}
tier t {{
  response P1, P2, P3, P4, urgent, high, normal, low within 8h
  exclude exclusions.customer_caused, exclusions.force_majeure
}}
service s {{ offers t }}
''')
    return slalang.compile(d)


def test_std_modules_compile_cleanly(std_policy):
    errors = [d for d in std_policy.diagnostics if d.is_error]
    assert errors == []


@pytest.mark.parametrize("name", sorted(COUNTRY_WINDOWS))
def test_country_business_hours(std_policy, name):
    tz_name, holiday, wednesday_hours = COUNTRY_WINDOWS[name]
    win = std_policy.window(f"std.windows.{name}")
    tz = ZoneInfo(tz_name)
    art = std_policy.artifact["windows"][f"std.windows.{name}"]
    assert art["timezone"] == tz_name
    day = dt.datetime(2025, 3, 12, tzinfo=tz)
    assert win.open_time(day, day + dt.timedelta(days=1)) == wednesday_hours
    start = dt.datetime.combine(holiday, dt.time(), tz)
    assert win.open_time(start, start + dt.timedelta(days=1)) == dt.timedelta(0), f"{holiday} is a holiday"
    saturday = dt.datetime(2025, 3, 15, tzinfo=tz)
    assert win.open_time(saturday, saturday + dt.timedelta(days=2)) == dt.timedelta(0)


def test_holidays_are_expanded_for_the_whole_horizon(std_policy):
    days = std_policy.artifact["windows"]["std.windows.uk_business_hours"]["holidays"][0]["days"]
    assert days["2020-12-25"] == "Christmas Day" and days["2040-12-25"] == "Christmas Day"
    assert "2025-04-18" in days and "2025-04-21" in days   # Good Friday, Easter Monday


def test_utc_24x5_is_open_all_weekday_and_closed_at_weekends(std_policy):
    win = std_policy.window("std.windows.utc_24x5")
    monday = dt.datetime(2025, 3, 10, tzinfo=dt.timezone.utc)
    assert win.open_time(monday, monday + dt.timedelta(days=7)) == dt.timedelta(days=5)


def test_follow_the_sun_runs_from_monday_sydney_to_friday_los_angeles(std_policy):
    win = std_policy.window("std.windows.follow_the_sun_24x5")
    sydney, la = ZoneInfo("Australia/Sydney"), ZoneInfo("America/Los_Angeles")
    for monday in (dt.date(2025, 1, 13), dt.date(2025, 7, 14)):
        opens = dt.datetime.combine(monday, dt.time(9), sydney)
        closes = dt.datetime.combine(monday + dt.timedelta(days=4), dt.time(17), la)
        assert not win.is_open(opens - dt.timedelta(seconds=1)) and win.is_open(opens)
        assert win.is_open(closes - dt.timedelta(seconds=1)) and not win.is_open(closes)
        assert win.open_time(opens, closes) == closes - opens


def test_both_severity_scales_are_ranked_most_severe_first(std_policy):
    sevs = std_policy.artifact["severities"]
    by_name = {s["name"]: s for s in sevs}
    assert [by_name[n]["rank"] for n in ("P1", "P2", "P3", "P4")] == sorted(
        by_name[n]["rank"] for n in ("P1", "P2", "P3", "P4"))
    assert by_name["urgent"]["rank"] < by_name["high"]["rank"] < by_name["normal"]["rank"] < by_name["low"]["rank"]


def test_std_exclusions_carry_their_tag_name(std_policy):
    excl = std_policy.artifact["tiers"]["t"]["exclusions"]
    assert {e["tag"] for e in excl} == {"customer_caused", "force_majeure"}
    assert all(e["ref"].startswith("std.exclusions.") for e in excl)


def test_importing_one_scale_warns_about_nothing(tmp_path):
    (tmp_path / "p.sla").write_text('policy "p" { timezone "UTC" }\nimport "std/severities"\n'
                                    "tier t { response P1 within 1h }\nservice s { offers t }\n")
    policy = slalang.compile(tmp_path)
    assert [d.code for d in policy.diagnostics] == []
