"""Diff stage: the objectives a tier, an OLA or a contract states, compared from the customer's side.

Stricter is better for the customer: a shorter goal, a higher availability, a larger credit,
more support hours. Internal goals are `neutral (internal)`: customers never see them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator, Optional

from slalang.diff.change import LOOSER, NEUTRAL, STRICTER, direction_class, duration, few, percent, sign
from slalang.diff.context import Context, Finding, aggregate
from slalang.diff.escalations import compare_chains

_METRICS = {"response": 0, "resolution": 1, "update": 2}
_PERIODS = {"daily": 0, "weekly": 1, "monthly": 2, "quarterly": 3, "yearly": 4}
_SEVERITY_CHANGE = {"keep_elapsed": "keep elapsed", "restart": "restart"}


def compare_terms(old: dict, new: dict, ctx: Context) -> list[Finding]:
    """Every difference between two sets of objectives (tier statements, flattened)."""
    out: list[Finding] = []
    for part in (_support, _description, _pause, _severity_change, _targets, _percentiles,
                 _availability, _exclusions, _ignore, _credits, _escalation):
        out.extend(part(old, new, ctx))
    return out


def _support(old: dict, new: dict, ctx: Context) -> Iterator[Finding]:
    ow, nw = old["support"]["window"], new["support"]["window"]
    if ow != nw:
        yield ctx.window_ref_finding("support window", ow, nw, +1)
    o_ch, n_ch = set(old["support"]["channels"]), set(new["support"]["channels"])
    for channel in sorted(n_ch - o_ch):
        yield Finding(f"channel {channel}", None, channel, STRICTER, "a new way to reach support")
    for channel in sorted(o_ch - n_ch):
        yield Finding(f"channel {channel}", channel, None, LOOSER, "no longer a way to reach support")


def _description(old: dict, new: dict, ctx: Context) -> Iterator[Finding]:
    if old["description"] != new["description"]:
        yield Finding("description", old["description"] or "none", new["description"] or "none", NEUTRAL, "wording")


def _pause(old: dict, new: dict, ctx: Context) -> Iterator[Finding]:
    o, n = set(old["pause_when"]), set(new["pause_when"])
    for status in sorted(n - o):
        yield Finding(f"pause when {status}", None, status, LOOSER, "the clocks also stop in this status")
    for status in sorted(o - n):
        yield Finding(f"pause when {status}", status, None, STRICTER, "the clocks no longer stop in this status")


def _severity_change(old: dict, new: dict, ctx: Context) -> Iterator[Finding]:
    o, n = old["on_severity_change"], new["on_severity_change"]
    if o != n:
        # An upgraded ticket is the case that matters to a customer: with `restart` the new,
        # shorter goal counts from the change instead of from when the ticket was opened.
        looser = n == "restart"
        why = ("a raised severity's goal now counts from the change" if looser
               else "a raised severity's goal now counts from when the ticket opened")
        yield Finding("on severity change", _SEVERITY_CHANGE[o], _SEVERITY_CHANGE[n],
                      LOOSER if looser else STRICTER, why)


def _goal_text(metric: str, goal: int) -> str:
    return f"every {duration(goal)}" if metric == "update" else duration(goal)


def _clock_window(item: dict, terms: dict) -> str:
    return item["window"] or terms["support"]["window"]


def _window_finding(field: str, o: dict, n: dict, old: dict, new: dict, ctx: Context) -> Iterator[Finding]:
    """A clock moved to another window (`during W`, or back to the support window)."""
    if o["window"] == n["window"]:
        return
    ow, nw = _clock_window(o, old), _clock_window(n, new)
    o_text = ctx.ref_text("old", ow) if o["window"] else f"support window: {ctx.ref_text('old', ow)}"
    n_text = ctx.ref_text("new", nw) if n["window"] else f"support window: {ctx.ref_text('new', nw)}"
    if ow == nw:
        why = "now follows the support window" if n["window"] is None else f"now counted in {nw} by name"
        yield Finding(f"{field} window", o_text, n_text, NEUTRAL, why)
    else:
        yield ctx.window_ref_finding(f"{field} window", ow, nw, +1, o_text, n_text)


def _targets(old: dict, new: dict, ctx: Context) -> Iterator[Finding]:
    o = {(t["metric"], t["severity"]): t for t in old["targets"]}
    n = {(t["metric"], t["severity"]): t for t in new["targets"]}
    rank = ctx.severity_rank
    for key in sorted(o.keys() | n.keys(), key=lambda k: (_METRICS[k[0]], rank.get(k[1], 99), k[1])):
        field = f"{key[0]} {key[1]}"
        a, b = o.get(key), n.get(key)
        if a is None:
            yield Finding(field, None, _goal_text(key[0], b["goal"]), STRICTER, "a new promise")
            continue
        if b is None:
            yield Finding(field, _goal_text(key[0], a["goal"]), None, LOOSER, "no longer promised")
            continue
        if a["goal"] != b["goal"]:
            diff = b["goal"] - a["goal"]
            yield Finding(field, _goal_text(key[0], a["goal"]), _goal_text(key[0], b["goal"]),
                          direction_class(-diff), f"{duration(abs(diff))} {'longer' if diff > 0 else 'shorter'}")
        if a["internal"] != b["internal"]:
            yield Finding(f"{field} internal", duration(a["internal"]), duration(b["internal"]), NEUTRAL,
                          "internal goal; customers do not see it", internal=True)
        yield from _window_finding(field, a, b, old, new, ctx)


def _percentiles(old: dict, new: dict, ctx: Context) -> Iterator[Finding]:
    def key(p: dict) -> tuple:
        return p["metric"], tuple(sorted(p["severities"], key=lambda s: (ctx.severity_rank.get(s, 99), s)))

    def text(p: dict) -> str:
        return f"{percent(p['share'])} within {duration(p['goal'])}"

    o, n = {key(p): p for p in old["percentiles"]}, {key(p): p for p in new["percentiles"]}
    for k in sorted(o.keys() | n.keys(), key=lambda k: (_METRICS[k[0]], k[1])):
        field = f"{k[0]} {', '.join(k[1])} percentile"
        a, b = o.get(k), n.get(k)
        if a is None:
            yield Finding(field, None, text(b), STRICTER, "a new promise")
        elif b is None:
            yield Finding(field, text(a), None, LOOSER, "no longer promised")
        else:
            share = sign(Decimal(b["share"]) - Decimal(a["share"]))
            if share:
                yield Finding(f"{field} share", percent(a["share"]), percent(b["share"]), direction_class(share),
                              "a larger share of tickets must meet the goal" if share > 0
                              else "a smaller share of tickets must meet the goal")
            if a["goal"] != b["goal"]:
                diff = b["goal"] - a["goal"]
                yield Finding(f"{field} goal", duration(a["goal"]), duration(b["goal"]), direction_class(-diff),
                              f"{duration(abs(diff))} {'longer' if diff > 0 else 'shorter'}")
            yield from _window_finding(field, a, b, old, new, ctx)


def _availability(old: dict, new: dict, ctx: Context) -> Iterator[Finding]:
    a, b = old["availability"], new["availability"]
    if a is None and b is None:
        return
    if a is None:
        yield Finding("availability", None, f"{percent(b['target'])} {b['period']}", STRICTER, "a new promise")
        return
    if b is None:
        yield Finding("availability", f"{percent(a['target'])} {a['period']}", None, LOOSER, "no longer promised")
        return
    move = sign(Decimal(b["target"]) - Decimal(a["target"]))
    if move:
        yield Finding("availability", percent(a["target"]), percent(b["target"]), direction_class(move),
                      "less downtime allowed" if move > 0 else "more downtime allowed")
    if a["period"] != b["period"]:
        longer = _PERIODS[b["period"]] > _PERIODS[a["period"]]
        # Over a longer period a bad stretch is averaged with good ones before it counts.
        yield Finding("availability period", a["period"], b["period"], LOOSER if longer else STRICTER,
                      "outages are averaged over a longer period" if longer
                      else "outages are averaged over a shorter period")
    if a["window"] != b["window"]:
        # More measured time: the same percentage is promised over more of the customer's hours.
        yield ctx.window_ref_finding("availability measured during", a["window"], b["window"], +1)
    if a["internal"] != b["internal"]:
        yield Finding("availability internal", percent(a["internal"]), percent(b["internal"]), NEUTRAL,
                      "internal goal; customers do not see it", internal=True)
    if a["including_dependencies"] != b["including_dependencies"]:
        now = b["including_dependencies"]
        yield Finding("availability including dependencies", "no" if now else "yes", "yes" if now else "no",
                      STRICTER if now else LOOSER,
                      "the dependencies' outages now count" if now else "the dependencies' outages no longer count")


def _exclusion_key(e: dict) -> tuple[str, str]:
    # Outages carry a category by its declared name (the tag), wherever it was declared.
    return ("window", e["ref"]) if e["kind"] == "window" else ("category", e["tag"])


def _exclusion_text(e: dict) -> str:
    notice = f" with notice {duration(e['notice'])}" if e["notice"] else ""
    return f"{e['ref']}{notice}"


def _exclusions(old: dict, new: dict, ctx: Context) -> Iterator[Finding]:
    o = {_exclusion_key(e): e for e in old["exclusions"]}
    n = {_exclusion_key(e): e for e in new["exclusions"]}
    gone, came = sorted(o.keys() - n.keys()), sorted(n.keys() - o.keys())
    gone_w, came_w = [k for k in gone if k[0] == "window"], [k for k in came if k[0] == "window"]
    if len(gone_w) == 1 and len(came_w) == 1:
        # One maintenance window replaced by another: judge the time it excludes.
        a, b = o[gone_w[0]], n[came_w[0]]
        yield ctx.window_ref_finding("exclude window", a["ref"], b["ref"], -1)
        yield from _notice("exclude window", a, b)
        gone, came = [k for k in gone if k not in gone_w], [k for k in came if k not in came_w]
    for k in came:
        what = "outage time in this window no longer counts" if k[0] == "window" else "outages of this kind no longer count"
        yield Finding(f"exclude {k[1]}", None, _exclusion_text(n[k]), LOOSER, what)
    for k in gone:
        what = "outage time in this window counts again" if k[0] == "window" else "outages of this kind count again"
        yield Finding(f"exclude {k[1]}", _exclusion_text(o[k]), None, STRICTER, what)
    for k in sorted(o.keys() & n.keys()):
        yield from _notice(f"exclude {k[1]}", o[k], n[k])


def _notice(field: str, a: dict, b: dict) -> Iterator[Finding]:
    ao, bo = a["notice"] or 0, b["notice"] or 0
    if ao != bo:
        yield Finding(f"{field} notice", duration(ao) if ao else "none", duration(bo) if bo else "none",
                      direction_class(bo - ao),
                      "maintenance must be announced earlier to be excluded" if bo > ao
                      else "maintenance announced later is still excluded")


def _ignore(old: dict, new: dict, ctx: Context) -> Iterator[Finding]:
    a, b = old["ignore_under"], new["ignore_under"]
    if a != b:
        yield Finding("ignore outages under", duration(a), duration(b), direction_class(a - b),
                      "longer outages are now ignored" if b > a else "shorter outages now count")


def _row_label(row: tuple) -> str:
    return f"{'at or below' if row[1] else 'below'} {percent(str(row[0]))}"


def _credits(old: dict, new: dict, ctx: Context) -> Iterator[Finding]:
    def rows(credits: Optional[dict]) -> list[tuple]:
        found = [(Decimal(r["threshold"]), r["inclusive"], Decimal(r["credit"])) for r in (credits or {}).get("rows", [])]
        return sorted(found, key=lambda r: (-r[0], r[1]))

    o, n = rows(old["credits"]), rows(new["credits"])
    pairs = []
    for row in list(o):  # the same threshold on both sides is the same row
        match = next((m for m in n if m[0] == row[0]), None)
        if match is not None:
            pairs.append((row, match))
            o.remove(row)
            n.remove(match)
    pairs += list(zip(o, n))  # what is left pairs up in order, best availability first
    for a, b in sorted(pairs, key=lambda p: -p[0][0]):
        field = f"credits {_row_label(a)}"
        if (a[0], a[1]) != (b[0], b[1]):
            higher = (b[0], b[1]) > (a[0], a[1])
            yield Finding(f"{field} threshold", _row_label(a), _row_label(b), STRICTER if higher else LOOSER,
                          "credit is owed sooner" if higher else "credit is owed only at worse availability")
        if a[2] != b[2]:
            yield Finding(field, percent(str(a[2])), percent(str(b[2])), direction_class(b[2] - a[2]),
                          "a larger credit" if b[2] > a[2] else "a smaller credit")
    for a in o[len(n):]:
        yield Finding(f"credits {_row_label(a)}", percent(str(a[2])), None, LOOSER, "no credit at this level")
    for b in n[len(o):]:
        yield Finding(f"credits {_row_label(b)}", None, percent(str(b[2])), STRICTER, "a new credit level")
    cap_a, cap_b = (old["credits"] or {}).get("cap"), (new["credits"] or {}).get("cap")
    if cap_a != cap_b and not (cap_a and cap_b and Decimal(cap_a) == Decimal(cap_b)):
        if cap_b is None:
            classification, why = STRICTER, "credits are no longer capped"
        elif cap_a is None:
            classification, why = LOOSER, "credits are now capped"
        else:
            move = sign(Decimal(cap_b) - Decimal(cap_a))
            classification, why = direction_class(move), "a higher cap" if move > 0 else "a lower cap"
        yield Finding("credits cap", percent(cap_a), percent(cap_b), classification, why)


def _escalation(old: dict, new: dict, ctx: Context) -> Iterator[Finding]:
    a, b = old["escalation"], new["escalation"]
    if a == b:
        return
    if a is None:
        yield Finding("escalation", "none", b, STRICTER, "tickets now escalate")
    elif b is None:
        yield Finding("escalation", a, "none", LOOSER, "tickets no longer escalate")
    else:
        steps = compare_chains(ctx.old["escalations"][a], ctx.new["escalations"][b])
        moved = [f"{f.field} {f.classification}" for f in steps if f.classification in (STRICTER, LOOSER)]
        why = f"steps: {few(moved)}" if moved else "the same steps in effect"
        yield Finding("escalation", a, b, aggregate(steps), why)
