"""Graph stage, pass `sources`: each ticket source (SPEC §12) names a known format, a known zone, an
`instants` format that reads what it writes, known fields, and maps each raw value once.

Unknown severity and status targets are found while linking (SLA203, with "did you mean").
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Optional

from slalang.diagnostics import Diagnostic, did_you_mean, error
from slalang.graph.model import Model
from slalang.graph.passes.windows import timezone_problem
from slalang.syntax import ast

FORMATS = ("tickets", "events", "jira", "zendesk", "servicenow")
# the fields a `column` statement may place (`ticket` and `id` both name the ticket's id)
FIELDS = ("ticket", "id", "at", "status", "severity", "type", "opened", "customer", "service", "tier", "events")
# the strptime directives Python documents; anything else after a % is a typo
_DIRECTIVES = set("aAwdbBmyYHIpMSfzZjUWcxXGuV%")
_DIRECTIVE = re.compile(r"%(.)")
# an instant every format must be able to write and read back (a day > 12, an hour > 12, seconds)
_PROBE = datetime(2024, 11, 23, 17, 45, 0)


def instants_problem(fmt: str) -> Optional[str]:
    """Why `fmt` cannot read instants (None when it can): an unknown directive, or a format that
    does not read back what it writes (no year, no day, ...)."""
    unknown = sorted({d for d in _DIRECTIVE.findall(fmt) if d not in _DIRECTIVES})
    if unknown:
        return f'"%{unknown[0]}" is not a strptime directive'
    if fmt.count("%") == 0:
        return "it has no strptime directive at all"
    try:
        text = _PROBE.strftime(fmt)
        back = datetime.strptime(text, fmt)
    except ValueError as exc:
        return f"it cannot read what it writes ({exc})"
    if (back.year, back.month, back.day) != (_PROBE.year, _PROBE.month, _PROBE.day):
        return "it does not give a whole date (year, month and day)"
    return None


def check_sources(model: Model) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for ent in model.scope.of_kind("source"):
        decl: ast.SourceDecl = ent.decl
        seen: dict[str, ast.Node] = {}
        raws: dict[tuple[str, str], ast.Str] = {}
        for node in decl.body:
            key = _statement_key(node)
            if key is not None:
                if key in seen:
                    out.append(error("SLA207", f'"{key}" is stated twice in source "{ent.name}"', node.span,
                                     "keep one such statement per source", [("first stated here", seen[key].span)]))
                    continue
                seen[key] = node
            if isinstance(node, ast.SourceFormat) and node.format.value not in FORMATS:
                out.append(error("SLA951", f'unknown source format "{node.format.value}"', node.format.span,
                                 did_you_mean(node.format.value, FORMATS) or f"formats: {', '.join(FORMATS)}"))
            elif isinstance(node, ast.Field) and node.key == "timezone":
                found = timezone_problem(node.value.value, node.value.span)
                if found is not None:
                    out.append(found)
            elif isinstance(node, ast.Instants):
                why = instants_problem(node.format.value)
                if why is not None:
                    out.append(error("SLA953", f"bad instants format {node.format.raw}: {why}", node.format.span,
                                     'write a strptime format such as "%d/%m/%Y %H:%M"'))
            elif isinstance(node, ast.Column) and node.field.value not in FIELDS:
                out.append(error("SLA954", f'unknown field "{node.field.value}" in a column statement',
                                 node.field.span,
                                 did_you_mean(node.field.value, FIELDS) or f"fields: {', '.join(FIELDS)}"))
            elif isinstance(node, ast.SourceMapping):
                for raw in node.raws:
                    first = raws.get((node.kind, raw.value))
                    if first is not None:
                        out.append(error("SLA952", f'{node.kind} {raw.raw} is mapped twice in source "{ent.name}"',
                                         raw.span, "map each raw value to one name",
                                         [("first mapped here", first.span)]))
                    else:
                        raws[(node.kind, raw.value)] = raw
        if "format" not in seen:
            out.append(error("SLA951", f'source "{ent.name}" has no format', ent.span,
                             f"add `format NAME`, one of {', '.join(FORMATS)}"))
    return out


def _statement_key(node: ast.Node) -> Optional[str]:
    """What a statement states once per source (None for mappings, which are checked per value)."""
    if isinstance(node, ast.SourceFormat):
        return "format"
    if isinstance(node, ast.Field):
        return node.key
    if isinstance(node, ast.Instants):
        return "instants"
    if isinstance(node, ast.Column):   # `ticket` and `id` name one field
        return f"column {'ticket' if node.field.value == 'id' else node.field.value}"
    return None
