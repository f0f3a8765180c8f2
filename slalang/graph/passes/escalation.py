"""Graph stage, pass `escalation`: steps in order, percentages in (0, 100] (unknown contacts: SLA603 at linking)."""

from __future__ import annotations

from decimal import Decimal

from slalang.diagnostics import Diagnostic, error, warning
from slalang.graph.model import Model
from slalang.syntax import ast


def _position(step: ast.Step) -> tuple:
    # Where a step fires on the clock: a share of the goal, then the breach, then after it.
    if step.percent is not None:
        return (0, step.percent.value)
    return (1, step.after.seconds if step.after else 0)


def check_escalations(model: Model) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for ent in model.scope.of_kind("escalation"):
        steps = [n for n in ent.decl.body if isinstance(n, ast.Step)]
        repeats = [n for n in ent.decl.body if isinstance(n, ast.Repeat)]
        for step in steps:
            if step.percent is not None and not (0 < step.percent.value <= Decimal(100)):
                out.append(error("SLA602", f"escalation step at {step.percent.text} is outside (0%, 100%]",
                                 step.percent.span, "use `at breach` for the goal itself and `at breach + D` after it"))
        for before, after in zip(steps, steps[1:]):
            if any(s.after is not None and not s.after.valid for s in (before, after)):
                continue  # a bad duration was reported already; its order means nothing
            if _position(after) <= _position(before):
                out.append(error("SLA601", f'escalation "{ent.name}": steps out of order', after.span,
                                 "list steps in the order they fire: percentages ascending, then `at breach`, "
                                 "then `at breach + D` ascending", [("comes after this step", before.span)]))
        for extra in repeats[1:]:
            out.append(error("SLA207", "repeat is stated twice in one escalation", extra.span))
        if repeats and not steps:
            out.append(warning("SLA604", f'escalation "{ent.name}" repeats but has no steps', repeats[0].span))
        if not steps and not repeats:
            out.append(warning("SLA604", f'escalation "{ent.name}" has no steps', ent.span))
    return out
