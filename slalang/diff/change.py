"""Diff stage (a view over IR): one change between two policies, and how its values read to a person."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Iterable, Optional

STRICTER, LOOSER, NEUTRAL = "stricter", "looser", "neutral"
ADDED, REMOVED, BREAKING = "added", "removed", "breaking"

#: Every classification, in the order summaries list them (the ones a reviewer must see first).
CLASSIFICATIONS = (BREAKING, LOOSER, STRICTER, ADDED, REMOVED, NEUTRAL)

#: Entity kinds in the order they are compared and printed.
KINDS = ("policy", "severity", "status", "exclusion", "contact", "window", "escalation", "tier", "service",
         "customer", "ola", "source")

#: What each `--fail-on` level fails on: `looser` also fails on `breaking`.
FAIL_ON = {"looser": frozenset({LOOSER, BREAKING}), "breaking": frozenset({BREAKING})}


@dataclass(frozen=True)
class Change:
    """One semantic difference: where it is, the old and new value as a person reads them, and
    how it moves the promise from the customer's side."""

    kind: str                  # entity kind: "tier", "window", "customer", ... (see KINDS)
    entity: str                # entity id: "gold", "business_hours", "contoso"
    field: str                 # what changed: "response P1", "availability", "credits below 99.9%"
    old: Optional[str]         # None when the thing did not exist before
    new: Optional[str]         # None when it no longer exists
    classification: str        # one of CLASSIFICATIONS
    explanation: str = ""
    internal: bool = False     # only the provider's own staff see it (internal goals, OLAs)

    @property
    def label(self) -> str:
        """The classification as printed: `neutral (internal)` for internal changes."""
        return f"{self.classification} (internal)" if self.internal else self.classification

    @property
    def where(self) -> str:
        """`tier gold`: the entity as a heading names it."""
        return self.kind if self.kind == "policy" else f"{self.kind} {self.entity}"

    def to_json(self) -> dict:
        return asdict(self)


def summary(changes: Iterable[Change]) -> dict:
    """Counts per classification, plus the number of changes and of entities they touch."""
    changes = list(changes)
    counts = {c: 0 for c in CLASSIFICATIONS}
    for change in changes:
        counts[change.classification] += 1
    counts["changes"] = len(changes)
    counts["entities"] = len({(c.kind, c.entity) for c in changes})
    return counts


def fails(changes: Iterable[Change], fail_on: Optional[str]) -> bool:
    """Whether `--fail-on LEVEL` is hit by these changes (never, without a level)."""
    if fail_on is None:
        return False
    return any(c.classification in FAIL_ON[fail_on] for c in changes)


def ordered(changes: Iterable[Change]) -> list[Change]:
    """Entities by kind (KINDS order) and id; an entity's changes keep the order they were found in."""
    rank = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(changes, key=lambda c: (rank.get(c.kind, len(KINDS)), c.entity))


def direction_class(sign: int) -> str:
    """+1 → stricter, -1 → looser, 0 → neutral (a sign already taken from the customer's side)."""
    return STRICTER if sign > 0 else LOOSER if sign < 0 else NEUTRAL


def sign(value) -> int:
    return (value > 0) - (value < 0)


# -- values as a person reads them -----------------------------------------------------------

def duration(seconds: Optional[int], *, days: bool = True) -> str:
    """`1h30m`, `45m`, `30s`, `3d` (whole days only), `160h`: the way durations are written in .sla.
    `days=False` keeps amounts of open time in hours (`48h`, never `2d`)."""
    if seconds is None:
        return "none"
    if seconds == 0:
        return "0s"
    if days and seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return "".join(f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)


def percent(text: Optional[str]) -> str:
    """`"99.90"` → `99.9%`; exact, never through a float."""
    if text is None:
        return "none"
    value = Decimal(text)
    shown = format(value, "f")
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    return f"{shown}%"


def listing(items: Iterable[str], empty: str = "none") -> str:
    """`a, b, c` (sorted), or `none`."""
    items = sorted(items)
    return ", ".join(items) if items else empty


def few(items: list[str], limit: int = 3) -> str:
    """`a, b, c and 2 more`: a short list for an explanation."""
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} and {len(items) - limit} more"
