"""Diff stage: changes as a pull-request comment (Markdown), for bots (JSON) and for a terminal."""

from __future__ import annotations

import json
from itertools import groupby

from slalang.diff.change import BREAKING, CLASSIFICATIONS, LOOSER, Change, ordered, summary

_EMPTY = "—"


def summary_line(changes: list[Change], *, bold: bool = True) -> str:
    """`**1 breaking**, **3 looser**, 1 stricter, 2 neutral across 4 entities`."""
    counts = summary(changes)
    if not counts["changes"]:
        return "No semantic changes."
    parts = []
    for name in CLASSIFICATIONS:
        if counts[name]:
            part = f"{counts[name]} {name}"
            parts.append(f"**{part}**" if bold and name in (BREAKING, LOOSER) else part)
    n = counts["entities"]
    return f"{', '.join(parts)} across {n} {'entity' if n == 1 else 'entities'}"


def _cell(text) -> str:
    if text is None or text == "":
        return _EMPTY
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _verdict(change: Change) -> str:
    label = f"**{change.label}**" if change.classification in (BREAKING, LOOSER) else change.label
    return f"{label} — {_cell(change.explanation)}" if change.explanation else label


def _heading(change: Change) -> str:
    return "policy" if change.kind == "policy" else f"{change.kind} `{change.entity}`"


def to_markdown(changes: list[Change]) -> str:
    """Summary line; the loosened promises (breaking first); then a table per entity."""
    changes = ordered(changes)
    out = [summary_line(changes)]
    worse = [c for c in changes if c.classification == BREAKING] + [c for c in changes if c.classification == LOOSER]
    if worse:
        out += ["", "### Loosened promises", "", "| entity | change | old | new | classification |",
                "|---|---|---|---|---|"]
        out += [f"| {_heading(c)} | {_cell(c.field)} | {_cell(c.old)} | {_cell(c.new)} | {_verdict(c)} |" for c in worse]
    for _, group in groupby(changes, key=lambda c: (c.kind, c.entity)):
        group = list(group)
        out += ["", f"### {_heading(group[0])}", "", "| change | old | new | classification |", "|---|---|---|---|"]
        out += [f"| {_cell(c.field)} | {_cell(c.old)} | {_cell(c.new)} | {_verdict(c)} |" for c in group]
    return "\n".join(out) + "\n"


def to_json(changes: list[Change]) -> str:
    """`{"summary": {counts...}, "changes": [...]}`, keys sorted, stable."""
    changes = ordered(changes)
    payload = {"summary": summary(changes), "changes": [c.to_json() for c in changes]}
    return json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def to_text(changes: list[Change]) -> str:
    """One line per change: `looser     tier gold: response P1: 15m -> 1h (1h45m longer)`."""
    changes = ordered(changes)
    width = max((len(c.label) for c in changes), default=0)
    lines = []
    for c in changes:
        where = "policy" if c.kind == "policy" else f"{c.kind} {c.entity}"
        why = f" ({c.explanation})" if c.explanation else ""
        lines.append(f"{c.label:<{width}}  {where}: {c.field}: {c.old or '-'} -> {c.new or '-'}{why}")
    lines.append(summary_line(changes, bold=False))
    return "\n".join(lines) + "\n"


RENDERERS = {"md": to_markdown, "json": to_json, "text": to_text}
