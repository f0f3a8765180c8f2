"""Docs stage: an escalation chain as numbered steps, a worked example, and a timeline to draw.

The geometry of the HTML timeline is computed here (positions, wrapped lines) so that the SVG
template only places what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Optional

from slalang.docs import wording as w


@dataclass
class Step:
    """One notification of the chain (or its repeats), in words."""

    number: int
    kind: str              # start | before | breach | after | repeat
    when: str              # "At 50% of the target time"
    short: str             # "50% of target", for the diagram
    recipients: list[tuple[str, str]]   # (role, address)
    channels: str
    example: str = ""      # time from opening for the example target


@dataclass
class Node:
    x: float
    kind: str
    label: str
    example: str
    lines: list[str]
    via: list[str]


@dataclass
class Timeline:
    width: int
    height: int
    line_y: int
    x0: float
    x1: float
    band_x: Optional[float]        # where the "after the breach" band starts
    nodes: list[Node] = field(default_factory=list)


@dataclass
class Escalation:
    id: str
    title: str
    steps: list[Step]
    repeat: Optional[str]                # "every 30 minutes, up to 2 more times"
    repeat_to: list[str]                 # the last step's roles, notified again
    example_target: Optional[str]        # "P1 response target of 10 minutes"
    timeline: Optional[Timeline] = None


def _wrap(text: str, width: int = 20) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _offset(seconds: Fraction) -> str:
    return w.span(int(seconds))


def describe(policy, chain_id: str, example: Optional[tuple[str, str, int]]) -> Escalation:
    """Chain `chain_id` in words; `example` is (severity, metric, goal seconds) for worked times."""
    chain = policy.artifact["escalations"][chain_id]
    contacts = policy.artifact["contacts"]
    goal = Fraction(example[2]) if example else None
    steps: list[Step] = []
    for i, step in enumerate(chain["steps"], start=1):
        if step["trigger"] == "percent":
            pct = Fraction(Decimal(step["percent"]))
            when, short = f"At {step['percent']}% of the target time", f"{step['percent']}% of target"
            kind, at = ("breach" if pct == 100 else "before"), (goal * pct / 100 if goal else None)
        elif step["after"]:
            when = f"{w.goal(step['after']).capitalize()} after the breach"
            short = f"Breach + {w.span(step['after'])}"
            kind, at = "after", (goal + step["after"] if goal else None)
        else:
            when, short, kind, at = "When the target is breached", "Breach", "breach", goal
        recipients = [(w.name(c), contacts.get(c, {}).get("address", "")) for c in step["notify"]]
        steps.append(Step(i, kind, when, short, recipients, w.channels(step["channels"]),
                          example=_offset(at) if at is not None else ""))
    repeat = None
    if chain["repeat"] and chain["repeat"]["times"] and steps:
        every, times = chain["repeat"]["every"], chain["repeat"]["times"]
        repeat = f"{w.every(every)}, up to {w.plural(times, 'more time')}"
    example_text = (f"{example[0]} {example[1]} target of {w.goal(example[2])}" if example else None)
    esc = Escalation(chain_id, w.name(chain_id), steps, repeat,
                     [role for role, _ in steps[-1].recipients] if repeat else [], example_text)
    esc.timeline = _timeline(esc, chain)
    return esc


def _timeline(esc: Escalation, chain: dict) -> Optional[Timeline]:
    """Evenly spaced nodes: opened, each step, and the repeats as one last node."""
    if not esc.steps:
        return None
    items = [("start", "Ticket opened", "clock starts", [], [])]
    for s in esc.steps:
        lines = [line for role, _ in s.recipients for line in _wrap(role)]
        via = _wrap(f"via {s.channels}") if s.channels else []
        items.append((s.kind, s.short, f"after {s.example}" if s.example else "", lines, via))
    if esc.repeat:
        every, times = chain["repeat"]["every"], chain["repeat"]["times"]
        last = esc.steps[-1]
        lines = [line for role, _ in last.recipients for line in _wrap(role)]
        via = _wrap(f"via {last.channels}") if last.channels else []
        items.append(("repeat", f"Repeat ×{times}", w.every(every), lines, via))
    width, margin, line_y = 960, 90, 96
    gap = (width - 2 * margin) / max(len(items) - 1, 1)
    nodes = [Node(round(margin + i * gap, 1), kind, label, example, lines, via)
             for i, (kind, label, example, lines, via) in enumerate(items)]
    tallest = max(len(n.lines) + len(n.via) for n in nodes)
    first_late = next((i for i, n in enumerate(nodes) if n.kind in ("breach", "after", "repeat")), None)
    band = None if first_late is None else round(nodes[first_late].x - gap / 2, 1)
    return Timeline(width, line_y + 44 + tallest * 18 + 12, line_y, nodes[0].x, nodes[-1].x, band, nodes)
