"""Spark test kit: a small policy (tiers, a customer contract, pauses, severity rules,
escalations) and a deterministic generator of §7 tickets — good and bad — as Arrow tables.

2025-03-03 is a Monday; `office` is open Monday to Friday 09:00-17:00 UTC.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa

# the ticket tests' office policy (tiers keep, restart, keep24 and restart24), with a service and
# a customer whose contract changes tier on 15 March
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tickets"))
from ticket_kit import OFFICE  # noqa: E402

POLICY = OFFICE + '''
service api {
  offers keep, restart, keep24
}

customer acme {
  contract api keep from 2025-01-01 to 2025-03-14 {
    response P1 within 45m
  }
  contract api keep24 from 2025-03-15
}
'''

NOW = "2025-03-20T12:00:00Z"
UTC = timezone.utc
START = datetime(2025, 3, 3, tzinfo=UTC)

# the §7 ticket shape, with instants as ISO 8601 text (so that bad text can be written) ...
TEXT_EVENT = pa.struct([("at", pa.string()), ("status", pa.string()), ("severity", pa.string()),
                        ("type", pa.string())])
TEXT_SCHEMA = pa.schema([("id", pa.string()), ("severity", pa.string()), ("opened", pa.string()),
                         ("customer", pa.string()), ("service", pa.string()), ("tier", pa.string()),
                         ("events", pa.list_(TEXT_EVENT))])
# ... and as a warehouse holds them: timestamp[us, UTC]
TS = pa.timestamp("us", tz="UTC")
TS_EVENT = pa.struct([("at", TS), ("status", pa.string()), ("severity", pa.string()), ("type", pa.string())])
TS_SCHEMA = pa.schema([("id", pa.string()), ("severity", pa.string()), ("opened", TS),
                       ("customer", pa.string()), ("service", pa.string()), ("tier", pa.string()),
                       ("events", pa.list_(TS_EVENT))])


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _event(at: datetime, **what) -> dict:
    return {"at": at, "status": what.get("status"), "severity": what.get("severity"), "type": what.get("type")}


def tickets(n: int, seed: int = 13) -> list[dict]:
    """n good tickets, instants as aware datetimes: tiers and a contract (which changes terms on
    2025-03-15), pauses, severity changes, responses, updates, resolutions, reopenings, and
    tickets opened shortly before `now` or with events after it, so states depend on `now`."""
    rnd = random.Random(seed)
    now = datetime(2025, 3, 20, 12, tzinfo=UTC)
    out = []
    for i in range(n):
        if i % 7 == 6:   # opened in the last hours before now: running clocks, pending escalations
            opened = now - timedelta(minutes=rnd.randrange(5, 600))
        else:
            opened = START + timedelta(minutes=rnd.randrange(0, 16 * 24 * 60))
        sev = rnd.choice(["P1", "P1", "P2", "P2", "P3", "P4"])
        t, events = opened, []
        for _ in range(rnd.randrange(0, 7)):
            t = t + timedelta(minutes=rnd.randrange(1, 900))
            kind = rnd.random()
            if kind < 0.25:
                events.append(_event(t, status=rnd.choice(["pending_customer", "awaiting_third_party"])))
                t = t + timedelta(minutes=rnd.randrange(10, 1500))
                events.append(_event(t, status="open"))
            elif kind < 0.4:
                events.append(_event(t, severity=rnd.choice(["P1", "P2", "P3", "P4"])))
            elif kind < 0.6:
                events.append(_event(t, type="responded"))
            elif kind < 0.75:
                events.append(_event(t, type="updated"))
            elif kind < 0.9:
                events.append(_event(t, type="resolved"))
            else:
                events.append(_event(t, type="reopened"))
        record = {"id": f"T-{i:04d}", "severity": sev, "opened": opened, "customer": None, "service": None,
                  "tier": None, "events": events}
        if i % 3 == 0:
            record["customer"], record["service"] = "acme", "api"
        else:
            record["tier"] = rnd.choice(["keep", "restart", "keep24"])
        out.append(record)
    return out


def bad_tickets() -> list[dict]:
    """Records the engine must return as problem rows (instants as aware datetimes, or as text
    where only text can be wrong: those are marked `text_only`)."""
    at = START + timedelta(days=2, hours=10)
    return [
        {"id": "BAD-severity", "severity": "P9", "opened": at, "tier": "keep", "events": []},
        {"id": "BAD-order", "severity": "P2", "opened": at, "tier": "keep",
         "events": [_event(at + timedelta(hours=3), type="responded"), _event(at + timedelta(hours=1), type="updated")]},
        {"id": "BAD-before-opened", "severity": "P2", "opened": at, "tier": "restart",
         "events": [_event(at - timedelta(hours=1), type="responded")]},
        {"id": "BAD-tier", "severity": "P1", "opened": at, "tier": "platinum", "events": []},
        {"id": "BAD-event-severity", "severity": "P1", "opened": at, "tier": "keep",
         "events": [_event(at + timedelta(hours=1), severity="P7")]},
        {"id": "BAD-no-opened", "severity": "P1", "opened": None, "tier": "keep", "events": []},
        {"id": "BAD-naive", "severity": "P1", "opened": "2025-03-05T10:00:00", "tier": "keep", "events": [],
         "text_only": True},
        {"id": "BAD-naive-event", "severity": "P1", "opened": _iso(at), "tier": "keep",
         "events": [{"at": "2025-03-05T12:00:00", "status": None, "severity": None, "type": "responded"}],
         "text_only": True},
        {"id": "BAD-garbage", "severity": "P1", "opened": "yesterday", "tier": "keep", "events": [],
         "text_only": True},
    ]


def _as_text(record: dict) -> dict:
    def text(v):
        return _iso(v) if isinstance(v, datetime) else v
    out = {k: record.get(k) for k in TEXT_SCHEMA.names}
    out["opened"] = text(out["opened"])
    out["events"] = [{**e, "at": text(e["at"])} for e in out["events"] or []]
    return out


def text_table(records: list[dict]) -> pa.Table:
    """The records with instants as ISO 8601 text."""
    return pa.Table.from_pylist([_as_text(r) for r in records], schema=TEXT_SCHEMA)


def timestamp_table(records: list[dict]) -> pa.Table:
    """The records with instants as timestamp[us, UTC] (records with text-only faults left out)."""
    rows = [{k: r.get(k) for k in TS_SCHEMA.names} for r in records if not r.get("text_only")]
    return pa.Table.from_pylist(rows, schema=TS_SCHEMA)


def mixed(n: int, seed: int = 13) -> list[dict]:
    """n good tickets with the bad ones spread among them (a few in every partition)."""
    good, bad = tickets(n, seed), bad_tickets()
    out = list(good)
    step = max(1, len(good) // len(bad))
    for k, record in enumerate(bad):
        out.insert(k * step + k + 3, record)
    return out
