"""Diff stage: what refers to what in one artifact — the roles a window plays, who escalates with a
chain, which contracts stand on a tier, a service, an offer or a severity."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterator, Optional


@dataclass(frozen=True)
class Holder:
    """Something that states objectives: a tier, an OLA, or a contract (its overrides only)."""

    label: str          # "tier gold", "OLA platform_ops", "contoso's api_gateway contract"
    terms: dict         # the objectives it states itself
    internal: bool      # an OLA: only the provider's teams are party to it


def holders(artifact: dict) -> Iterator[Holder]:
    """Every tier, OLA and contract, in a stable order."""
    for tid in sorted(artifact["tiers"]):
        yield Holder(f"tier {tid}", artifact["tiers"][tid], False)
    for oid in sorted(artifact["olas"]):
        yield Holder(f"OLA {oid}", artifact["olas"][oid], True)
    for cid in sorted(artifact["customers"]):
        for contract in artifact["customers"][cid]["contracts"]:
            yield Holder(f"{cid}'s {contract['service']} contract", contract["overrides"], False)


@dataclass(frozen=True)
class Use:
    """A role a window plays. `sign` +1: more open time is better for the customer (support hours,
    ticket clocks, availability measurement); -1: worse (an excluded maintenance window)."""

    sign: int
    role: str                   # "support hours", "maintenance exclusion", ...
    holder: str                 # "tier gold"
    internal: bool
    via: Optional[str] = None   # the window that includes or excepts this one


def describe_uses(uses: list[Use], limit: int = 3) -> str:
    """`support hours of tier bronze, tier silver; maintenance exclusion of tier gold (through x)`."""
    groups: dict[tuple[str, Optional[str]], list[str]] = {}
    for use in uses:
        groups.setdefault((use.role, use.via), []).append(use.holder)
    parts = []
    for (role, via), holders in groups.items():
        shown = ", ".join(holders[:limit]) + (f" and {len(holders) - limit} more" if len(holders) > limit else "")
        parts.append((f"{role} of {shown}" if role else shown) + (f" (through {via})" if via else ""))
    return "; ".join(parts)


def _direct_window_uses(artifact: dict) -> Iterator[tuple[str, Use]]:
    for holder in holders(artifact):
        terms, label, internal = holder.terms, holder.label, holder.internal
        if terms.get("support"):
            yield terms["support"]["window"], Use(+1, "support hours", label, internal)
        for target in terms.get("targets", []):
            if target["window"]:
                yield target["window"], Use(+1, f"{target['metric']} {target['severity']} clock", label, internal)
        for pct in terms.get("percentiles", []):
            if pct["window"]:
                role = f"{pct['metric']} {', '.join(pct['severities'])} percentile clock"
                yield pct["window"], Use(+1, role, label, internal)
        if terms.get("availability"):
            yield terms["availability"]["window"], Use(+1, "availability measurement", label, internal)
        for excl in terms.get("exclusions", []):
            if excl["kind"] == "window":
                yield excl["ref"], Use(-1, "maintenance exclusion", label, internal)


def window_uses(artifact: dict) -> dict[str, list[Use]]:
    """Every role each window plays, directly or through `include` (same sign) and `except`
    (opposite sign: more time in an excepted window is less time in the window using it)."""
    windows = artifact["windows"]
    found: dict[str, dict[Use, None]] = defaultdict(dict)

    def spread(wid: str, use: Use, path: tuple[str, ...]) -> None:
        found[wid][use] = None
        ir = windows.get(wid)
        if ir is None:
            return
        for child, flip in [(w, 1) for w in ir["include"]] + [(w, -1) for w in ir["except"]]:
            if child not in path:
                spread(child, Use(use.sign * flip, use.role, use.holder, use.internal, wid), path + (child,))

    for wid, use in _direct_window_uses(artifact):
        spread(wid, use, (wid,))
    return {wid: list(uses) for wid, uses in found.items()}


def escalation_uses(artifact: dict) -> dict[str, list[Holder]]:
    """chain id → the tiers, OLAs and contracts that escalate with it."""
    found: dict[str, list[Holder]] = defaultdict(list)
    for holder in holders(artifact):
        if holder.terms.get("escalation"):
            found[holder.terms["escalation"]].append(holder)
    return found


def severity_uses(artifact: dict) -> dict[str, list[str]]:
    """severity name → the tiers, OLAs and contracts with a target or percentile target for it."""
    found: dict[str, list[str]] = defaultdict(list)
    for holder in holders(artifact):
        names = {t["severity"] for t in holder.terms.get("targets", [])}
        names |= {s for p in holder.terms.get("percentiles", []) for s in p["severities"]}
        for name in sorted(names):
            found[name].append(holder.label)
    return found


def contracts_on(artifact: dict) -> dict[tuple, list[str]]:
    """Who stands on what: ("tier", t), ("service", s) and ("offer", s, t) → "customer (service, tier)"."""
    found: dict[tuple, list[str]] = defaultdict(list)
    for cid in sorted(artifact["customers"]):
        for contract in artifact["customers"][cid]["contracts"]:
            service, tier = contract["service"], contract["tier"]
            who = f"{cid} ({service}, {tier})"
            for key in (("tier", tier), ("service", service), ("offer", service, tier)):
                if who not in found[key]:
                    found[key].append(who)
    return found
