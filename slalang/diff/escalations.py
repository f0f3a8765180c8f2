"""Diff stage: escalation chains step by step. Earlier, more, or more often is stricter; who is
notified and through which channel is the provider's own business (neutral)."""

from __future__ import annotations

from decimal import Decimal
from typing import Callable, Iterator

from slalang.diff.change import LOOSER, NEUTRAL, STRICTER, direction_class, duration, listing, percent
from slalang.diff.context import Finding


def _when(step: dict) -> tuple:
    """Firing order: every `at P%` before `at breach`, then `at breach + D` by D."""
    if step["trigger"] == "percent":
        return (0, Decimal(step["percent"]))
    return (1, Decimal(step["after"]))


def step_label(step: dict) -> str:
    """`at 50%`, `at breach`, `at breach + 30m`."""
    if step["trigger"] == "percent":
        return f"at {percent(step['percent'])}"
    return f"at breach + {duration(step['after'])}" if step["after"] else "at breach"


def step_text(step: dict) -> str:
    via = f" via {', '.join(step['channels'])}" if step["channels"] else ""
    return f"{step_label(step)} notify {', '.join(step['notify'])}{via}"


def _match(old: list[dict], new: list[dict]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair steps: same firing point first, then same recipients, then what is left in order."""
    old_left, new_left = list(range(len(old))), list(range(len(new)))
    pairs: list[tuple[int, int]] = []
    same: list[Callable[[dict, dict], bool]] = [
        lambda a, b: _when(a) == _when(b),
        lambda a, b: set(a["notify"]) == set(b["notify"]),
    ]
    for alike in same:
        for i in list(old_left):
            j = next((j for j in new_left if alike(old[i], new[j])), None)
            if j is not None:
                pairs.append((i, j))
                old_left.remove(i)
                new_left.remove(j)
    positional = list(zip(old_left, new_left))
    pairs += positional
    old_left, new_left = old_left[len(positional):], new_left[len(positional):]
    return sorted(pairs), old_left, new_left


def compare_chains(old: dict, new: dict) -> list[Finding]:
    """Findings between two chains (steps, then repeat)."""
    out = []
    pairs, gone, came = _match(old["steps"], new["steps"])
    for i, j in pairs:
        a, b = old["steps"][i], new["steps"][j]
        field = f"step {step_label(a)}"
        if _when(a) != _when(b):
            earlier = _when(b) < _when(a)
            out.append(Finding(field, step_label(a), step_label(b), STRICTER if earlier else LOOSER,
                               "escalates earlier" if earlier else "escalates later"))
        if set(a["notify"]) != set(b["notify"]):
            out.append(Finding(f"{field} notify", listing(a["notify"]), listing(b["notify"]), NEUTRAL,
                               "who is notified"))
        if set(a["channels"]) != set(b["channels"]):
            out.append(Finding(f"{field} via", listing(a["channels"]), listing(b["channels"]), NEUTRAL,
                               "how they are notified"))
    for i in gone:
        a = old["steps"][i]
        out.append(Finding(f"step {step_label(a)}", step_text(a), None, LOOSER, "one escalation step fewer"))
    for j in came:
        b = new["steps"][j]
        out.append(Finding(f"step {step_label(b)}", None, step_text(b), STRICTER, "an extra escalation step"))
    out.extend(_repeat(old["repeat"], new["repeat"]))
    return out


def _repeat(a, b) -> Iterator[Finding]:
    def text(r) -> str:
        return f"every {duration(r['every'])} up to {r['times']} times" if r else "none"

    if a == b:
        return
    if a is None or b is None:
        yield Finding("repeat", text(a), text(b), STRICTER if a is None else LOOSER,
                      "the last step is repeated" if a is None else "the last step is no longer repeated")
        return
    if a["every"] != b["every"]:
        yield Finding("repeat every", duration(a["every"]), duration(b["every"]),
                      direction_class(a["every"] - b["every"]),
                      "repeats more often" if b["every"] < a["every"] else "repeats less often")
    if a["times"] != b["times"]:
        yield Finding("repeat times", str(a["times"]), str(b["times"]), direction_class(b["times"] - a["times"]),
                      "more repeats" if b["times"] > a["times"] else "fewer repeats")
