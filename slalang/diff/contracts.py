"""Diff stage: customers and their contracts. A contract's terms are compared as the customer gets
them (tier plus overrides); a change inside a tier is reported once, on the tier, not again on
every contract that uses it."""

from __future__ import annotations

from typing import Iterator, Optional

from slalang.diff.change import ADDED, LOOSER, NEUTRAL, REMOVED, STRICTER, Change
from slalang.diff.context import Context
from slalang.diff.terms import compare_terms
from slalang.runtime.terms import merge_objectives


def _period(c: dict) -> str:
    return f"from {c['from']}" + (f" to {c['to']}" if c["to"] else " (open-ended)")


def _text(c: dict) -> str:
    return f"{c['tier']} {_period(c)}"


def _overlap(a: dict, b: dict) -> bool:
    # instants are all `YYYY-MM-DDTHH:MM:SSZ`, so text order is time order
    return a["start"] < (b["end"] or "~") and b["start"] < (a["end"] or "~")


def _match(old: list[dict], new: list[dict]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair contracts for the same service: the same start first, then overlapping periods."""
    old_left, new_left = list(range(len(old))), list(range(len(new)))
    pairs = []
    for alike in (lambda a, b: a["from"] == b["from"], _overlap):
        for i in list(old_left):
            j = next((j for j in new_left if old[i]["service"] == new[j]["service"] and alike(old[i], new[j])), None)
            if j is not None:
                pairs.append((i, j))
                old_left.remove(i)
                new_left.remove(j)
    return sorted(pairs), old_left, new_left


def customer_changes(ctx: Context) -> Iterator[Change]:
    old, new = ctx.old["customers"], ctx.new["customers"]
    for cid in sorted(old.keys() | new.keys()):
        a, b = old.get(cid), new.get(cid)
        if a is None or b is None:
            who = a or b
            contracts = "; ".join(f"{c['service']} {_text(c)}" for c in who["contracts"]) or "no contracts"
            text = f"{who['name'] or cid}: {contracts}"
            yield Change("customer", cid, "customer", None if a is None else text, None if b is None else text,
                         ADDED if a is None else REMOVED)
            continue
        for field in ("name", "description"):
            if a[field] != b[field]:
                yield Change("customer", cid, field, a[field] or "none", b[field] or "none", NEUTRAL, "wording")
        yield from _contracts(cid, a["contracts"], b["contracts"], ctx)


def _label(contract: dict, old: list[dict], new: list[dict]) -> str:
    service = contract["service"]
    several = max(sum(c["service"] == service for c in side) for side in (old, new)) > 1
    return f"contract {service}" + (f" from {contract['from']}" if several else "")


def _contracts(cid: str, old: list[dict], new: list[dict], ctx: Context) -> Iterator[Change]:
    pairs, gone, came = _match(old, new)
    for i, j in pairs:
        yield from _contract(cid, _label(old[i], old, new), old[i], new[j], ctx)
    for i in gone:
        yield Change("customer", cid, _label(old[i], old, new), _text(old[i]), None, REMOVED)
    for j in came:
        yield Change("customer", cid, _label(new[j], old, new), None, _text(new[j]), ADDED)


def _contract(cid: str, label: str, a: dict, b: dict, ctx: Context) -> Iterator[Change]:
    if a["tier"] != b["tier"]:
        yield Change("customer", cid, f"{label}: tier", a["tier"], b["tier"], NEUTRAL,
                     "the changes listed for this contract are what the customer gets from the new tier")
        old_terms = merge_objectives(ctx.old["tiers"][a["tier"]], a["overrides"])
        new_terms = merge_objectives(ctx.new["tiers"][b["tier"]], b["overrides"])
    else:
        # Same tier: only the overrides can differ here; the tier's own changes are on the tier.
        tier = ctx.new["tiers"][b["tier"]]
        old_terms, new_terms = merge_objectives(tier, a["overrides"]), merge_objectives(tier, b["overrides"])
    yield from _dates(cid, label, a, b)
    for finding in compare_terms(old_terms, new_terms, ctx):
        yield finding.place("customer", cid, prefix=label)


def _dates(cid: str, label: str, a: dict, b: dict) -> Iterator[Change]:
    if a["from"] != b["from"]:
        later = b["from"] > a["from"]
        yield Change("customer", cid, f"{label}: start", a["from"], b["from"], LOOSER if later else STRICTER,
                     "the contract starts later" if later else "the contract starts earlier")
    if a["to"] != b["to"]:
        sooner = _end_key(b["to"]) < _end_key(a["to"])
        yield Change("customer", cid, f"{label}: end", a["to"] or "open-ended", b["to"] or "open-ended",
                     LOOSER if sooner else STRICTER,
                     "the contract ends sooner" if sooner else "the contract runs longer")


def _end_key(day: Optional[str]) -> str:
    return day or "9999-99-99"  # open-ended runs for ever
