"""Helpers for availability tests: small policies written as .sla text, compiled once per session.

Tests reach the helpers through fixtures (`compile_policy`, `sla`) rather than
`from conftest import ...`, which depends on which conftest pytest imported last.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Optional

import pytest

import slalang

UTC = timezone.utc


def policy_text(body: str, *, timezone: str = "UTC") -> str:
    """A whole policy: a header in `timezone`, one severity, two exclusion categories, then `body`."""
    return f'''policy "availability tests" {{
  version "1"
  timezone "{timezone}"
}}

severity P1 "Critical"

exclusion customer_caused "Caused by the customer"
exclusion force_majeure "Beyond the provider's control"

{body}
'''


def tier(name: str, *statements: str) -> str:
    """A tier with always-on support (so it compiles cleanly) and the given statements."""
    lines = "\n  ".join(("support always via email", "response P1 within 1h") + statements)
    return f"tier {name} {{\n  {lines}\n}}\n"


def outage(service: Optional[str], start: str, end: str, **fields) -> dict:
    """An outage record in the §7 format; `start`/`end` are UTC ISO texts without the Z."""
    record = {"start": f"{start}Z", "end": f"{end}Z", **fields}
    if service is not None:
        record["service"] = service
    return record


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def seconds(value: float | str) -> timedelta:
    """A timedelta of exactly `value` seconds (a str keeps decimals exact: "259.2")."""
    from decimal import Decimal

    us = Decimal(str(value)) * 1_000_000
    assert us == us.to_integral_value(), value
    return timedelta(microseconds=int(us))


class Sla:
    """What the `sla` fixture gives tests."""

    policy_text = staticmethod(policy_text)
    tier = staticmethod(tier)
    outage = staticmethod(outage)
    utc = staticmethod(utc)
    seconds = staticmethod(seconds)


@pytest.fixture(scope="session")
def sla() -> Sla:
    """Builders for policy text, outage records and exact durations."""
    return Sla()


@pytest.fixture(scope="session")
def compile_policy(tmp_path_factory):
    """Compile .sla text to a Policy (once per distinct text per session); fails on any diagnostic error."""
    cache: dict[str, object] = {}

    def compile_text(text: str):
        key = hashlib.sha256(text.encode()).hexdigest()[:16]
        if key not in cache:
            directory = tmp_path_factory.mktemp(f"policy-{key}")
            (directory / "policy.sla").write_text(text)
            cache[key] = slalang.compile(directory)
        return cache[key]

    return compile_text
