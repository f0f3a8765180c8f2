"""Runtime stage: availability, error budgets and service credits (SPEC §5), in exact rational arithmetic.

Order of the rules (docs/language.md says the same):
1. an outage tagged with an excluded category is excluded entirely;
2. the part of an outage inside an occurrence of an excluded window is excluded — with
   `notice D`, only when the outage was announced at least D before that occurrence began;
3. dependencies (when asked for): a serial dependency's downtime counts, a redundant group's
   only while every member is down; impacts combine by the largest at each instant (union)
   and the smallest across a redundant group (all down);
4. merged downtime intervals shorter than `ignore outages under D` are dropped;
5. what is left, inside the period and the measurement window, weighted by impact, is downtime.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Iterable, Optional

from slalang.runtime.periods import Period
from slalang.runtime.records import US, Outage, from_us

# A weighted interval set: sorted, disjoint (start, end, weight) with weight in (0, 1].
Pieces = list[tuple[int, int, Fraction]]
ONE = Fraction(1)


def union(*sets: Pieces) -> Pieces:
    """Pointwise maximum of weights; adjacent pieces of equal weight are merged."""
    points = sorted({p for s in sets for a, b, _ in s for p in (a, b)})
    if not points:
        return []
    out: Pieces = []
    spans = sorted((a, b, w) for s in sets for a, b, w in s)
    active: list[tuple[int, int, Fraction]] = []
    j = 0
    for lo, hi in zip(points, points[1:]):
        while j < len(spans) and spans[j][0] <= lo:
            active.append(spans[j])
            j += 1
        active = [s for s in active if s[1] > lo]
        if not active:
            continue
        w = max(s[2] for s in active)
        if out and out[-1][1] == lo and out[-1][2] == w:
            out[-1] = (out[-1][0], hi, w)
        else:
            out.append((lo, hi, w))
    return out


def intersect(*sets: Pieces) -> Pieces:
    """Where every set is down at once, weighted by the smallest weight."""
    if not sets:
        return []
    result = sets[0]
    for other in sets[1:]:
        out: Pieces = []
        i = j = 0
        while i < len(result) and j < len(other):
            a = max(result[i][0], other[j][0])
            b = min(result[i][1], other[j][1])
            if a < b:
                out.append((a, b, min(result[i][2], other[j][2])))
            if result[i][1] < other[j][1]:
                i += 1
            else:
                j += 1
        result = out
    return result


def subtract(pieces: Pieces, holes: list[tuple[int, int]]) -> tuple[Pieces, int]:
    """Pieces minus the holes; also the wall time removed."""
    out: Pieces = []
    removed = 0
    for a, b, w in pieces:
        cur = a
        for h0, h1 in holes:
            if h1 <= cur or h0 >= b:
                continue
            if h0 > cur:
                out.append((cur, h0, w))
            removed += min(h1, b) - max(h0, cur)
            cur = max(cur, h1)
            if cur >= b:
                break
        if cur < b:
            out.append((cur, b, w))
    return out, removed


@dataclass
class AvailabilityReport:
    """Availability of one service under one set of terms for one period; exact throughout."""

    service: Optional[str]
    period: str
    measured: timedelta
    downtime_exact: Fraction      # seconds, impact-weighted
    excluded: timedelta           # outage time excluded by categories and windows
    ignored: timedelta            # outage time dropped by `ignore outages under`
    target: Optional[Decimal]     # percent
    credit: Decimal               # percent of the period's charges owed
    outages_counted: int

    @property
    def downtime(self) -> timedelta:
        return timedelta(microseconds=round(self.downtime_exact * 1_000_000))

    @property
    def availability(self) -> Fraction:
        """(M - D) / M as an exact percentage (100 when nothing was measured)."""
        cached = self.__dict__.get("_availability")
        if cached is None:
            m = Fraction(self.measured // US, 1_000_000)
            cached = Fraction(100) if m == 0 else 100 * (m - self.downtime_exact) / m
            self.__dict__["_availability"] = cached
        return cached

    @property
    def availability_percent(self) -> Decimal:
        """The availability as a Decimal with 10 decimals (rounded half-even), for display."""
        return Decimal(round(self.availability * 10 ** 10)).scaleb(-10)

    def rounded(self, places: int) -> Decimal:
        """Availability rounded half-even to `places` decimals, from the exact value."""
        return Decimal(round(self.availability * 10 ** places)).scaleb(-places)

    @property
    def met(self) -> Optional[bool]:
        return None if self.target is None else self.availability >= Fraction(self.target)

    @property
    def budget_exact(self) -> Fraction:
        """Allowed downtime in seconds: (1 - target) x measured."""
        if self.target is None:
            return Fraction(0)
        return (1 - Fraction(self.target) / 100) * Fraction(self.measured // US, 1_000_000)

    @property
    def budget(self) -> timedelta:
        return timedelta(microseconds=round(self.budget_exact * 1_000_000))

    @property
    def budget_remaining(self) -> timedelta:
        return timedelta(microseconds=round((self.budget_exact - self.downtime_exact) * 1_000_000))

    def to_json(self) -> dict:
        def secs(x: Fraction | timedelta) -> float:
            return float(x) if isinstance(x, Fraction) else x.total_seconds()
        return {"service": self.service, "period": self.period, "availability": str(self.availability_percent),
                "availability_exact": f"{self.availability.numerator}/{self.availability.denominator}",
                "target": None if self.target is None else str(self.target), "met": self.met,
                "measured": secs(self.measured), "downtime": secs(self.downtime_exact),
                "excluded": secs(self.excluded), "ignored": secs(self.ignored),
                "budget": secs(self.budget_exact), "budget_remaining": secs(self.budget_exact - self.downtime_exact),
                "credit": str(self.credit), "outages_counted": self.outages_counted}


@dataclass(frozen=True)
class CreditTable:
    """A credits block with its thresholds as exact fractions, built once per terms."""

    rows: tuple[tuple[Fraction, bool, Decimal], ...]
    cap: Optional[Decimal]

    @classmethod
    def of(cls, credits: Optional[dict]) -> "CreditTable":
        if not credits:
            return cls((), None)
        return cls(tuple((Fraction(Decimal(r["threshold"])), r["inclusive"], Decimal(r["credit"]))
                         for r in credits["rows"]),
                   Decimal(credits["cap"]) if credits.get("cap") is not None else None)

    def owed(self, availability: Fraction) -> Decimal:
        """The largest credit among rows whose threshold the availability is below (or at, for
        `at or below`), bounded by the cap; exact comparison."""
        owed = Decimal(0)
        for threshold, inclusive, credit in self.rows:
            if (availability <= threshold) if inclusive else (availability < threshold):
                owed = max(owed, credit)
        return min(owed, self.cap) if self.cap is not None else owed


def credit_owed(credits: Optional[dict], availability: Fraction) -> Decimal:
    """`CreditTable.of(credits).owed(availability)`."""
    return CreditTable.of(credits).owed(availability)


class OutageSet:
    """Outage records parsed and grouped by service once, for many availability questions."""

    def __init__(self, outages: Iterable[Outage]):
        self.by_service: dict[str, list[Outage]] = {}
        for o in outages:
            self.by_service.setdefault(o.service, []).append(o)
        for group in self.by_service.values():
            group.sort(key=lambda o: (o.start, o.end))
        self._starts = {svc: [o.start for o in group] for svc, group in self.by_service.items()}
        self._longest = {svc: max((o.end - o.start for o in group), default=0)
                         for svc, group in self.by_service.items()}

    def near(self, service: str, lo: int, hi: int) -> list[Outage]:
        """The service's outages meeting [lo, hi), by bisection on their starts."""
        import bisect
        group = self.by_service.get(service)
        if not group:
            return []
        starts = self._starts[service]
        first = bisect.bisect_left(starts, lo - self._longest[service])
        last = bisect.bisect_left(starts, hi)
        return [o for o in group[first:last] if o.end > lo]

    def all(self) -> list[Outage]:
        return [o for group in self.by_service.values() for o in group]


class AvailabilityEngine:
    """Availability under one set of terms; outages are grouped by service once per call."""

    def __init__(self, policy, objectives: dict):
        self.policy = policy
        self.objectives = objectives
        self.spec = objectives.get("availability")
        excl = objectives.get("exclusions", [])
        self.excluded_tags = {e["tag"] for e in excl if e["kind"] == "category"}
        self.excluded_windows = [(policy.window(e["ref"]), e["notice"]) for e in excl if e["kind"] == "window"]
        self.ignore_under = objectives.get("ignore_under", 0) * 1_000_000
        self.credits = CreditTable.of(objectives.get("credits"))

    def _record_pieces(self, outage: Outage, lo: int, hi: int) -> tuple[Pieces, list[tuple[int, int]]]:
        """One record's downtime near [lo, hi) after rules 1-2, and the intervals they excluded."""
        a, b = max(outage.start, lo), min(outage.end, hi)
        if a >= b or outage.impact == 0:
            return [], []
        if self.excluded_tags.intersection(outage.tags):
            return [], [(a, b)]
        pieces: Pieces = [(a, b, Fraction(outage.impact))]
        excluded = []
        for window, notice in self.excluded_windows:
            holes = []
            for occ_start, occ_end in _occurrences(window, a, b):
                if notice is None or (outage.announced is not None and
                                      outage.announced <= occ_start - notice * 1_000_000):
                    holes.append((max(occ_start, a), min(occ_end, b)))
            if holes:
                pieces, _ = subtract(pieces, holes)
                excluded.extend(holes)
        return pieces, excluded

    def report(self, outages: "Iterable[Outage] | OutageSet", period: Period, *, service: Optional[str] = None,
               include_dependencies: Optional[bool] = None) -> AvailabilityReport:
        spec = self.spec or {}
        if include_dependencies is None:
            include_dependencies = bool(spec.get("including_dependencies"))
        window = self.policy.window(spec.get("window", "always"))
        measured = window.open_us(period.start, period.end)
        # Outages are clipped to the period widened by the ignore threshold, so that a short
        # blip straddling the period's start is still judged by its whole length.
        lo, hi = period.start - self.ignore_under, period.end + self.ignore_under
        if not isinstance(outages, OutageSet) or service is None:
            outages = OutageSet(outages.all() if isinstance(outages, OutageSet) else outages)
        if service is None:  # no service named: every outage counts against the terms
            by_service = {None: [o for o in outages.all() if o.end > lo and o.start < hi]}
        else:
            by_service = _LazyNear(outages, lo, hi)
        excluded: list[tuple[int, int]] = []
        cache: dict[str, Pieces] = {}
        counted = 0

        def down(svc: Optional[str], trail: tuple = ()) -> Pieces:
            nonlocal counted
            if svc in cache:
                return cache[svc]
            own: list[Pieces] = []
            for o in by_service.get(svc, []):
                pieces, removed = self._record_pieces(o, lo, hi)
                if not trail:
                    excluded.extend(removed)
                if pieces:
                    own.append(pieces)
                    counted += 1
            parts = [union(*own)] if own else []
            if include_dependencies and svc is not None and svc not in trail:
                deps = self.policy.artifact["services"].get(svc, {}).get("depends", {"serial": [], "any": []})
                parts += [down(d, trail + (svc,)) for d in deps["serial"]]
                parts += [intersect(*[down(d, trail + (svc,)) for d in group]) for group in deps["any"]]
            result = union(*parts) if parts else []
            cache[svc] = result
            return result

        pieces = down(service)
        kept, ignored = [], 0
        for a, b, w in _merge_runs(pieces):
            if b - a < self.ignore_under:
                ignored += b - a
            else:
                kept.extend(p for p in pieces if a <= p[0] and p[1] <= b)
        downtime = Fraction(0)
        for a, b, w in kept:
            a, b = max(a, period.start), min(b, period.end)
            if a < b:
                downtime += w * Fraction(window.open_us(a, b), 1_000_000)
        # Excluded time: the union of what the rules removed, inside the period and the window.
        excluded_us = sum(window.open_us(max(a, period.start), min(b, period.end))
                          for a, b, _ in union([(a, b, ONE) for a, b in excluded])
                          if min(b, period.end) > max(a, period.start))
        target = Decimal(spec["target"]) if spec.get("target") else None
        report = AvailabilityReport(service, period.name, measured * US, downtime, excluded_us * US, ignored * US,
                                    target, Decimal(0), counted)
        report.credit = self.credits.owed(report.availability) if target else Decimal(0)
        return report


class _LazyNear(dict):
    """service -> its outages near the period, looked up on first use."""

    def __init__(self, outages: OutageSet, lo: int, hi: int):
        super().__init__()
        self.outages, self.lo, self.hi = outages, lo, hi

    def get(self, service, default=None):
        if service not in self:
            self[service] = self.outages.near(service, self.lo, self.hi)
        return self[service]


def _merge_runs(pieces: Pieces) -> list[tuple[int, int, Fraction]]:
    """Maximal runs of touching pieces, whatever their weights (for `ignore outages under`)."""
    runs: list[tuple[int, int, Fraction]] = []
    for a, b, w in pieces:
        if runs and runs[-1][1] >= a:
            runs[-1] = (runs[-1][0], max(runs[-1][1], b), w)
        else:
            runs.append((a, b, w))
    return runs


def _occurrences(window, a: int, b: int) -> list[tuple[int, int]]:
    """Maximal open intervals of `window` meeting [a, b), with their true (unclipped) starts."""
    day = 86_400 * 1_000_000
    start, end = window.horizon_us
    lo = max(a - 7 * day, start)
    hi = min(b + 7 * day, end)
    while True:
        found = [((s - _EPOCH) // US, (e - _EPOCH) // US) for s, e in window.intervals(from_us(lo), from_us(hi))]
        if found and found[0][0] == lo and lo > start:
            lo = max(lo - 366 * day, start)  # an occurrence that began long ago
            continue
        return [(s, e) for s, e in found if e > a and s < b]


_EPOCH = from_us(0)
