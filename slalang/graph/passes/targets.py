"""Graph stage, pass `targets`: internal goals, missing severities, availability range and credit tables."""

from __future__ import annotations

from decimal import Decimal

from slalang.diagnostics import Diagnostic, error, warning
from slalang.graph.model import Model
from slalang.syntax import ast
from slalang.syntax.literals import format_duration

HUNDRED = Decimal(100)


def _declared_bodies(model: Model):
    """Every tier, contract-override and OLA body as written (each statement checked once)."""
    for ent in model.scope.of_kind("tier"):
        yield ent, ent.decl.body
    for c in model.contracts:
        yield c.customer, c.node.overrides
    for ent in model.scope.of_kind("ola"):
        yield ent, ent.decl.body


def check_targets(model: Model) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for owner, body in _declared_bodies(model):
        for node in body:
            if isinstance(node, ast.Target) and node.internal is not None:
                if node.internal.valid and node.goal.valid and node.internal.seconds >= node.goal.seconds:
                    out.append(error("SLA501", f"internal goal {node.internal.text} is not stricter than the "
                                     f"published {node.goal.text}", node.internal.span,
                                     f"an internal goal must be shorter than {format_duration(node.goal.seconds)}"))
            elif isinstance(node, ast.PercentileTarget):
                if not (0 < node.share.value <= HUNDRED):
                    out.append(error("SLA503", f"share {node.share.text} is outside (0%, 100%]", node.share.span))
            elif isinstance(node, ast.Availability):
                out.extend(_availability(node))
            elif isinstance(node, ast.Credits):
                out.extend(_credits(node))
    for ent in model.scope.of_kind("tier"):
        terms = model.tiers[ent.id]
        out.extend(_missing_severities(model, ent, terms))
        out.extend(_credits_against_target(terms, f'tier "{ent.name}"'))
    for c in model.contracts:
        if any(isinstance(s.node, (ast.Credits, ast.Availability)) for s in c.overrides):
            out.extend(_credits_against_target(c.terms, f'contract of "{c.customer.name}"'))
    return out


def _availability(node: ast.Availability) -> list[Diagnostic]:
    out = []
    if not (0 < node.target.value <= HUNDRED):
        out.append(error("SLA503", f"availability {node.target.text} is outside (0%, 100%]", node.target.span))
    if node.internal is not None:
        if not (0 < node.internal.value <= HUNDRED):
            out.append(error("SLA503", f"availability {node.internal.text} is outside (0%, 100%]", node.internal.span))
        elif node.internal.value <= node.target.value:
            out.append(error("SLA501", f"internal availability {node.internal.text} is not stricter than the "
                             f"published {node.target.text}", node.internal.span,
                             f"an internal availability goal must be above {node.target.text}"))
    return out


def _credits(node: ast.Credits) -> list[Diagnostic]:
    out = []
    rows = [n for n in node.body if isinstance(n, ast.CreditRow)]
    caps = [n for n in node.body if isinstance(n, ast.Cap)]
    for row in rows:
        if not (0 < row.credit.value <= HUNDRED):
            out.append(error("SLA505", f"credit {row.credit.text} is outside (0%, 100%]", row.credit.span))
        if not (0 < row.threshold.value <= HUNDRED):
            out.append(error("SLA503", f"threshold {row.threshold.text} is outside (0%, 100%]", row.threshold.span))
    for cap in caps[1:]:
        out.append(error("SLA207", "cap is stated twice in one credits block", cap.span))
    for cap in caps[:1]:
        if not (0 < cap.value.value <= HUNDRED):
            out.append(error("SLA505", f"cap {cap.value.text} is outside (0%, 100%]", cap.value.span))
    # Worse availability must never earn a smaller credit.
    ordered = sorted(rows, key=lambda r: (-r.threshold.value, r.inclusive))
    for higher, lower in zip(ordered, ordered[1:]):
        if (higher.threshold.value, higher.inclusive) == (lower.threshold.value, lower.inclusive):
            out.append(error("SLA504", f"two credit rows for {lower.threshold.text}", lower.span,
                             "keep one row per threshold", [("the other row", higher.span)]))
        elif lower.credit.value <= higher.credit.value:
            out.append(error("SLA504", f"credits are not monotonic: below {lower.threshold.text} pays "
                             f"{lower.credit.text}, no more than {higher.credit.text} below {higher.threshold.text}",
                             lower.credit.span, "a lower availability must pay a larger credit",
                             [("the higher threshold", higher.span)]))
    return out


def _credits_against_target(terms: dict, where: str) -> list[Diagnostic]:
    credits, avail = terms.get(("Credits",)), terms.get(("Availability",))
    if credits is None:
        return []
    if avail is None:
        return [warning("SLA507", f"{where} has credits but no availability target", credits.node.span,
                        "add `availability N% monthly` so credits have something to measure")]
    target = avail.node.target.value
    out = []
    for row in credits.node.body:
        if isinstance(row, ast.CreditRow) and row.threshold.value > target:
            out.append(error("SLA506", f"credit threshold {row.threshold.text} is above the availability "
                             f"target {avail.node.target.text} of {where}", row.threshold.span,
                             "a credit would be owed while the target is met; lower the threshold",
                             [("the target", avail.node.target.span)]))
    return out


def _missing_severities(model: Model, ent, terms: dict) -> list[Diagnostic]:
    """SLA502 for the policy's own scale: severities declared in a root file with no target here.

    An imported scale (std/severities holds two) may be covered in part on purpose, so only
    the severities a policy declares itself are held to full coverage.
    """
    used = set()
    for key, stmt in terms.items():
        if stmt.severity is not None:
            used.add(stmt.severity)
        used.update(stmt.severities)
    scale_files = {s.file.key for s in used if s.file.is_root}
    covered = {s.id for s in used}
    out = []
    for key in sorted(scale_files):
        for name, sev in model.scope.by_file[key]["severity"].items():
            if sev.id not in covered:
                out.append(warning("SLA502", f'tier "{ent.name}" has no target for severity {sev.id}',
                                   ent.span, f"add e.g. `response {sev.id} within 8h`"))
    return out
