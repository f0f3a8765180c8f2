"""Diff stage: the declarations other than windows and customers — policy header, severities,
exclusion categories, contacts, escalation chains, tiers, services and OLAs."""

from __future__ import annotations

from typing import Iterator, Sequence

from slalang.diff.change import ADDED, BREAKING, NEUTRAL, REMOVED, Change, few, listing
from slalang.diff.context import Context, Finding, internalised, judge_by_uses
from slalang.diff.escalations import compare_chains, step_text
from slalang.diff.terms import compare_terms
from slalang.diff.uses import Use


def _presence(kind: str, ident: str, old, new, *, old_text: str = "", new_text: str = "",
              breaking_because: Sequence[str] = (), internal: bool = False) -> Change:
    """An entity that exists on one side only: added, removed, or breaking when something used it."""
    if old is None:
        return Change(kind, ident, kind, None, new_text or ident, ADDED, "", internal)
    if breaking_because:
        return Change(kind, ident, kind, old_text or ident, None, BREAKING, f"used by {few(breaking_because)}",
                      internal)
    return Change(kind, ident, kind, old_text or ident, None, REMOVED, "", internal)


def _wording(kind: str, ident: str, field: str, a: str, b: str, why: str = "wording") -> Iterator[Change]:
    if a != b:
        yield Change(kind, ident, field, a or "none", b or "none", NEUTRAL, why)


def policy_changes(ctx: Context) -> Iterator[Change]:
    a, b = ctx.old["policy"], ctx.new["policy"]
    for field in ("name", "version", "owner", "description"):
        yield from _wording("policy", "policy", field, a[field], b[field])
    yield from _wording("policy", "policy", "timezone", a["timezone"], b["timezone"],
                        "contract dates and reporting periods are read in this zone")
    yield from _wording("policy", "policy", "horizon", "–".join(map(str, a["horizon"])),
                        "–".join(map(str, b["horizon"])), "the years the policy can evaluate")


def severity_changes(ctx: Context) -> Iterator[Change]:
    old = {s["name"]: s for s in ctx.old["severities"]}
    new = {s["name"]: s for s in ctx.new["severities"]}
    order = {name: i for i, name in enumerate(list(new) + [n for n in old if n not in new])}
    for name in sorted(old.keys() | new.keys(), key=lambda n: (order[n], n)):
        a, b = old.get(name), new.get(name)
        if a is None or b is None:
            text = (a or b)["description"]
            # Removing a severity that targets name leaves its tickets without terms: breaking.
            yield _presence("severity", name, a, b, old_text=text, new_text=text,
                            breaking_because=ctx.old_severity_uses.get(name, []))
            continue
        yield from _wording("severity", name, "description", a["description"], b["description"])
        if a["rank"] != b["rank"]:
            yield Change("severity", name, "rank", str(a["rank"] + 1), str(b["rank"] + 1), NEUTRAL,
                         "its place in the scale, 1 = most severe")


def simple_changes(ctx: Context, kind: str, section: str, field: str) -> Iterator[Change]:
    """Exclusion categories (description) and contacts (address): added, removed or reworded."""
    old, new = ctx.old[section], ctx.new[section]
    for ident in sorted(old.keys() | new.keys()):
        a, b = old.get(ident), new.get(ident)
        if a is None or b is None:
            yield _presence(kind, ident, a, b, old_text=(a or {}).get(field, ""), new_text=(b or {}).get(field, ""))
        else:
            yield from _wording(kind, ident, field, a[field], b[field])


def escalation_changes(ctx: Context) -> Iterator[Change]:
    old, new = ctx.old["escalations"], ctx.new["escalations"]
    for cid in sorted(old.keys() | new.keys()):
        a, b = old.get(cid), new.get(cid)
        if a is None or b is None:
            steps = "; ".join(step_text(s) for s in (a or b)["steps"])
            yield _presence("escalation", cid, a, b, old_text=steps, new_text=steps)
            continue
        holders = ctx.old_chain_uses.get(cid, []) + ctx.new_chain_uses.get(cid, [])
        uses = sorted({Use(+1, "", h.label, h.internal) for h in holders}, key=lambda u: (u.internal, u.holder))
        for finding in compare_chains(a, b):
            direction = {"stricter": 1, "looser": -1}.get(finding.classification, 0)
            classification, why, internal = judge_by_uses(direction, uses, finding.explanation)
            yield Change("escalation", cid, finding.field, finding.old, finding.new, classification, why, internal)


def tier_changes(ctx: Context) -> Iterator[Change]:
    old, new = ctx.old["tiers"], ctx.new["tiers"]
    for tid in sorted(old.keys() | new.keys()):
        a, b = old.get(tid), new.get(tid)
        if a is None or b is None:
            yield _presence("tier", tid, a, b, old_text=(a or {}).get("description", "") or tid,
                            new_text=(b or {}).get("description", "") or tid,
                            breaking_because=ctx.old_contracts.get(("tier", tid), []))
            continue
        for finding in compare_terms(a, b, ctx):
            yield finding.place("tier", tid)


def service_changes(ctx: Context) -> Iterator[Change]:
    old, new = ctx.old["services"], ctx.new["services"]
    for sid in sorted(old.keys() | new.keys()):
        a, b = old.get(sid), new.get(sid)
        if a is None or b is None:
            offers = f"offers {listing((a or b)['offers'])}"
            yield _presence("service", sid, a, b, old_text=offers, new_text=offers,
                            breaking_because=ctx.old_contracts.get(("service", sid), []))
            continue
        yield from _wording("service", sid, "description", a["description"], b["description"])
        yield from _wording("service", sid, "owner", a["owner"], b["owner"])
        for tier in sorted(set(b["offers"]) - set(a["offers"])):
            yield Change("service", sid, f"offers {tier}", None, tier, ADDED, "customers can contract this tier")
        for tier in sorted(set(a["offers"]) - set(b["offers"])):
            users = ctx.old_contracts.get(("offer", sid, tier), [])
            if users:
                yield Change("service", sid, f"offers {tier}", tier, None, BREAKING, f"contracted by {few(users)}")
            else:
                yield Change("service", sid, f"offers {tier}", tier, None, REMOVED, "no contract uses it")
        yield from _dependencies(sid, a["depends"], b["depends"])


def _dependencies(sid: str, a: dict, b: dict) -> Iterator[Change]:
    why = "what the service depends on (its availability feasibility is checked by `slalang check`)"
    for dep in sorted(set(b["serial"]) - set(a["serial"])):
        yield Change("service", sid, f"depends on {dep}", None, dep, NEUTRAL, why)
    for dep in sorted(set(a["serial"]) - set(b["serial"])):
        yield Change("service", sid, f"depends on {dep}", dep, None, NEUTRAL, why)
    ga, gb = {frozenset(g) for g in a["any"]}, {frozenset(g) for g in b["any"]}
    for group in sorted(gb - ga, key=sorted):
        yield Change("service", sid, f"depends on any of {listing(group)}", None, listing(group), NEUTRAL, why)
    for group in sorted(ga - gb, key=sorted):
        yield Change("service", sid, f"depends on any of {listing(group)}", listing(group), None, NEUTRAL, why)


def ola_changes(ctx: Context) -> Iterator[Change]:
    """OLAs are internal: every change is `neutral (internal)`, with its direction for the
    consumer team in the explanation."""
    old, new = ctx.old["olas"], ctx.new["olas"]
    for oid in sorted(old.keys() | new.keys()):
        a, b = old.get(oid), new.get(oid)
        if a is None or b is None:
            text = f"{(a or b)['provider']} for {(a or b)['consumer']}"
            yield _presence("ola", oid, a, b, old_text=text, new_text=text, internal=True)
            continue
        party = b["consumer"] or "the consumer team"
        for field in ("provider", "consumer"):
            if a[field] != b[field]:
                yield Finding(field, a[field], b[field], NEUTRAL, "the parties", internal=True).place("ola", oid)
        if set(a["underpins"]) != set(b["underpins"]):
            yield Finding("underpins", listing(a["underpins"]), listing(b["underpins"]), NEUTRAL,
                          "the services it supports", internal=True).place("ola", oid)
        for finding in compare_terms(a, b, ctx):
            yield internalised(finding, party).place("ola", oid)


def source_changes(ctx: Context) -> Iterator[Change]:
    """Ticket sources (SPEC §12): how a ticket system's export reads as tickets. A source changes
    what the data says, not what is owed, so every change is neutral and says what moved."""
    old, new = ctx.old.get("ticket_sources", {}), ctx.new.get("ticket_sources", {})
    for sid in sorted(old.keys() | new.keys()):
        a, b = old.get(sid), new.get(sid)
        if a is None or b is None:
            yield _presence("source", sid, a, b, old_text=f"format {(a or b)['format']}",
                            new_text=f"format {(a or b)['format']}")
            continue
        why = "how the export reads as tickets"
        for field in ("format", "timezone", "instants"):
            yield from _wording("source", sid, field, a[field] or "", b[field] or "", why)
        for name in sorted(a["columns"].keys() | b["columns"].keys()):
            yield from _wording("source", sid, f"column {name}", a["columns"].get(name, ""),
                                b["columns"].get(name, ""), why)
        for raw in sorted(a["severities"].keys() | b["severities"].keys()):
            yield from _wording("source", sid, f'severity "{raw}"', a["severities"].get(raw, ""),
                                b["severities"].get(raw, ""), why)

        def status_text(entry) -> str:
            return "" if entry is None else entry["status"] + (" responds" if entry["responds"] else "")

        for raw in sorted(a["statuses"].keys() | b["statuses"].keys()):
            yield from _wording("source", sid, f'status "{raw}"', status_text(a["statuses"].get(raw)),
                                status_text(b["statuses"].get(raw)), why)
