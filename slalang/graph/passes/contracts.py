"""Graph stage, passes `contracts` and `olas`: contracts match offers and never overlap; OLAs sit inside SLAs."""

from __future__ import annotations

import datetime as dt

from slalang.diagnostics import Diagnostic, did_you_mean, error
from slalang.graph.model import Model
from slalang.syntax import ast
from slalang.syntax.literals import format_duration


def _offers(model: Model, service) -> list:
    tiers = []
    for node in service.decl.body:
        if isinstance(node, ast.Offers):
            for ref in node.tiers:
                tier = model.scope.lookup(service.file, ref, "tier", report=False)
                if tier is not None:
                    tiers.append(tier)
    return tiers


def check_contracts(model: Model) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    by_pair: dict = {}
    for c in model.contracts:
        node = c.node
        if node.end is not None and node.end.value < node.start.value:
            out.append(error("SLA803", f"contract ends ({node.end.text}) before it starts ({node.start.text})",
                             node.end.span, "contract dates are inclusive: `from 2025-01-01 to 2025-12-31`"))
        if c.service is not None and c.tier is not None:
            offered = _offers(model, c.service)
            if c.tier not in offered:
                names = [t.name for t in offered]
                out.append(error("SLA801", f'service "{c.service.name}" does not offer tier "{c.tier.name}"',
                                 node.tier.span, did_you_mean(c.tier.name, names) or
                                 (f"it offers: {', '.join(names)}" if names else "it offers no tiers")))
            by_pair.setdefault((c.customer.id, c.service.id), []).append(c)
    for contracts in by_pair.values():
        ordered = sorted(contracts, key=lambda c: c.node.start.value)
        for i, a in enumerate(ordered):
            a_end = a.node.end.value if a.node.end else dt.date.max
            for b in ordered[i + 1:]:
                if b.node.start.value <= a_end:
                    out.append(error("SLA802", f'contracts of "{a.customer.name}" for "{a.service.name}" overlap '
                                     f"from {b.node.start.text}", b.node.span,
                                     "end the earlier contract the day before the next one starts",
                                     [("the other contract", a.node.span)]))
    return out


def _published(model: Model, service):
    """(label, terms) for every published promise on a service: its tiers and its contracts."""
    for tier in _offers(model, service):
        yield f'tier "{tier.name}"', model.tiers.get(tier.id, {})
    for c in model.contracts:
        if c.service is service:
            yield f'the contract of "{c.customer.name}"', c.terms


def check_olas(model: Model) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for ola in model.scope.of_kind("ola"):
        stmts = model.olas.get(ola.id, {})
        services = [model.scope.lookup(ola.file, r, "service", report=False)
                    for n in ola.decl.body if isinstance(n, ast.Underpins) for r in n.services]
        for service in filter(None, services):
            for label, terms in _published(model, service):
                for key, stmt in stmts.items():
                    published = terms.get(key)
                    if published is None:
                        continue
                    node, pub = stmt.node, published.node
                    if (isinstance(node, ast.Target) and node.goal.valid and pub.goal.valid
                            and node.goal.seconds >= pub.goal.seconds):
                        out.append(error(
                            "SLA901", f'ola "{ola.name}": {node.metric} {key[1]} {"every" if node.metric == "update" else "within"} {node.goal.text} is not '
                            f'strictly inside {label} of "{service.name}" ({format_duration(pub.goal.seconds)})',
                            node.goal.span, "an underpinning target must be shorter than every published one",
                            [("published here", pub.span)]))
                    elif isinstance(node, ast.Availability) and node.target.value <= pub.target.value:
                        out.append(error(
                            "SLA901", f'ola "{ola.name}": availability {node.target.text} is not strictly '
                            f'inside {label} of "{service.name}" ({pub.target.text})', node.target.span,
                            "an underpinning availability must be higher than every published one",
                            [("published here", pub.span)]))
    return out
