"""Runtime stage: the terms in force for a ticket (a tier, or a contract with overrides) and ticket evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from slalang.runtime.records import Ticket, instant_us, parse_ticket
from slalang.runtime.tickets.results import (EscalationStep, MetricResult, TicketResult,  # noqa: F401 - re-exported
                                             json_seconds)
from slalang.runtime.tickets.rules import METRICS  # noqa: F401 - re-exported


def merge_objectives(base: dict, overrides: dict) -> dict:
    """A contract's terms: the tier's statements with the override's replacing them by key."""
    merged = dict(base)
    for key, value in overrides.items():
        if key == "targets":
            keep = {(t["metric"], t["severity"]): t for t in base.get("targets", [])}
            keep.update({(t["metric"], t["severity"]): t for t in value})
            merged["targets"] = sorted(keep.values(), key=lambda t: (t["metric"], t["severity"]))
        elif key == "percentiles":
            keep = {(p["metric"], tuple(p["severities"])): p for p in base.get("percentiles", [])}
            keep.update({(p["metric"], tuple(p["severities"])): p for p in value})
            merged["percentiles"] = list(keep.values())
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class Target:
    metric: str
    severity: str
    goal: int                 # µs
    internal: Optional[int]   # µs
    window: str


class Terms:
    """The objectives in force for a ticket or a service: a tier, or a contract's tier with overrides."""

    def __init__(self, policy, objectives: dict, *, tier: str, customer: Optional[str] = None,
                 service: Optional[str] = None, contract: Optional[dict] = None):
        self.policy = policy
        self.objectives = objectives
        self.tier = tier
        self.customer = customer
        self.service = service
        self.contract = contract
        self.targets: dict[tuple[str, str], Target] = {
            (t["metric"], t["severity"]): Target(t["metric"], t["severity"], t["goal"] * 1_000_000,
                                                 t["internal"] * 1_000_000 if t["internal"] else None,
                                                 t["window"] or objectives["support"]["window"])
            for t in objectives.get("targets", [])}
        self.pause_when = frozenset(objectives.get("pause_when", ()))
        self.restart = objectives.get("on_severity_change") == "restart"
        chain_id = objectives.get("escalation")
        self.chain = policy.artifact["escalations"].get(chain_id) if chain_id else None
        self._availability = None

    def __repr__(self) -> str:
        who = f"{self.customer}/{self.service} " if self.customer else ""
        return f"<Terms {who}tier {self.tier!r}>"

    # -- availability ----------------------------------------------------------------------------
    def availability(self, outages, period, include_dependencies: Optional[bool] = None,
                     service: Optional[str] = None):
        """Availability, downtime, error budget and credit for a period (SPEC §5), exact.

        `outages`: §7 dicts or parsed Outage records; `period`: `2025-03`, `2025-Q1`, ...
        `service` defaults to the contract's service; without one, every outage counts.
        """
        from slalang.runtime.availability import AvailabilityEngine, OutageSet
        from slalang.runtime.periods import Period, parse_period
        from slalang.runtime.records import Outage, parse_outage

        if self._availability is None:
            self._availability = AvailabilityEngine(self.policy, self.objectives)
        if not isinstance(period, Period):
            period = parse_period(period, self.policy.timezone)
        if not isinstance(outages, OutageSet):
            services = self.policy.service_names
            outages = [o if isinstance(o, Outage) else parse_outage(o, services) for o in outages]
        return self._availability.report(outages, period, service=service or self.service,
                                         include_dependencies=include_dependencies)

    # -- tickets ---------------------------------------------------------------------------------
    def evaluate_ticket(self, ticket: dict | Ticket, now: datetime | str) -> TicketResult:
        """Clocks, deadlines, states and escalations of one ticket as of `now` (SPEC §4), under these
        terms; raises RecordError (or InstantError) for a ticket that cannot be evaluated."""
        t = ticket if isinstance(ticket, Ticket) else parse_ticket(ticket, self.policy.severity_names)
        return self.evaluate_parsed(t, instant_us(now, "now"))

    def evaluate_parsed(self, t: Ticket, now_us: int) -> TicketResult:
        """`evaluate_ticket` for a parsed ticket and `now` in epoch microseconds."""
        from slalang.runtime.errors import RecordError
        from slalang.runtime.tickets.api import evaluate_parsed

        cols = evaluate_parsed(self.policy, [t], now_us, terms=self)
        if cols.problems:
            raise cols.problem_kinds.get(0, RecordError)(cols.problems[0])
        return cols.views()[0]

    def evaluate_many(self, tickets: list[Ticket], now_us: int) -> list[TicketResult]:
        """Parsed tickets under these terms as of `now` (epoch µs), in one engine call; a ticket that
        cannot be evaluated has a result with only `.problem` set."""
        from slalang.runtime.tickets.api import evaluate_parsed

        return evaluate_parsed(self.policy, tickets, now_us, terms=self).views()
