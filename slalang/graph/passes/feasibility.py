"""Graph stage, pass `feasibility` (warnings): a service cannot promise more than its dependencies allow."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Optional

from slalang.diagnostics import Diagnostic, error, warning
from slalang.graph.model import Model
from slalang.syntax import ast


def _best_target(model: Model, service) -> Optional[Fraction]:
    """The highest availability any tier the service offers promises, as a fraction of 1."""
    best = None
    for node in service.decl.body:
        if isinstance(node, ast.Offers):
            for ref in node.tiers:
                tier = model.scope.lookup(service.file, ref, "tier", report=False)
                avail = model.tiers.get(tier.id, {}).get(("Availability",)) if tier else None
                if avail is not None:
                    value = Fraction(avail.node.target.value) / 100
                    best = value if best is None or value > best else best
    return best


def _pct(value: Fraction) -> str:
    # Exact and rounded down to the 4 decimals a target may have: the shown bound is the highest
    # target the dependencies allow, never one it rejects (99.997975% shows as 99.9979%, not 99.998%).
    units = math.floor(value * 100 * 10 ** 4)
    return f"{units // 10 ** 4}.{units % 10 ** 4:04d}".rstrip("0").rstrip(".") + "%"


def check_feasibility(model: Model) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    scope = model.scope
    for service in scope.of_kind("service"):
        factors = []  # (availability factor, label)
        for node in service.decl.body:
            if not isinstance(node, ast.DependsOn):
                continue
            if node.kind == "any" and len(node.services) < 2:
                out.append(error("SLA702", "a redundant group (`depends on any of`) needs two services or more",
                                 node.span, f"for one dependency write `depends on {node.services[0].text}`"))
                continue
            deps = [scope.lookup(service.file, r, "service", report=False) for r in node.services]
            values = [(d, _best_target(model, d)) for d in deps if d is not None]
            if node.kind == "serial":
                factors += [(v, f'"{d.name}" ({_pct(v)})') for d, v in values if v is not None]
            elif values and all(v is not None for _, v in values):
                down = Fraction(1)
                for _, v in values:
                    down *= 1 - v
                names = ", ".join(d.name for d, _ in values)
                factors.append((1 - down, f"the redundant group {names} ({_pct(1 - down)})"))
        if not factors:
            continue
        bound = Fraction(1)
        for v, _ in factors:
            bound *= v
        worst = min(factors, key=lambda f: f[0])
        for node in service.decl.body:
            if not isinstance(node, ast.Offers):
                continue
            for ref in node.tiers:
                tier = scope.lookup(service.file, ref, "tier", report=False)
                avail = model.tiers.get(tier.id, {}).get(("Availability",)) if tier else None
                if avail is None:
                    continue
                target = Fraction(avail.node.target.value) / 100
                if target > bound:
                    out.append(warning(
                        "SLA701", f'service "{service.name}" offers tier "{tier.name}" at '
                        f"{avail.node.target.text}, but its dependencies allow at most {_pct(bound)}",
                        ref.span, f"the dependency that costs most is {worst[1]}; raise its target, add "
                        "redundancy, or lower this promise"))
    return out
