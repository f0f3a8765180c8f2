"""Docs stage: what each SLA document says, as data — one per customer contract and one per tier.

The templates decide how it reads (Markdown or HTML); this module decides what is true:
merged contract terms, schedules, goals, allowed downtime, exclusions, escalation, credits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

from slalang.docs import credits as credit_bands
from slalang.docs import downtime, escalation, schedule
from slalang.docs import wording as w

METRICS = ("response", "resolution", "update")
# Review meetings gather a few reporting periods; a monthly report is reviewed quarterly.
REVIEWS = {"daily": ("week", "the daily figures of the week"),
           "weekly": ("month", "the weekly reports of the month"),
           "monthly": ("quarter", "the three monthly reports of the quarter"),
           "quarterly": ("half-year", "the two quarterly reports"),
           "yearly": ("year", "the yearly report")}


@dataclass
class Document:
    """One SLA document: a customer contract (`kind == "contract"`) or a tier's standard terms."""

    kind: str
    stem: str                       # file name without extension
    title: str
    subtitle: str
    year: int
    internal: bool
    policy: dict
    tier: dict
    customer: Optional[dict] = None
    contract: Optional[dict] = None
    variations: list[str] = field(default_factory=list)
    services: list[dict] = field(default_factory=list)
    support: Any = None
    levels: dict = field(default_factory=dict)
    availability: Optional[dict] = None
    exclusions: dict = field(default_factory=dict)
    escalation: Any = None
    credits: dict = field(default_factory=dict)
    reporting: dict = field(default_factory=dict)


# -- pieces ----------------------------------------------------------------------------------------

def _service(art: dict, sid: str) -> dict:
    svc = art["services"][sid]

    def dep(d: str) -> dict:
        return {"id": d, "description": art["services"].get(d, {}).get("description", "")}

    return {"id": sid, "description": svc["description"], "owner": svc["owner"],
            "serial": [dep(d) for d in svc["depends"]["serial"]],
            "redundant": [[dep(d) for d in group] for group in svc["depends"]["any"]]}


def _goal_words(seconds: int, window: str) -> str:
    return w.goal(seconds, days=window == schedule.ALWAYS)


def _cell(target: dict, support_window: str, internal: bool, day: Optional[int]) -> dict:
    """One table cell; `day` is the length of a support day, when every open day has the same hours."""
    window = target["window"] or support_window
    text = (w.every(target["goal"]) if target["metric"] == "update"
            else _goal_words(target["goal"], window))
    if day and window == support_window and target["goal"] > day and target["goal"] % day == 0:
        text += f" ({target['goal'] // day} support days)"
    note = ""
    if target["window"] and target["window"] != support_window:
        note = ("counted around the clock" if window == schedule.ALWAYS
                else f"counted in {w.name(window).lower()} hours")
    out = {"text": text, "note": note, "internal": ""}
    if internal and target["internal"]:
        out["internal"] = _goal_words(target["internal"], window)
    return out


def _levels(art: dict, obj: dict, internal: bool, period: str, day: Optional[int]) -> dict:
    support_window = obj["support"]["window"]
    targets = {(t["metric"], t["severity"]): t for t in obj.get("targets", [])}
    rows = []
    for sev in art["severities"]:
        cells = {m: _cell(targets[(m, sev["name"])], support_window, internal, day)
                 for m in METRICS if (m, sev["name"]) in targets}
        rows.append({"name": sev["name"], "description": sev["description"], "cells": cells})
    used = [m for m in METRICS if any(m in r["cells"] for r in rows)]
    other_windows = sorted({t["window"] for t in obj.get("targets", [])
                            if t["window"] and t["window"] not in (support_window, schedule.ALWAYS)})
    percentiles = []
    for p in obj.get("percentiles", []):
        window = p["window"] or support_window
        note = ""
        if p["window"] and p["window"] != support_window:
            note = "counted around the clock" if window == schedule.ALWAYS else f"counted in {w.name(window).lower()} hours"
        percentiles.append({"share": p["share"], "severities": w.join(p["severities"]),
                            "metric": p["metric"], "goal": _goal_words(p["goal"], window), "note": note,
                            "period": w.PERIOD_ADVERBS[period]})
    return {"rows": rows, "metrics": used, "support_hours_only": support_window != schedule.ALWAYS,
            "other_windows": other_windows, "percentiles": percentiles,
            "pause": [w.status(s) for s in obj.get("pause_when", [])],
            "restart": obj.get("on_severity_change") == "restart",
            "any_internal": internal and any(t["internal"] for t in targets.values())}


def _dependencies_text(services: list[dict]) -> dict:
    if len(services) != 1:
        return {"service": None, "serial": [], "redundant": []}
    svc = services[0]
    return {"service": svc["id"], "serial": [d["id"] for d in svc["serial"]],
            "redundant": [{"names": w.join([d["id"] for d in g]), "size": len(g)} for g in svc["redundant"]]}


def _availability(policy, obj: dict, services: list[dict], year: int, internal: bool) -> Optional[dict]:
    av = obj.get("availability")
    if not av:
        return None
    measured = schedule.describe(policy.artifact["windows"], av["window"], year)
    table = downtime.downtime_table(policy, av, year, internal=internal)
    return {"target": av["target"], "period": av["period"], "noun": w.PERIOD_NOUNS[av["period"]],
            "adverb": w.PERIOD_ADVERBS[av["period"]], "window": av["window"], "measured": measured,
            "always": av["window"] == schedule.ALWAYS,
            "internal": av["internal"] if internal else None,
            "including_dependencies": av["including_dependencies"],
            "dependencies": _dependencies_text(services), "downtime": table}


def _exclusions(art: dict, obj: dict, year: int) -> dict:
    categories, windows = [], []
    for ex in obj.get("exclusions", []):
        if ex["kind"] == "category":
            categories.append({"id": ex["ref"], "title": w.name(ex["ref"]),
                               "description": art["exclusions"].get(ex["ref"], {}).get("description", "")})
        else:
            sched = schedule.describe(art["windows"], ex["ref"], year)
            windows.append({"id": ex["ref"], "title": w.name(ex["ref"]), "schedule": sched,
                            "notice": w.notice(ex["notice"]) if ex["notice"] else None})
    ignore = obj.get("ignore_under") or 0
    return {"categories": categories, "windows": windows, "ignore_under": w.goal(ignore) if ignore else None}


def _example_target(art: dict, obj: dict) -> Optional[tuple[str, str, int]]:
    """The most severe severity's response target (else its first target) for worked escalation times."""
    targets = obj.get("targets", [])
    for sev in art["severities"]:
        for metric in METRICS:
            for t in targets:
                if t["severity"] == sev["name"] and t["metric"] == metric:
                    return sev["name"], metric, t["goal"]
    return None


def _credits(obj: dict, period: str) -> dict:
    cr = obj.get("credits")
    return {"bands": credit_bands.bands(cr), "cap": cr["cap"] if cr else None,
            "noun": w.PERIOD_NOUNS[period]}


def _reporting(policy, obj: dict) -> dict:
    av = obj.get("availability")
    period = av["period"] if av else "monthly"
    cadence, covers = REVIEWS[period]
    return {"period": period, "noun": w.PERIOD_NOUNS[period], "adverb": w.PERIOD_ADVERBS[period],
            "timezone": policy.timezone, "owner": policy.artifact["policy"]["owner"],
            "review": cadence, "review_covers": covers, "has_availability": bool(av),
            "has_credits": bool(obj.get("credits") and obj["credits"]["rows"])}


def _body(doc: Document, policy, obj: dict, year: int, internal: bool) -> Document:
    art = policy.artifact
    period = obj["availability"]["period"] if obj.get("availability") else "monthly"
    support = schedule.describe(art["windows"], obj["support"]["window"], year)
    doc.support = {"schedule": support, "channels": [w.channel(c) for c in obj["support"]["channels"]],
                   "day": w.hours(support.day_length) if support.day_length else None}
    doc.levels = _levels(art, obj, internal, period, support.day_length)
    doc.levels["other_schedules"] = [schedule.describe(art["windows"], wid, year)
                                     for wid in doc.levels["other_windows"]]
    # A tier's terms hold for any service that offers it: its document names no one service.
    doc.availability = _availability(policy, obj, doc.services if doc.kind == "contract" else [], year, internal)
    doc.exclusions = _exclusions(art, obj, year)
    if obj.get("escalation"):
        doc.escalation = escalation.describe(policy, obj["escalation"], _example_target(art, obj))
    doc.credits = _credits(obj, period)
    doc.reporting = _reporting(policy, obj)
    return doc


def _policy_info(policy) -> dict:
    info = dict(policy.artifact["policy"])
    info["digest"] = policy.artifact["digest"]
    info["slalang"] = policy.artifact["slalang"]
    return info


def _tier_info(art: dict, tid: str) -> dict:
    return {"id": tid, "title": w.name(tid), "description": art["tiers"][tid]["description"]}


# -- contracts -------------------------------------------------------------------------------------

def _variations(art: dict, tier: dict, overrides: dict, year: int, internal: bool) -> list[str]:
    """What a contract changes in its tier's terms, one line per change, in words."""
    out = []
    tier_targets = {(t["metric"], t["severity"]): t for t in tier.get("targets", [])}
    rank = {s["name"]: s["rank"] for s in art["severities"]}
    for t in sorted(overrides.get("targets", []), key=lambda t: (rank.get(t["severity"], 0),
                                                                  METRICS.index(t["metric"]))):
        base = tier_targets.get((t["metric"], t["severity"]))
        window = t["window"] or overrides.get("support", tier["support"])["window"]
        now = _goal_words(t["goal"], window)
        if internal and t["internal"]:
            now += f" (internal goal {_goal_words(t['internal'], window)})"
        if base is None:
            out.append(f"{t['severity']} {t['metric']}: {now} (not in the standard terms)")
        elif base["goal"] != t["goal"]:
            out.append(f"{t['severity']} {t['metric']}: {now} instead of {_goal_words(base['goal'], window)}")
        elif internal and base["internal"] != t["internal"]:
            out.append(f"{t['severity']} {t['metric']}: internal goal changed, {now}")
    for p in overrides.get("percentiles", []):
        out.append(f"{p['metric']} percentile target for {w.join(p['severities'])}: "
                   f"{p['share']}% within {w.goal(p['goal'])}")
    if "support" in overrides:
        sched = schedule.describe(art["windows"], overrides["support"]["window"], year)
        out.append(f"support hours: {sched.summary}, by {w.channels(overrides['support']['channels'])}"
                   f" (section 3)")
    if "availability" in overrides:
        av, base = overrides["availability"], tier.get("availability")
        words = f"{av['target']}% {av['period']}"
        if av["including_dependencies"] and not (base and base["including_dependencies"]):
            words += ", including the services it depends on"
        if base and (base["target"], base["period"]) != (av["target"], av["period"]):
            words += f" instead of {base['target']}% {base['period']}"
        out.append(f"availability: {words} (section 5)")
    if "credits" in overrides:
        out.append("service credits: a contract-specific credit table (section 8)")
    named = {"exclusions": "exclusions (section 6)", "ignore_under": "the shortest outage that counts (section 6)",
             "escalation": "the escalation procedure (section 7)", "pause_when": "the statuses that pause the clocks",
             "on_severity_change": "what a severity change does to the clocks", "description": "the service description"}
    out += [named[k] for k in named if k in overrides]
    return out


def _status(contract: dict, year: int, siblings: list[dict], art: dict) -> list[str]:
    notes = []
    first, last = date.fromisoformat(contract["from"]), contract["to"] and date.fromisoformat(contract["to"])
    if last and last.year < year:
        notes.append(f"This contract ended on {w.day(last)} and is not in force in {year}.")
    elif first.year > year:
        notes.append(f"This contract starts on {w.day(first)}, after {year}.")
    for other in siblings:
        if other is contract or other["service"] != contract["service"]:
            continue
        o_first = date.fromisoformat(other["from"])
        if last and o_first > last:
            notes.append(f"It is followed by the {w.name(other['tier'])} contract from {w.day(o_first)}.")
        elif other["to"] and date.fromisoformat(other["to"]) < first:
            notes.append(f"It follows the {w.name(other['tier'])} contract that ended on "
                         f"{w.day(date.fromisoformat(other['to']))}.")
    return notes


def contract_document(policy, customer_id: str, index: int, year: int, internal: bool) -> Document:
    art = policy.artifact
    cust = art["customers"][customer_id]
    contract = cust["contracts"][index]
    tier = art["tiers"][contract["tier"]]
    terms = policy.terms(customer_id, contract["service"], contract["start"])
    obj = terms.objectives
    first = date.fromisoformat(contract["from"])
    last = date.fromisoformat(contract["to"]) if contract["to"] else None
    info = {"from": w.day(first), "to": w.day(last) if last else None,
            "notes": _status(contract, year, cust["contracts"], art),
            "state": ("ended" if last and last.year < year else "not yet started" if first.year > year
                      else "in force")}
    tier_info = _tier_info(art, contract["tier"])
    doc = Document(
        kind="contract", stem=f"customer-{customer_id}-{contract['service']}-{contract['from']}",
        title=f"Service level agreement: {cust['name']}",
        subtitle=f"{contract['service']} · {tier_info['title']} tier · {info['from']} to "
                 f"{info['to'] or 'open-ended'}",
        year=year, internal=internal, policy=_policy_info(policy), tier=tier_info,
        customer={"id": customer_id, "name": cust["name"], "description": cust["description"]},
        contract=info, services=[_service(art, contract["service"])],
        variations=_variations(art, tier, contract["overrides"], year, internal))
    return _body(doc, policy, obj, year, internal)


def tier_document(policy, tier_id: str, year: int, internal: bool) -> Document:
    art = policy.artifact
    obj = policy.tier(tier_id).objectives
    offering = [sid for sid, svc in sorted(art["services"].items()) if tier_id in svc["offers"]]
    tier_info = _tier_info(art, tier_id)
    doc = Document(
        kind="tier", stem=f"tier-{tier_id}", title=f"{tier_info['title']} tier: standard service levels",
        subtitle=tier_info["description"] or f"The {tier_info['title']} tier",
        year=year, internal=internal, policy=_policy_info(policy), tier=tier_info,
        services=[_service(art, sid) for sid in offering])
    return _body(doc, policy, obj, year, internal)


def tier_order(art: dict) -> list[str]:
    """Tiers parents first (bronze, silver, gold, ...), siblings by name."""
    tiers = art["tiers"]
    depth = {}

    def level(tid: str, seen: frozenset = frozenset()) -> int:
        if tid not in depth:
            parent = tiers[tid].get("extends")
            depth[tid] = 0 if parent not in tiers or tid in seen else level(parent, seen | {tid}) + 1
        return depth[tid]

    return sorted(tiers, key=lambda t: (level(t), t))


def documents(policy, year: int, internal: bool) -> list[Document]:
    """Every contract document (customers by id, contracts in order), then every tier document."""
    art = policy.artifact
    out = [contract_document(policy, cid, i, year, internal)
           for cid in sorted(art["customers"]) for i in range(len(art["customers"][cid]["contracts"]))]
    out += [tier_document(policy, tid, year, internal) for tid in tier_order(art)]
    return out
