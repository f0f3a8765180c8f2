"""Ticket test kit: the small policies the ticket tests compile, and helpers to write rows compactly.

The policies are in UTC (except `contracts`) so expected instants can be worked out by hand.
2025-03-03 is a Monday; `office` is open Monday to Friday 09:00-17:00.
"""

from __future__ import annotations

from datetime import timedelta


OFFICE = '''policy "Ticket clocks" {
  version "1"
  timezone "UTC"
  horizon 2024..2026
}

window office {
  timezone "UTC"
  mon-fri 09:00-17:00
}

severity P1 "Critical"
severity P2 "High"
severity P3 "Normal"
severity P4 "Low"

contact lead "lead@example.test"
contact boss "boss@example.test"
contact cto "cto@example.test"

escalation chain {
  at 50% notify lead via email
  at breach notify boss via pager
  at breach + 1h notify cto via phone
  repeat every 30m up to 2 times
}

# P4 has no response/update target on purpose: a clock with no target stays idle.
tier keep {
  support office via email
  pause when pending_customer, awaiting_third_party
  on severity change keep elapsed
  response P1 within 1h internal 30m
  response P2 within 4h
  response P3 within 8h
  resolution P1 within 8h during always
  resolution P2 within 16h
  resolution P3 within 40h
  resolution P4 within 80h
  update P1 every 2h
  update P2 every 4h
  escalate chain
}

tier restart extends keep {
  on severity change restart
}

tier keep24 extends keep {
  support always via phone
}

tier restart24 extends keep24 {
  on severity change restart
}
'''

# Contract days are local to Europe/London and inclusive. British Summer Time starts on
# 2025-03-30, so contract `a` ends at 2025-04-01T00:00+01:00 = 2025-03-31T23:00Z.
CONTRACTS = '''policy "Contracts" {
  version "1"
  timezone "Europe/London"
  horizon 2024..2026
}

window london_office {
  timezone "Europe/London"
  mon-fri 09:00-17:00
}

severity P1 "Critical"

tier a {
  support always
  response P1 within 1h
}

tier b {
  support always
  response P1 within 2h
}

tier london {
  support london_office
  response P1 within 1h
}

service api {
  offers a, b, london
}

customer acme {
  contract api a from 2025-01-01 to 2025-03-31 {
    response P1 within 45m
  }
  contract api b from 2025-04-01
}
'''

POLICIES = {"office": OFFICE, "contracts": CONTRACTS}


# -- helpers to write rows compactly --------------------------------------------------------------

def Z(s: str) -> str:
    """'03-03T09:00' -> '2025-03-03T09:00:00Z' (seconds optional)."""
    if s.count(":") == 1:
        s += ":00"
    return f"2025-{s}Z"


def D(text: str) -> timedelta:
    """'1h30m' -> timedelta; a leading '-' negates."""
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("-")
    total, num = 0, ""
    for ch in text:
        if ch.isdigit():
            num += ch
        else:
            total += int(num) * {"d": 86400, "h": 3600, "m": 60, "s": 1}[ch]
            num = ""
    return sign * timedelta(seconds=total)


def ticket(sev: str, opened: str, *events: dict, tier: str = "keep", id: str = "T-1", **extra) -> dict:
    out = {"id": id, "severity": sev, "opened": Z(opened), "events": list(events), **extra}
    if tier is not None:
        out["tier"] = tier
    return out


def status(at: str, value: str) -> dict:
    return {"at": Z(at), "status": value}


def sev(at: str, value: str) -> dict:
    return {"at": Z(at), "severity": value}


def ev(at: str, kind: str) -> dict:
    return {"at": Z(at), "type": kind}
