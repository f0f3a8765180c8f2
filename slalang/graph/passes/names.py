"""Graph stage, pass `names`: unused declarations and imports (undefined and duplicate names are found while linking)."""

from __future__ import annotations

from slalang.diagnostics import Diagnostic, warning
from slalang.graph.model import Model

# Kinds that are used by being referenced. Services, customers, OLAs and severities are
# entry points in their own right (data and contracts name them), so they are never "unused".
_REFERENCED_KINDS = ("window", "exclusion", "contact", "escalation", "tier")


def check_unused(model: Model) -> list[Diagnostic]:
    scope = model.scope
    used = {ref.target.node for ref in scope.references}
    out = []
    for ent in scope.entities.values():
        if ent.kind in _REFERENCED_KINDS and ent.file.is_root and ent.node not in used:
            out.append(warning("SLA210", f'{ent.kind} "{ent.name}" is never used', ent.span,
                               "remove it, or reference it from a tier, service or test"))
    for sf in model.sources.files.values():
        if not sf.is_root:
            continue
        for alias, span in sf.binding_spans.items():
            if (sf.key, alias) not in scope.used_bindings:
                out.append(warning("SLA211", f'import "{alias}" is never used', span,
                                   f"remove the import, or refer to its names as {alias}.NAME"))
    return out
