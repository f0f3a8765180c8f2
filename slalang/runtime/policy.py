"""Runtime stage: a compiled policy, as a service sees it. Reads only the artifact."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Optional

from slalang.runtime.artifact import parse_artifact, read_artifact, save_artifact

if TYPE_CHECKING:  # the availability engine loads on first use
    from slalang.runtime.availability import OutageSet


class Policy:
    """A compiled policy: windows, tiers, contracts and tests, ready to evaluate."""

    def __init__(self, artifact: dict):
        self.artifact = artifact
        self.diagnostics: list = []  # warnings from compilation, when compiled in-process
        self._windows = None
        self._severities: Optional[set[str]] = None
        self._services: Optional[set[str]] = None
        self._terms: dict = {}

    # -- identity -----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.artifact["policy"]["name"]

    @property
    def version(self) -> str:
        return self.artifact["policy"]["version"]

    @property
    def timezone(self) -> str:
        return self.artifact["policy"]["timezone"]

    @property
    def horizon(self) -> tuple[int, int]:
        first, last = self.artifact["policy"]["horizon"]
        return first, last

    @property
    def digest(self) -> str:
        return self.artifact["digest"]

    def __repr__(self) -> str:
        return f"<Policy {self.name!r} version {self.version!r} {self.digest[:19]}>"

    # -- persistence -----------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write the artifact deterministically and atomically (temp file + rename)."""
        save_artifact(self.artifact, path)

    # -- windows ---------------------------------------------------------------------------------
    @property
    def windows(self):
        """The window set, materialised lazily per year on first use."""
        if self._windows is None:
            from slalang.runtime.windows import WindowSet  # numpy loads only when time is needed
            self._windows = WindowSet(self.artifact["windows"], self.horizon)
        return self._windows

    def window(self, name: str):
        """A window by id (`business_hours`, `std.windows.uk_business_hours`, or `always`)."""
        return self.windows.get(name)

    @property
    def severity_names(self) -> set[str]:
        if self._severities is None:
            self._severities = set(self.severity_list)
        return self._severities

    @property
    def severity_list(self) -> list[str]:
        """Severity names, most severe first (the order the policy declares them)."""
        found = self.__dict__.get("_severity_list")
        if found is None:
            found = self.__dict__["_severity_list"] = [s["name"] for s in self.artifact["severities"]]
        return found

    @property
    def service_names(self) -> set[str]:
        if self._services is None:
            self._services = set(self.artifact["services"])
        return self._services

    def outages(self, records) -> "OutageSet":
        """Outage records (§7 dicts or parsed) checked, parsed and grouped by service once, to pass
        to many `availability` calls; RecordError names the first bad record."""
        from slalang.runtime.availability import OutageSet
        from slalang.runtime.errors import RecordError
        from slalang.runtime.records import Outage, parse_outage

        parsed = []
        for index, record in enumerate(records):
            try:
                parsed.append(record if isinstance(record, Outage) else parse_outage(record, self.service_names))
            except RecordError as exc:
                raise RecordError(f"outage {index + 1}: {exc}") from None
        return OutageSet(parsed)

    # -- terms -----------------------------------------------------------------------------------
    def tier(self, name: str):
        """The terms of a tier as published (inheritance already flattened)."""
        from slalang.runtime.terms import Terms

        key = ("tier", name)
        if key not in self._terms:
            tier = self.artifact["tiers"].get(name)
            if tier is None:
                raise LookupError(f"unknown tier {name!r}; this policy has: {', '.join(sorted(self.artifact['tiers']))}")
            self._terms[key] = Terms(self, tier, tier=name)
        return self._terms[key]

    def contract(self, customer: str, service: str, at) -> tuple[int, dict]:
        """(index, contract) of `customer` for `service` in force at instant `at`."""
        from slalang.runtime.records import from_us, instant_us

        cust = self.artifact["customers"].get(customer)
        if cust is None:
            raise LookupError(f"unknown customer {customer!r}")
        if service not in self.artifact["services"]:
            raise LookupError(f"unknown service {service!r}")
        at_us = at if isinstance(at, int) else instant_us(at, "at")
        for index, contract in enumerate(cust["contracts"]):
            if contract["service"] != service:
                continue
            if instant_us(contract["start"], "start") <= at_us and (
                    contract["end"] is None or at_us < instant_us(contract["end"], "end")):
                return index, contract
        raise LookupError(f"{customer} has no contract for {service} in force at "
                          f"{from_us(at_us).isoformat().replace('+00:00', 'Z')}")

    def terms(self, customer: str, service: str, at):
        """The terms of the contract in force at `at`: its tier with the contract's overrides."""
        from slalang.runtime.terms import Terms, merge_objectives

        index, contract = self.contract(customer, service, at)
        key = ("contract", customer, index)
        if key not in self._terms:
            tier = self.artifact["tiers"][contract["tier"]]
            self._terms[key] = Terms(self, merge_objectives(tier, contract["overrides"]), tier=contract["tier"],
                                     customer=customer, service=service, contract=contract)
        return self._terms[key]

    def report(self, *, tickets=(), outages=(), period, now=None):
        """Compliance per customer contract in force during `period`: availability against target,
        allowed and used downtime, credits, ticket attainment and breaches (rendered by slalang.report)."""
        from slalang.runtime.compliance import build_report
        from slalang.runtime.records import Outage, Ticket, instant_us, parse_outage, parse_ticket

        services, severities = set(self.artifact["services"]), self.severity_names
        return build_report(
            self, outages=[o if isinstance(o, Outage) else parse_outage(o, services) for o in outages],
            tickets=[t if isinstance(t, Ticket) else parse_ticket(t, severities) for t in tickets],
            period=period, now=None if now is None else instant_us(now, "now"))

    def terms_for_period(self, customer: str, service: str, period):
        """The contract terms that govern a reporting period: in force at its start, else at its end."""
        from slalang.runtime.periods import Period, parse_period

        if not isinstance(period, Period):
            period = parse_period(period, self.timezone)
        try:
            return self.terms(customer, service, period.start)
        except LookupError:
            return self.terms(customer, service, period.end - 1)

    def terms_for_ticket(self, ticket):
        """The terms a parsed ticket is pinned to: its tier, or its contract at the opened instant."""
        if ticket.tier is not None:
            return self.tier(ticket.tier)
        if ticket.customer is None or ticket.service is None:
            raise LookupError("a ticket needs a tier, or a customer and a service")
        return self.terms(ticket.customer, ticket.service, ticket.opened)

    def evaluate_tickets(self, tickets, now, *, strict: bool = False) -> list:
        """Evaluate many tickets (dicts in the §7 format) as of `now`, each under the terms in
        force at its own opened instant. Results keep input order; a bad record yields a result
        whose `.problem` says why (or raises RecordError with `strict=True`)."""
        from slalang.runtime.records import instant_us
        from slalang.runtime.tickets.api import evaluate_records

        return evaluate_records(self, tickets, instant_us(now, "now"), strict=strict).views()

    def evaluate_arrow(self, data, now, *, source=None, strict: bool = False):
        """Evaluate tickets held in Arrow (a pyarrow Table, RecordBatch or RecordBatchReader in the
        §7 ticket shape, `events` a list of structs `at, status, severity, type`) as of `now`.

        Returns a pyarrow Table with one row per ticket and metric, in input order, with the
        columns of `slalang eval --format csv` and an `escalations` list column; a record that
        cannot be evaluated is one row with its `id` and `problem` (or, with `strict`, raises
        RecordError). Instants are timestamp[us, UTC], durations duration[us]. Needs pyarrow."""
        from slalang.runtime.records import instant_us
        from slalang.runtime.tickets.arrow import evaluate_arrow

        if source is not None:   # rows as the ticket system wrote them, read through a source (§12)
            from slalang.runtime.tickets.api import evaluate_records
            from slalang.runtime.tickets.arrow import batches, to_arrow

            reader = self.source(source)
            rows = (row for batch in batches(data) for row in batch.to_pylist())
            return to_arrow(evaluate_records(self, list(reader.read(rows)), instant_us(now, "now"), strict=strict))
        return evaluate_arrow(self, data, instant_us(now, "now"), strict=strict)

    # -- ticket sources ----------------------------------------------------------------------------
    @property
    def source_names(self) -> list[str]:
        return sorted(self.artifact.get("ticket_sources", {}))

    def source(self, name: str):
        """A `source` of the policy (SPEC §12): `.read(path_or_rows)` yields §7 ticket dicts."""
        from slalang.runtime.sources import Source

        spec = self.artifact.get("ticket_sources", {}).get(name)
        if spec is None:
            known = ", ".join(self.source_names) or "none"
            raise LookupError(f"unknown source {name!r}; this policy's sources: {known}")
        found = self._terms.get(("source", name))
        if found is None:
            found = self._terms[("source", name)] = Source(self, name, spec)
        return found

    def entity(self, kind: str, ident: str) -> Optional[dict[str, Any]]:
        return self.artifact.get(kind, {}).get(ident)


def load(path: str | os.PathLike) -> Policy:
    """Load an artifact; raises ArtifactError on a newer format, a schema violation or a digest mismatch."""
    return Policy(read_artifact(path))


def loads(data: bytes | str) -> Policy:
    """Load an artifact from memory (its bytes or text); raises ArtifactError as `load` does."""
    return Policy(parse_artifact(data))
