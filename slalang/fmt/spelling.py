"""Formatter stage: how each AST node is spelled — its words in canonical order, and its body if it has braces.

Values are spelled as the author wrote them (strings, percentages, dates, times, numbers), with
one exception: a duration keeps the author's units but loses leading zeros and zero parts
(`01h00m` -> `1h`). Units are never converted (`48h` stays `48h`, not `2d`): `d` and `w` count
days of the clock's window, so they say something different to a reader and to the validator.
Options that the grammar accepts in any order are printed in the grammar's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional, Union

from slalang.syntax import ast
from slalang.syntax.literals import DAYS


@dataclass(frozen=True)
class Items:
    """A comma-separated list (`a, b, c`): the only place a long statement may wrap."""

    words: tuple[str, ...]


Piece = Union[str, Items]


@dataclass(frozen=True)
class Spelling:
    """The words of a statement (or of a block's head) and, for a block, the statements inside it."""

    words: tuple[Piece, ...]
    body: Optional[tuple[ast.Node, ...]] = None


_DURATION_PART = re.compile(r"(\d+)([a-z])")


def spell_duration(d: ast.Duration) -> str:
    """The author's units without leading zeros or zero parts: `0d04h30m` -> `4h30m`."""
    parts = [(int(n), unit) for n, unit in _DURATION_PART.findall(d.text)]
    if "".join(f"{n}{u}" for n, u in _DURATION_PART.findall(d.text)) != d.text:
        return d.text  # not a well-formed duration: never guess (the parser reported it)
    kept = [f"{n}{unit}" for n, unit in parts if n]
    return "".join(kept) or d.text


def _days(days: tuple[ast.DayRange, ...]) -> str:
    return ",".join(DAYS[r.first] if r.first == r.last else f"{DAYS[r.first]}-{DAYS[r.last]}" for r in days)


def _dates(start: ast.DateLike, end: Optional[ast.DateLike]) -> str:
    return start.text if end is None else f"{start.text}..{end.text}"


def _names(names) -> Items:
    return Items(tuple(n.text if isinstance(n, ast.QualName) else n.value for n in names))


def _via(channels: tuple[ast.Name, ...]) -> list[Piece]:
    return ["via", _names(channels)] if channels else []


def _during(ref: Optional[ast.QualName]) -> list[Piece]:
    return ["during", ref.text] if ref else []


def _period_of(node: ast.Expect) -> list[Piece]:
    return [node.period] + (["of", node.service.text] if node.service else [])


def _step(n: ast.Step) -> list[Piece]:
    trigger: list[Piece] = [n.percent.text] if n.percent else ["breach"]
    if n.percent is None and n.after is not None:
        trigger += ["+", spell_duration(n.after)]
    return ["at", *trigger, "notify", _names(n.notify), *_via(n.channels)]


def _target(n: ast.Target) -> list[Piece]:
    words: list[Piece] = [n.metric, _names(n.severities), "every" if n.metric == "update" else "within",
                          spell_duration(n.goal)]
    if n.internal:
        words += ["internal", spell_duration(n.internal)]
    return words + _during(n.during)


def _availability(n: ast.Availability) -> list[Piece]:
    words: list[Piece] = ["availability", n.target.text, n.period, *_during(n.during)]
    if n.internal:
        words += ["internal", n.internal.text]
    return words + (["including", "dependencies"] if n.including_dependencies else [])


def _exclude_item(n: ast.ExcludeItem) -> str:
    return n.ref.text + (f" with notice {spell_duration(n.notice)}" if n.notice else "")


def _contract(n: ast.Contract) -> list[Piece]:
    return ["contract", n.service.text, n.tier.text, "from", n.start.text] + (["to", n.end.text] if n.end else [])


def _event(n: ast.Event) -> list[Piece]:
    if n.kind in ("status", "severity"):
        return ["at", n.at.text, n.kind, n.value or ""]
    return ["at", n.at.text, n.kind]


def _outage(n: ast.OutageStmt) -> list[Piece]:
    words: list[Piece] = ["outage", n.service.text, "from", n.start.text, "to", n.end.text]
    if n.tags:
        words += ["tagged", _names(n.tags)]
    if n.announced:
        words += ["announced", n.announced.text]
    if n.impact is not None:
        words += ["impact", n.impact_text or str(n.impact)]
    return words


def _expect(n: ast.Expect) -> list[Piece]:
    internal = ["internal"] if n.internal else []
    ticket = n.ticket.value if n.ticket else ""
    if n.what == "due":
        return ["expect", ticket, n.metric, *internal, "due", n.due.text if n.due else "none"]
    if n.what == "state":
        return ["expect", ticket, n.metric, *internal, "state", n.state.value, "at", n.at.text]
    if n.what == "elapsed":
        return ["expect", ticket, n.metric, "elapsed", spell_duration(n.elapsed), "at", n.at.text]
    if n.what == "notifies":
        return ["expect", ticket, "notifies", n.contact.text, "at", n.at.text]
    if n.what == "availability":
        return ["expect", "availability", *_period_of(n), "is", n.percent.text]
    if n.what == "verdict":
        return ["expect", "availability", *_period_of(n), n.verdict]
    if n.what == "credit":
        return ["expect", "credit", *_period_of(n), n.percent.text]
    raise ValueError(f"unknown expectation {n.what!r}")


def _extends(ref: Optional[ast.QualName]) -> list[Piece]:
    return ["extends", ref.text] if ref else []


# Each entry: node -> (words, body or None). A body of () is an empty block `{}`.
_SPELLERS: dict[type, Callable[..., Spelling]] = {
    ast.Field: lambda n: Spelling((n.key, n.value.raw)),
    ast.Horizon: lambda n: Spelling(("horizon", f"{n.first}..{n.last}")),
    ast.PolicyHeader: lambda n: Spelling(("policy", n.title.raw), n.body),
    ast.Import: lambda n: Spelling(("import", n.path.raw) + (("as", n.alias.value) if n.alias else ())),
    ast.WindowDecl: lambda n: Spelling(("window", n.name.value, *_extends(n.extends)), n.body),
    ast.Weekly: lambda n: Spelling((_days(n.days), Items(tuple(r.text for r in n.ranges)))),
    ast.Dated: lambda n: Spelling((_dates(n.start, n.end),)),
    ast.Include: lambda n: Spelling(("include", n.ref.text)),
    ast.ExceptHolidays: lambda n: Spelling(("except", "holidays", n.region.raw)),
    ast.ExceptDates: lambda n: Spelling(("except", _dates(n.start, n.end))),
    ast.ExceptWindow: lambda n: Spelling(("except", n.ref.text)),
    ast.SeverityDecl: lambda n: Spelling(("severity", n.name.value, n.description.raw)),
    ast.StatusDecl: lambda n: Spelling(("status", n.name.value, n.description.raw)),
    ast.ExclusionDecl: lambda n: Spelling(("exclusion", n.name.value, n.description.raw)),
    ast.ContactDecl: lambda n: Spelling(("contact", n.name.value, n.address.raw)),
    ast.EscalationDecl: lambda n: Spelling(("escalation", n.name.value), n.body),
    ast.Step: lambda n: Spelling(tuple(_step(n))),
    ast.Repeat: lambda n: Spelling(("repeat", "every", spell_duration(n.every), "up", "to", str(n.times), "times")),
    ast.TierDecl: lambda n: Spelling(("tier", n.name.value, *_extends(n.extends)), n.body),
    ast.Support: lambda n: Spelling(("support", n.window.text, *_via(n.channels))),
    ast.PauseWhen: lambda n: Spelling(("pause", "when", _names(n.statuses))),
    ast.SeverityChange: lambda n: Spelling(("on", "severity", "change",
                                            "keep elapsed" if n.mode == "keep_elapsed" else "restart")),
    ast.Target: lambda n: Spelling(tuple(_target(n))),
    ast.PercentileTarget: lambda n: Spelling((n.metric, _names(n.severities), n.share.text, "within",
                                              spell_duration(n.goal), *_during(n.during))),
    ast.Availability: lambda n: Spelling(tuple(_availability(n))),
    ast.Exclude: lambda n: Spelling(("exclude", Items(tuple(_exclude_item(i) for i in n.items)))),
    ast.IgnoreUnder: lambda n: Spelling(("ignore", "outages", "under", spell_duration(n.duration))),
    ast.Credits: lambda n: Spelling(("credits",), n.body),
    ast.CreditRow: lambda n: Spelling(("at or below" if n.inclusive else "below", n.threshold.text, "credit",
                                       n.credit.text)),
    ast.Cap: lambda n: Spelling(("cap", n.value.text)),
    ast.Escalate: lambda n: Spelling(("escalate", n.ref.text)),
    ast.ServiceDecl: lambda n: Spelling(("service", n.name.value), n.body),
    ast.Offers: lambda n: Spelling(("offers", _names(n.tiers))),
    ast.DependsOn: lambda n: Spelling(("depends", "on", *(("any", "of") if n.kind == "any" else ()),
                                       _names(n.services))),
    ast.CustomerDecl: lambda n: Spelling(("customer", n.name.value), n.body),
    ast.Contract: lambda n: Spelling(tuple(_contract(n)), n.overrides if n.has_body else None),
    ast.OlaDecl: lambda n: Spelling(("ola", n.name.value), n.body),
    ast.Underpins: lambda n: Spelling(("underpins", _names(n.services))),
    ast.SourceDecl: lambda n: Spelling(("source", n.name.value), n.body),
    ast.SourceFormat: lambda n: Spelling(("format", n.format.value)),
    ast.Instants: lambda n: Spelling(("instants", n.format.raw)),
    ast.Column: lambda n: Spelling(("column", n.field.value, n.path.raw)),
    ast.SourceMapping: lambda n: Spelling((n.kind, Items(tuple(r.raw for r in n.raws)), "as", n.target.text)
                                          + (("responds",) if n.responds else ())),
    ast.TestDecl: lambda n: Spelling(("test", n.name.raw), n.body),
    ast.GivenTier: lambda n: Spelling(("given", "tier", n.tier.text)),
    ast.GivenContract: lambda n: Spelling(("given", "customer", n.customer.text, "service", n.service.text)),
    ast.TicketStmt: lambda n: Spelling(("ticket", n.name.value, n.severity.text, "opened", n.opened.text),
                                       n.events if n.has_body else None),
    ast.Event: lambda n: Spelling(tuple(_event(n))),
    ast.OutageStmt: lambda n: Spelling(tuple(_outage(n))),
    ast.Expect: lambda n: Spelling(tuple(_expect(n))),
}


def spell(node: ast.Node) -> Spelling:
    """The canonical words of one statement or declaration."""
    try:
        speller = _SPELLERS[type(node)]
    except KeyError:
        raise TypeError(f"the formatter cannot print a {type(node).__name__}") from None
    return speller(node)
