"""Helpers for runtime tests: windows IR written by hand (the shape of docs/artifact.md).

Tests reach the helpers through the `make` fixture rather than `from conftest import ...`,
which depends on which conftest pytest imported last.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from slalang.runtime.windows import WindowSet

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _seconds(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def weekly(*lines: str) -> list[list[int]]:
    """IR `weekly` entries from source-like lines: weekly("mon-fri 09:00-17:30", "sat 10:00-13:00")."""
    entries = []
    for line in lines:
        day_part, time_part = line.split()
        start_text, end_text = time_part.split("-")
        start, end = _seconds(start_text), _seconds(end_text)
        if end <= start:  # overnight: runs into the next day
            end += 86400
        if "-" in day_part:
            first, last = (DAYS.index(d) for d in day_part.split("-"))
            days = range(first, last + 1)
        else:
            days = [DAYS.index(d) for d in day_part.split(",")]
        entries.extend([day, start, end] for day in days)
    return entries


def window_ir(timezone: str | None = "Europe/London", *hours: str, **parts) -> dict:
    """A window IR dict: `window_ir("Europe/London", "mon-fri 09:00-17:00", except_=["x"])`."""
    ir: dict = {}
    if timezone is not None:
        ir["timezone"] = timezone
    if hours:
        ir["weekly"] = weekly(*hours)
    for key, value in parts.items():
        ir[key.rstrip("_")] = value
    return ir


def holidays_ir(region: str, *days: str) -> list[dict]:
    """An IR `holidays` list for one region with the given local days."""
    return [{"region": region, "days": {day: f"holiday {day}" for day in days}}]


def make_windows(horizon: tuple[int, int] = (2024, 2027), **windows: dict) -> WindowSet:
    """A WindowSet from window IR dicts given as keyword arguments."""
    return WindowSet(windows, horizon)


def at(text: str, zone: str = "UTC") -> datetime:
    """An aware datetime from a local ISO text in the named zone (fold=0)."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


class Make:
    """What the `make` fixture gives tests (helpers, not fixtures, so hypothesis can use them)."""

    weekly = staticmethod(weekly)
    window = staticmethod(window_ir)
    holidays = staticmethod(holidays_ir)
    window_set = staticmethod(make_windows)
    at = staticmethod(at)


@pytest.fixture(scope="session")
def make() -> Make:
    """Builders for hand-written window IR and aware instants."""
    return Make()
