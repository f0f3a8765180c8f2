"""Graph stage, pass `windows`: timezones, holiday regions, empty windows, overlaps, and d/w on working time."""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

from slalang.diagnostics import Diagnostic, Span, did_you_mean, error, warning
from slalang.graph.model import Model
from slalang.ir.holidays import check_region, coverage_note
from slalang.resolve.scope import ALWAYS
from slalang.syntax import ast
from slalang.syntax.literals import format_duration

WEEK = 7 * 86400


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    import zoneinfo
    return frozenset(zoneinfo.available_timezones())


def timezone_problem(name: str, span: Span) -> Optional[Diagnostic]:
    """SLA401 for a zone the tz database does not know, with the nearest name as help."""
    if name in _zones():
        return None
    lowered = {z.lower(): z for z in _zones()}
    guess = lowered.get(name.lower()) or lowered.get(name.lower().replace(" ", "_"))
    help_ = f'did you mean "{guess}"?' if guess else did_you_mean(name, _zones())
    return error("SLA401", f'unknown timezone "{name}"', span,
                 help_ or 'use an IANA zone name such as "Europe/London" or "UTC"')


def _durations_beyond_the_horizon(model: Model) -> list[Diagnostic]:
    """SLA413 for a goal, notice, repeat or any other duration longer than the whole horizon (it
    could never be reached, and its arithmetic would overflow at run time); SLA414 for a date or
    datetime outside the horizon (in a window, contract, exclusion or test: year 0001 or 9999
    crashed the compiler); SLA605 for repeats that would run past the horizon."""
    import dataclasses

    first, last = model.policy.horizon
    if first > last:
        return []
    limit = (last - first + 1) * 366 * 86_400
    out: list[Diagnostic] = []

    def walk(node) -> None:
        if isinstance(node, (ast.Date, ast.DateTime)):
            placeholder = node.text[:4] != f"{node.value.year:04d}"   # a bad literal, reported as SLA007
            if not placeholder and not first <= node.value.year <= last:
                out.append(error("SLA414", f"{node.text} is outside the policy horizon {first}..{last}", node.span,
                                 "slalang has no calendar data there; move the date or widen `horizon`"))
            return
        if isinstance(node, ast.Duration):
            if node.valid and node.seconds > limit:
                out.append(error("SLA413", f"{node.text} is longer than the policy horizon {first}..{last}",
                                 node.span, "no clock can reach it; shorten it or widen `horizon`"))
            return
        if isinstance(node, ast.Repeat) and node.every.valid and node.every.seconds * node.times > limit:
            out.append(warning("SLA605", f"repeat every {node.every.text} up to {node.times} times runs past the "
                                         f"policy horizon {first}..{last}: the later repeats never fire",
                               node.span, "repeat fewer times"))
        if dataclasses.is_dataclass(node):
            for f in dataclasses.fields(node):
                walk(getattr(node, f.name))
        elif isinstance(node, tuple):
            for item in node:
                walk(item)

    for sf in model.sources.files.values():
        if sf.module is not None:
            walk(sf.module.items)
    return out


def check_windows(model: Model) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    policy = model.policy
    first, last = policy.horizon
    if first > last or first < 1900 or last > 2200:
        out.append(error("SLA409", f"horizon {first}..{last} is not a range of years between 1900 and 2200",
                         policy.horizon_span, "write e.g. horizon 2020..2040"))
    out.extend(_durations_beyond_the_horizon(model))
    # every timezone a header names, root or imported: a header may name it more than once,
    # and any of them can be the one a file's naive datetimes are read in
    for sf in model.sources.files.values():
        header = sf.module.header if sf.module else None
        if header is not None:
            for node in header.body:
                if isinstance(node, ast.Field) and node.key == "timezone":
                    out.extend(filter(None, [timezone_problem(node.value.value, node.value.span)]))
    for test, sf in model.scope.tests:
        test_tz = None
        for node in test.body:
            if isinstance(node, ast.Field) and node.key == "timezone":
                test_tz = node.value.value
                out.extend(filter(None, [timezone_problem(node.value.value, node.value.span)]))
        if test_tz is None and model.file_timezone(sf) is None:
            out.extend(_naive_without_zone(_test_datetimes(test), "test"))
    if policy.timezone is None:
        for c in model.contracts:
            out.append(error("SLA411", "contract dates need a timezone to say when a day starts", c.node.start.span,
                             'add `timezone "Area/City"` to the policy header'))
    # Imported windows are checked only when this policy uses them: an unused stdlib window is
    # not the policy author's concern.
    used = {ref.target.node for ref in model.scope.references}
    for ent in model.scope.of_kind("window"):
        if ent.file.is_root or ent.node in used:
            out.extend(_check_window(model, ent))
    out.extend(_check_day_units(model))
    return out


def _check_window(model: Model, ent) -> list[Diagnostic]:
    out = []
    parts = model.windows.get(ent.id, [])
    tz_parts = [p for p in parts if isinstance(p.node, ast.Field)]
    for node in ent.decl.body:
        if isinstance(node, ast.Field) and node.key == "timezone":
            out.extend(filter(None, [timezone_problem(node.value.value, node.value.span)]))
        elif isinstance(node, ast.ExceptHolidays):
            problem = check_region(node.region.value)
            if problem:
                out.append(error("SLA402", problem[0], node.region.span, problem[1]))
            elif (note := coverage_note(node.region.value, model.policy.horizon)) is not None:
                first, last = model.policy.horizon
                out.append(warning("SLA410", f'holidays "{node.region.value}" do not cover the whole horizon '
                                   f"{first}..{last}: {note.rstrip('.')}", node.region.span,
                                   "days outside what the holidays package knows are treated as working days; "
                                   "narrow the horizon in the policy header"))
        elif isinstance(node, (ast.Dated, ast.ExceptDates)):
            out.extend(_check_dated(node))
        elif isinstance(node, ast.Weekly):
            for r in node.ranges:
                first, _, last = r.text.partition("-")
                if first == last:
                    out.append(warning("SLA412", f"{r.text} ends where it starts, so it lasts 24 hours", r.span,
                                       "write 00:00-24:00 for whole days, or correct the end time"))
    local = [p for p in parts if isinstance(p.node, (ast.Weekly, ast.Dated, ast.ExceptDates, ast.ExceptHolidays))]
    if local and not tz_parts and model.file_timezone(ent.file) is None:
        # only local hours and days need a zone: a window made of other windows has theirs
        out.append(error("SLA406", f'window "{ent.name}" has no timezone', ent.span,
                         'add `timezone "Area/City"` to the window or to the policy header'))
    positive = [p for p in parts if isinstance(p.node, (ast.Weekly, ast.Dated, ast.Include))]
    if not positive:
        out.append(error("SLA403", f'window "{ent.name}" has no open time', ent.span,
                         "give it weekly hours (mon-fri 09:00-17:00), dated intervals or include another window"))
    out.extend(_overlaps(ent, parts))
    return out


def _test_datetimes(test: ast.TestDecl):
    for node in test.body:
        if isinstance(node, ast.TicketStmt):
            yield node.opened
            yield from (ev.at for ev in node.events)
        elif isinstance(node, ast.OutageStmt):
            yield from (d for d in (node.start, node.end, node.announced) if d is not None)
        elif isinstance(node, ast.Expect):
            yield from (d for d in (node.at, node.due) if d is not None)


def _naive_without_zone(datetimes, where: str) -> list[Diagnostic]:
    return [error("SLA411", f"datetime {d.text} has no offset and no timezone is in scope", d.span,
                  f'write it with Z or +HH:MM, or add `timezone "Area/City"` to the {where} or the policy header')
            for d in datetimes if d.value.tzinfo is None]


def _check_dated(node) -> list[Diagnostic]:
    start, end = node.start, node.end
    if end is None:
        if isinstance(start, ast.DateTime):
            return [error("SLA407", "a dated interval of datetimes needs an end", start.span,
                          "write START..END, e.g. 2025-06-14T20:00..2025-06-15T02:00")]
        return []
    if type(start) is not type(end):
        return [error("SLA407", "both ends of a dated interval must be dates, or both datetimes", node.span)]
    a, b = start.value, end.value
    if (a.tzinfo is None) != (b.tzinfo is None) if isinstance(start, ast.DateTime) else False:
        return [error("SLA407", "both ends of a dated interval need an offset, or neither", node.span)]
    if (isinstance(start, ast.Date) and b < a) or (isinstance(start, ast.DateTime) and b <= a):
        return [error("SLA408", f"interval ends ({end.text}) before it starts ({start.text})", end.span)]
    return []


def _overlaps(ent, parts) -> list[Diagnostic]:
    ranges = []  # (start, end, node) in seconds of the week, Monday 00:00 = 0
    for p in parts:
        if isinstance(p.node, ast.Weekly):
            for r in p.node.ranges:
                ranges.append((p.day * 86400 + r.start, p.day * 86400 + r.end, p.node))
    pieces = []
    for start, end, node in ranges:  # an overnight Sunday range wraps into Monday
        if end > WEEK:
            pieces += [(start, WEEK, node), (0, end - WEEK, node)]
        else:
            pieces.append((start, end, node))
    pieces.sort(key=lambda x: (x[0], x[1]))
    out, reported = [], set()
    for i, (s1, e1, n1) in enumerate(pieces):
        for s2, e2, n2 in pieces[i + 1:]:
            if s2 >= e1:
                break
            key = (n1.span, n2.span)
            if key in reported:
                continue
            reported.add(key)
            first, second = sorted([n1, n2], key=lambda n: (n.span.line, n.span.column))
            out.append(warning("SLA404", f'overlapping hours in window "{ent.name}"', second.span,
                               "the overlap counts once; merge the ranges to say what you mean",
                               [("overlaps this range", first.span)] if first is not second else []))
    return out


def _check_day_units(model: Model) -> list[Diagnostic]:
    """`1d` of a working-hours window is 24 open hours (three working days): say so."""
    out, seen = [], set()
    owners = list(model.tiers.values()) + list(model.olas.values()) + [c.terms for c in model.contracts]
    for terms in owners:
        support = terms.get(("Support",))
        support_name = support.node.window.text if support else ALWAYS
        for stmt in terms.values():
            node = stmt.node
            if not isinstance(node, (ast.Target, ast.PercentileTarget)) or node.span in seen:
                continue
            window = node.during.text if node.during else support_name
            if window == ALWAYS or not any(u in node.goal.text for u in "dw"):
                continue
            seen.add(node.span)
            hours, rest = divmod(node.goal.seconds, 3600)
            # `1d30m` is 24h30m, not 24h: keep the remainder rather than drop it.
            in_hours = f"{hours}h{format_duration(rest) if rest else ''}"
            amount = f"{hours} open hours" if not rest else f"{in_hours} of open time"
            out.append(warning("SLA405", f'"{node.goal.text}" of {window} is {amount}, not calendar days',
                               node.goal.span, f"write the goal in hours ({in_hours}) to make that explicit, "
                               "or add `during always` for calendar time"))
    return out
