"""The oracle's JSON read back as objects, for tests written against `TicketResult` attributes:
durations as timedelta, instants as aware datetimes, the same attribute names."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Optional

DURATIONS = ("goal", "elapsed", "remaining", "internal_goal")
INSTANTS = ("deadline", "started", "stopped", "internal_deadline", "due")


def _duration(seconds) -> Optional[timedelta]:
    return None if seconds is None else timedelta(microseconds=round(seconds * 1_000_000))


def _instant(text: Optional[str]) -> Optional[datetime]:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def _metric(m: dict) -> SimpleNamespace:
    fields = {"internal_goal": None, "internal_deadline": None, "internal_state": None, **m}
    for key in DURATIONS:
        fields[key] = _duration(fields[key])
    for key in ("deadline", "started", "stopped", "internal_deadline"):
        fields[key] = _instant(fields[key])
    fields["cycles"] = [_metric(c) for c in m.get("cycles", [])]
    return SimpleNamespace(**fields)


def as_result(result: dict) -> SimpleNamespace:
    """`evaluate(...)`'s JSON with `.metrics[name].elapsed`, `.escalations[i].due`, ... as objects."""
    return SimpleNamespace(
        **{k: result[k] for k in ("id", "severity", "tier", "customer", "service")}, problem=None,
        metrics={name: _metric(m) for name, m in result["metrics"].items()},
        escalations=[SimpleNamespace(**{**e, "due": _instant(e["due"])}) for e in result["escalations"]])
