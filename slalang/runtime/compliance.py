"""Runtime stage: compliance per customer contract and period — availability, budget, credits, ticket
attainment (what `Policy.report` computes; `slalang.report` renders it)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Iterable, Optional

from slalang.runtime.errors import RecordError
from slalang.runtime.periods import Period, parse_period
from slalang.runtime.records import Outage, Ticket, instant_us, iso_z
from slalang.runtime.terms import Terms


def _iso(us: Optional[int]) -> Optional[str]:
    return iso_z(us, fraction=False)


def _pct(value: Fraction, places: int = 4) -> str:
    return str(Decimal(round(value * 10 ** places)).scaleb(-places))


def _seconds(value) -> float:
    return float(value) if isinstance(value, Fraction) else value.total_seconds()


@dataclass
class Report:
    """A compliance report: one entry per customer contract in force during the period."""

    period: Period
    timezone: str
    policy_name: str
    policy_version: str
    digest: str
    contracts: list[dict] = field(default_factory=list)
    unattributed_tickets: int = 0

    def to_json(self) -> dict:
        return {"policy": {"name": self.policy_name, "version": self.policy_version, "digest": self.digest},
                "period": {"name": self.period.name, "kind": self.period.kind, "timezone": self.timezone,
                           "first_day": self.period.first_day.isoformat(),
                           "last_day": (self.period.after_day - timedelta(days=1)).isoformat(),
                           "start": _iso(self.period.start), "end": _iso(self.period.end)},
                "contracts": self.contracts, "unattributed_tickets": self.unattributed_tickets,
                "summary": self.summary()}

    def summary(self) -> dict:
        with_target = [c for c in self.contracts if c["availability"]["target"] is not None]
        return {"contracts": len(self.contracts),
                "availability_met": sum(1 for c in with_target if c["availability"]["met"]),
                "availability_missed": sum(1 for c in with_target if not c["availability"]["met"]),
                "credits_owed": sum(1 for c in self.contracts if Decimal(c["availability"]["credit"]) > 0),
                "ticket_breaches": sum(len(c["tickets"]["breaches"]) for c in self.contracts)}


def contracts_in_period(policy, period: Period) -> list[tuple[str, int, dict]]:
    """(customer, index, contract) for every contract whose days meet the period."""
    out = []
    for customer, cust in sorted(policy.artifact["customers"].items()):
        for index, contract in enumerate(cust["contracts"]):
            start = instant_us(contract["start"], "start")
            end = instant_us(contract["end"], "end") if contract["end"] else None
            if start < period.end and (end is None or end > period.start):
                out.append((customer, index, contract))
    return out


def _attainment(results) -> list[dict]:
    """Per metric and severity: met, missed (stopped late) and breached (running late) tickets, the
    ones still open, and the cancelled ones, which are neither met nor missed (SPEC §12): they
    are counted apart and left out of `decided`."""
    counts: dict[tuple[str, str], dict] = defaultdict(
        lambda: {"met": 0, "missed": 0, "breached": 0, "open": 0, "cancelled": 0})
    for r in results:
        for name, m in r.metrics.items():
            c = counts[(name, m.severity)]
            if m.state in ("met", "missed", "breached", "cancelled"):
                c[m.state] += 1
            else:
                c["open"] += 1
    rows = []
    for (metric, severity), c in sorted(counts.items()):
        decided = c["met"] + c["missed"] + c["breached"]
        rows.append({"metric": metric, "severity": severity, **c, "decided": decided,
                     "attainment": _pct(Fraction(c["met"], decided) * 100, 2) if decided else None})
    return rows


def percentile_attainment(terms: Terms, tickets: list[Ticket], now: int) -> list[dict]:
    """Each percentile target over the tickets of its severities: met / decided against its own bound.
    A cancelled ticket is never decided (SPEC §12); `cancelled` says how many of `tickets` were."""
    out = []
    for spec in terms.objectives.get("percentiles", []):
        bound_terms = Terms(terms.policy, {
            "support": terms.objectives["support"], "pause_when": list(terms.pause_when),
            "on_severity_change": "restart" if terms.restart else "keep_elapsed",
            "targets": [{"metric": spec["metric"], "severity": s, "goal": spec["goal"], "internal": None,
                         "window": spec["window"]} for s in spec["severities"]],
            "escalation": None}, tier=terms.tier)
        met = decided = cancelled = 0
        chosen = [t for t in tickets if t.severity in spec["severities"]]
        considered = len(chosen)
        for r in _evaluated(bound_terms, chosen, now):
            m = r.metrics.get(spec["metric"])
            if m is None:
                continue
            if m.state in ("met", "missed", "breached"):
                decided += 1
                met += m.state == "met"
            cancelled += m.state == "cancelled"
        attainment = Fraction(met, decided) * 100 if decided else None
        share = Fraction(Decimal(spec["share"]))
        out.append({"metric": spec["metric"], "severities": spec["severities"], "share": spec["share"],
                    "bound": spec["goal"], "tickets": considered, "decided": decided, "met": met,
                    "cancelled": cancelled,
                    "attainment": None if attainment is None else _pct(attainment, 2),
                    "achieved": None if attainment is None else attainment >= share})
    return out


def _evaluated(terms, tickets: list, now: int) -> list:
    """The tickets under `terms` in one engine call; a ticket that cannot be evaluated (a clock
    outside the horizon) stops the report, as it would a single evaluation."""
    results = terms.evaluate_many(tickets, now)
    for r in results:
        if r.problem is not None:
            raise RecordError(f"ticket {r.id}: {r.problem}")
    return results


def build_report(policy, *, outages: Iterable[Outage], tickets: Iterable[Ticket], period: str | Period,
                 now: Optional[int] = None) -> Report:
    """The compliance report of every contract in force during `period` (tickets as of `now`,
    by default the period's end)."""
    if not isinstance(period, Period):
        period = parse_period(period, policy.timezone)
    as_of = min(now, period.end) if now is not None else period.end
    from slalang.runtime.availability import OutageSet

    outages = outages if isinstance(outages, OutageSet) else OutageSet(outages)
    art = policy.artifact
    report = Report(period, policy.timezone, policy.name, policy.version, policy.digest)
    by_contract: dict[tuple[str, int], list[Ticket]] = defaultdict(list)
    for t in tickets:
        if not (period.start <= t.opened < period.end) or t.customer is None or t.service is None:
            report.unattributed_tickets += t.customer is None
            continue
        try:
            index, _ = policy.contract(t.customer, t.service, t.opened)
        except LookupError:
            report.unattributed_tickets += 1
            continue
        by_contract[(t.customer, index)].append(t)
    for customer, index, contract in contracts_in_period(policy, period):
        service = contract["service"]
        terms = policy.terms(customer, service, max(period.start, instant_us(contract["start"], "start")))
        avail = terms.availability(outages, period)
        own = sorted(by_contract.get((customer, index), []), key=lambda t: (t.opened, t.id))
        results = _evaluated(terms, own, as_of)
        breaches = [{"ticket": r.id, "metric": name, "severity": m.severity, "state": m.state,
                     "goal": _seconds(m.goal), "elapsed": _seconds(m.elapsed),
                     "deadline": iso_z(m.deadline, fraction=False)}
                    for r in results for name, m in r.metrics.items() if m.state in ("missed", "breached")]
        spec = terms.objectives.get("availability") or {}
        used = (Fraction(avail.downtime_exact) / avail.budget_exact * 100) if avail.budget_exact else None
        report.contracts.append({
            "customer": customer, "customer_name": art["customers"][customer]["name"], "service": service,
            "tier": contract["tier"], "from": contract["from"], "to": contract["to"],
            "availability": {
                "target": spec.get("target"), "period": spec.get("period"), "window": spec.get("window", "always"),
                "including_dependencies": bool(spec.get("including_dependencies")),
                "availability": _pct(avail.availability), "met": avail.met,
                "measured": _seconds(avail.measured), "downtime": _seconds(avail.downtime_exact),
                "excluded": _seconds(avail.excluded), "ignored": _seconds(avail.ignored),
                "allowed_downtime": _seconds(avail.budget_exact),
                "budget_remaining": _seconds(avail.budget_exact - avail.downtime_exact),
                "budget_used": None if used is None else _pct(used, 1),
                "credit": str(avail.credit), "outages_counted": avail.outages_counted},
            "tickets": {"count": len(results), "attainment": _attainment(results),
                        "percentiles": percentile_attainment(terms, own, as_of), "breaches": breaches},
        })
    return report
