"""Policy tests: run the `test` blocks carried in an artifact against its own evaluators (like `opa test`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Optional

from slalang.runtime.errors import SlalangError
from slalang.runtime.records import from_us, instant_us, iso_z, parse_outage, parse_ticket


@dataclass
class Failure:
    span: Optional[str]     # file:line:col of the expectation
    expected: str
    got: str


@dataclass
class TestOutcome:
    name: str
    span: Optional[str]
    failures: list[Failure] = field(default_factory=list)
    error: Optional[str] = None

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None


def _fmt(value) -> str:
    """Expectations are written to the second, and compared as written."""
    return iso_z(value, fraction=False) or "none"


def run_tests(policy) -> list[TestOutcome]:
    """Every test block of the policy, in source order."""
    return [run_test(policy, test) for test in policy.artifact["tests"]]


class _Case:
    def __init__(self, policy, test: dict):
        self.policy = policy
        self.test = test
        self.tickets = {t["id"]: parse_ticket(t, policy.severity_names) for t in test["tickets"]}
        self.outages = [parse_outage(o) for o in test["outages"]]
        self.given = test.get("given") or {}

    def terms_for(self, ticket):
        if "tier" in self.given:
            return self.policy.tier(self.given["tier"])
        if "customer" in self.given:
            return self.policy.terms(self.given["customer"], self.given["service"], ticket.opened)
        return self.policy.terms_for_ticket(ticket)

    def ticket_result(self, name: str, now: Optional[int]):
        ticket = self.tickets.get(name)
        if ticket is None:
            raise SlalangError(f'no ticket "{name}" in this test')
        if now is None:  # "due" speaks of the deadline once every event has happened
            now = max([ticket.opened] + [e.at for e in ticket.events])
        return self.terms_for(ticket).evaluate_parsed(ticket, now)

    def availability(self, period: str, service: Optional[str]):
        service = service or self.given.get("service")
        if "tier" in self.given:
            terms = self.policy.tier(self.given["tier"])
        elif "customer" in self.given:
            terms = self.policy.terms_for_period(self.given["customer"], service or self.given["service"], period)
        else:
            raise SlalangError("an availability expectation needs `given tier` or `given customer ... service ...`")
        return terms.availability(self.outages, period=period, service=service)


def run_test(policy, test: dict) -> TestOutcome:
    outcome = TestOutcome(test["name"], test.get("span"))
    try:
        case = _Case(policy, test)
    except (SlalangError, LookupError) as exc:
        outcome.error = str(exc.args[0]) if exc.args else str(exc)
        return outcome
    for exp in test["expects"]:
        try:
            failure = _check(case, exp)
        except (SlalangError, LookupError) as exc:
            failure = Failure(exp.get("span"), _describe(exp), f"error: {exc.args[0] if exc.args else exc}")
        if failure is not None:
            outcome.failures.append(failure)
    return outcome


def _describe(exp: dict) -> str:
    what = exp["what"]
    if what == "due":
        return f"{exp['metric']}{' internal' if exp.get('internal') else ''} due {_fmt(_us(exp.get('due')))}"
    if what == "state":
        return f"{exp['metric']}{' internal' if exp.get('internal') else ''} state {exp['state']} at {exp['at']}"
    if what == "elapsed":
        return f"{exp['metric']} elapsed {exp['elapsed']}s at {exp['at']}"
    if what == "notifies":
        return f"notifies {exp['contact']} at {exp['at']}"
    if what == "availability":
        return f"availability {exp['period']} is {exp['percent']}%"
    if what == "verdict":
        return f"availability {exp['period']} {exp['verdict']}"
    return f"credit {exp['period']} {exp['percent']}%"


def _us(value: Optional[str]) -> Optional[int]:
    return None if value is None else instant_us(value, "instant")


def _metric(result, exp: dict):
    metric = result.metrics.get(exp["metric"])
    if metric is None:
        raise SlalangError(f"ticket {result.id} has no {exp['metric']} target for severity {result.severity}")
    return metric


def _check(case: _Case, exp: dict) -> Optional[Failure]:
    what, span = exp["what"], exp.get("span")
    if what in ("due", "state", "elapsed"):
        result = case.ticket_result(exp["ticket"], _us(exp.get("at")))
        metric = _metric(result, exp)
        internal = exp.get("internal")
        if what == "due":
            got = metric.internal_deadline if internal else metric.deadline
            want = exp.get("due")
            if _fmt(got) != _fmt(_us(want)):
                return Failure(span, _describe(exp), f"due {_fmt(got)}")
        elif what == "state":
            got = metric.internal_state if internal else metric.state
            if got != exp["state"]:
                return Failure(span, _describe(exp), f"state {got}")
        else:
            if metric.elapsed != timedelta(seconds=exp["elapsed"]):
                return Failure(span, _describe(exp), f"elapsed {int(metric.elapsed.total_seconds())}s")
        return None
    if what == "notifies":
        at = _us(exp["at"])
        result = case.ticket_result(exp["ticket"], at)
        due = [e for e in result.escalations if exp["contact"] in e.notify and e.due is not None]
        if any(from_us(at) == e.due for e in due):
            return None
        got = ", ".join(sorted({_fmt(e.due) for e in due})) or "no step notifying them"
        return Failure(span, _describe(exp), f"notified at {got}")
    report = case.availability(exp["period"], exp.get("service"))
    if what == "availability":
        want = Decimal(exp["percent"])
        places = Decimal(1).scaleb(want.as_tuple().exponent)
        got = report.availability_percent.quantize(places, rounding=ROUND_HALF_EVEN)
        return None if got == want else Failure(span, _describe(exp), f"availability {got}% "
                                                f"({report.availability_percent:.6f}%)")
    if what == "verdict":
        got = "met" if report.met else "missed"
        return None if got == exp["verdict"] else Failure(span, _describe(exp), got)
    want = Decimal(exp["percent"])
    return None if report.credit == want else Failure(span, _describe(exp), f"credit {report.credit}%")
