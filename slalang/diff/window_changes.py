"""Diff stage: window declarations compared part by part, each part judged by the open time it
adds or takes away and by the roles the window plays (see `context.judge_by_uses`)."""

from __future__ import annotations

from typing import Iterator

from slalang.diff.change import ADDED, NEUTRAL, REMOVED, Change, few, listing
from slalang.diff.context import Context, judge_by_uses
from slalang.diff.windows import (Delta, date_range_text, holiday_days, interval_text, schedule, week_intervals,
                                  weekly_hours)
from slalang.runtime.errors import ArtifactError

#: (field, artifact keys) — the parts of a window that can change on their own.
PARTS = (
    ("timezone", ("timezone",)),
    ("weekly hours", ("weekly",)),
    ("include", ("include",)),
    ("except", ("except",)),
    ("holidays", ("holidays",)),
    ("closed dates", ("closed_dates",)),
    ("closed intervals", ("closed",)),
    ("dated intervals", ("dated",)),
)


def window_changes(ctx: Context) -> Iterator[Change]:
    """Added, removed and changed windows, in id order."""
    old, new = ctx.old["windows"], ctx.new["windows"]
    for wid in sorted(old.keys() | new.keys()):
        if wid not in new:
            yield Change("window", wid, "window", _summary(old[wid]), None, REMOVED)
        elif wid not in old:
            yield Change("window", wid, "window", None, _summary(new[wid]), ADDED)
        else:
            yield from _changed(wid, old[wid], new[wid], ctx)


def _summary(ir: dict) -> str:
    own = sum(b - a for a, b in week_intervals(ir["weekly"]))
    extra = [f"include {', '.join(ir['include'])}"] if ir["include"] else []
    extra += [f"except {', '.join(ir['except'])}"] if ir["except"] else []
    extra += [f"holidays {listing({h['region'] for h in ir['holidays']})}"] if ir["holidays"] else []
    text = f"{schedule(ir['weekly'])} {ir['timezone']} ({weekly_hours(own)})"
    return "; ".join([text, *extra])


def _value(part: str, ir: dict, ctx: Context):
    """The part in a form where equal means the same instants."""
    if part == "timezone":
        return ir["timezone"]
    if part == "weekly hours":
        return week_intervals(ir["weekly"])
    if part == "holidays":
        days = holiday_days(ir, ctx.frame.years)
        if ctx.frame.years is None:  # no year in common: only the regions can be compared
            return frozenset(days), frozenset()
        return frozenset(days), frozenset((region, d) for region, ds in days.items() for d in ds)
    key = dict(PARTS)[part][0]
    return frozenset(tuple(x) if isinstance(x, list) else x for x in ir[key])


def _texts(part: str, a: dict, b: dict, va, vb) -> tuple[str, str]:
    """The old and new value as a reviewer reads them."""
    if part == "timezone":
        return a["timezone"], b["timezone"]
    if part == "weekly hours":
        return (f"{schedule(a['weekly'])} ({weekly_hours(sum(e - s for s, e in va))})",
                f"{schedule(b['weekly'])} ({weekly_hours(sum(e - s for s, e in vb))})")
    if part in ("include", "except"):
        return listing(va), listing(vb)
    if part == "holidays":
        if va[0] != vb[0]:
            return listing(va[0]), listing(vb[0])
        # the same regions with other days (another `holidays` release): show the days that moved
        return (few(sorted(f"{r} {d}" for r, d in va[1] - vb[1])) or "none",
                few(sorted(f"{r} {d}" for r, d in vb[1] - va[1])) or "none")
    show = date_range_text if part == "closed dates" else interval_text
    return few(sorted(show(x) for x in va - vb)) or "none", few(sorted(show(x) for x in vb - va)) or "none"


def _changed(wid: str, a: dict, b: dict, ctx: Context) -> Iterator[Change]:
    roles = ctx.window_roles(wid)
    base = ctx.old_measure
    for part, keys in PARTS:
        va, vb = _value(part, a, ctx), _value(part, b, ctx)
        if va == vb:
            continue
        old_text, new_text = _texts(part, a, b, va, vb)
        if part == "timezone":
            _, why, internal = judge_by_uses(0, roles, "the same local hours at other instants")
            yield Change("window", wid, part, old_text, new_text, NEUTRAL, why, internal)
            continue
        # Judge this part alone: the old window with only this part taken from the new one.
        alone = base.replaced(wid, {**a, **{k: b[k] for k in keys}})
        try:
            delta = Delta(alone.weekly(wid) - base.weekly(wid), alone.total(wid) - base.total(wid), ctx.frame)
        except ArtifactError:
            # old and new definitions mixed can include each other in a cycle: judge the whole window
            delta = ctx.ref_delta(wid, wid)
        classification, why, internal = judge_by_uses(delta.direction, roles, delta.describe())
        yield Change("window", wid, part, old_text, new_text, classification, why, internal)
