"""Docs stage: a credits table as availability bands, each with the credit it earns.

The runtime rule (SPEC §5) is "of the rows that apply, the largest credit, bounded by the cap";
a reader wants disjoint ranges instead. The bands are worked out from that rule, exactly, for
every point and open interval between thresholds, so they hold even for a table that is not
written in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional


@dataclass(frozen=True)
class Band:
    """Availability from `low` to `high` (None: 0% / 100%) earns `credit` percent."""

    low: Optional[str]
    low_inclusive: bool
    high: Optional[str]
    high_inclusive: bool
    credit: str
    capped: bool = False

    @property
    def range(self) -> str:
        if self.high is None and self.low is None:
            return "any availability"
        if self.high is None:
            return f"{self.low}% or higher" if self.low_inclusive else f"Above {self.low}%"
        upper = f"{self.high}% or lower" if self.high_inclusive else f"below {self.high}%"
        if self.low is None:
            return upper[:1].upper() + upper[1:]
        lower = f"at least {self.low}%" if self.low_inclusive else f"above {self.low}%"
        bound = f"up to and including {self.high}%" if self.high_inclusive else f"below {self.high}%"
        return f"{lower[:1].upper() + lower[1:]} but {bound}"


def _credit(value_below: Decimal, point: bool, rows: list[dict]) -> Decimal:
    """The credit for a region: the point `value_below` itself, or the open interval just below it."""
    best = Decimal(0)
    for row in rows:
        thr = Decimal(row["threshold"])
        applies = (value_below < thr or (row["inclusive"] and value_below == thr)) if point else value_below <= thr
        if applies:
            best = max(best, Decimal(row["credit"]))
    return best


def bands(credits: Optional[dict]) -> list[Band]:
    """Disjoint availability bands, best first, with the credit each earns (cap applied)."""
    if not credits or not credits["rows"]:
        return []
    rows = credits["rows"]
    spelled: dict[Decimal, str] = {}
    for row in rows:
        spelled.setdefault(Decimal(row["threshold"]), row["threshold"])
    cap = Decimal(credits["cap"]) if credits["cap"] is not None else None
    # Regions from the top: (credit, upper bound, upper inclusive); the top one has no bound.
    regions: list[tuple[Decimal, Optional[Decimal], bool]] = [(Decimal(0), None, True)]
    for thr in sorted(spelled, reverse=True):
        regions.append((_credit(thr, True, rows), thr, True))      # exactly thr
        regions.append((_credit(thr, False, rows), thr, False))    # just below thr
    merged: list[list] = []   # [credit paid, capped, high, high_inclusive, low, low_inclusive]
    for credit, high, high_incl in regions:
        paid = min(credit, cap) if cap is not None else credit
        if merged and merged[-1][0] == paid:
            merged[-1][1] = merged[-1][1] or paid != credit
            continue
        if merged:
            merged[-1][4], merged[-1][5] = high, not high_incl
        merged.append([paid, paid != credit, high, high_incl, None, True])
    return [Band(None if low is None else spelled[low], low_incl, None if high is None else spelled[high],
                 high_incl, f"{paid.normalize():f}", capped)
            for paid, capped, high, high_incl, low, low_incl in merged]
