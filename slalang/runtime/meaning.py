"""Runtime stage: what an artifact means, checked at load (SPEC §18) — the schema says an
artifact has the right shape; this says its zones exist, its references resolve, its numbers
are in range and its instants lie in its horizon. A hand-edited artifact with a recomputed
digest is refused here with ArtifactError, never met later as a KeyError, an unknown zone, an
OverflowError or a hang."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Iterator


@lru_cache(maxsize=None)
def _zone_ok(name) -> bool:
    """Whether the tz database has the zone (ZoneInfo keeps what it loaded: listing every zone
    would cost `load` 30 ms)."""
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
        return True
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        return False


def meaning_problems(data: dict, limit: int = 5) -> list[str]:
    """What in a schema-valid artifact cannot mean anything (at most `limit` problems)."""
    out = []
    for problem in _problems(data):
        out.append(problem)
        if len(out) >= limit:
            break
    return out


def _problems(a: dict) -> Iterator[str]:
    first, last = a["policy"]["horizon"]
    if not 1900 <= first <= last <= 2200:
        yield f"policy/horizon: {first}..{last} is not a range of years between 1900 and 2200"
        return
    span = (last - first + 1) * 366 * 86_400
    lo, hi = datetime(first, 1, 1).date(), datetime(last, 12, 31).date()
    if not _zone_ok(a["policy"]["timezone"]):
        yield f'policy/timezone: unknown zone "{a["policy"]["timezone"]}"'
    windows, tiers, services = a["windows"], a["tiers"], a["services"]
    escalations, contacts = a["escalations"], a["contacts"]
    severities = {s["name"] for s in a["severities"]}

    def window_ok(name) -> bool:
        return name is None or name == "always" or name in windows

    for wid, w in windows.items():
        if w.get("timezone") is not None and not _zone_ok(w["timezone"]):
            yield f'windows/{wid}/timezone: unknown zone "{w["timezone"]}"'
        for ref in list(w.get("include", [])) + list(w.get("except", [])) + [w.get("extends")]:
            if ref is not None and not window_ok(ref):
                yield f'windows/{wid}: names window "{ref}", which the artifact does not have'
        for pair in w.get("closed_dates", []):
            for day in pair:
                if not _date_in(day, lo, hi):
                    yield f"windows/{wid}/closed_dates: {day} is outside the horizon {first}..{last}"
    for cid, chain in escalations.items():
        for k, step in enumerate(chain["steps"]):
            if step["trigger"] == "percent" and not _percent_ok(step.get("percent")):
                yield f"escalations/{cid}/steps/{k}/percent: {step.get('percent')!r} is not a share in (0, 100]"
            for who in step["notify"]:
                if who not in contacts:
                    yield f'escalations/{cid}/steps/{k}: notifies "{who}", which the artifact does not have'
            if step["after"] > span:
                yield f"escalations/{cid}/steps/{k}/after: {step['after']} s is longer than the horizon"
        repeat = chain.get("repeat")
        if repeat and (repeat["every"] <= 0 or repeat["every"] > span or repeat["times"] > span):
            yield f"escalations/{cid}/repeat: every {repeat['every']} s, {repeat['times']} times is out of range"

    def objectives(where: str, obj: dict) -> Iterator[str]:
        support = obj.get("support") or {}
        if not window_ok(support.get("window")):
            yield f'{where}/support: names window "{support.get("window")}", which the artifact does not have'
        if obj.get("escalation") is not None and obj["escalation"] not in escalations:
            yield f'{where}/escalation: names chain "{obj["escalation"]}", which the artifact does not have'
        for k, t in enumerate(obj.get("targets", [])):
            if t["severity"] not in severities:
                yield f'{where}/targets/{k}: severity "{t["severity"]}" is not in the artifact'
            if not window_ok(t.get("window")):
                yield f'{where}/targets/{k}: names window "{t.get("window")}", which the artifact does not have'
            for key in ("goal", "internal"):
                value = t.get(key)
                if value is not None and not 0 < value <= span:
                    yield f"{where}/targets/{k}/{key}: {value} s is not a goal within the horizon"
        availability = obj.get("availability")
        if availability and not window_ok(availability.get("window")):
            yield f'{where}/availability: names window "{availability.get("window")}", which the artifact does not have'
        if availability:
            for key in ("target", "internal"):
                if availability.get(key) is not None and not _percent_ok(availability[key]):
                    yield f"{where}/availability/{key}: {availability[key]!r} is not a share in (0, 100]"
        credits = obj.get("credits") or {}
        for k, row in enumerate(credits.get("rows") or []):
            for key in ("threshold", "credit"):
                if not _percent_ok(row.get(key)):
                    yield f"{where}/credits/rows/{k}/{key}: {row.get(key)!r} is not a share in (0, 100]"
        if credits.get("cap") is not None and not _percent_ok(credits["cap"]):
            yield f"{where}/credits/cap: {credits['cap']!r} is not a share in (0, 100]"
        for k, p in enumerate(obj.get("percentiles") or []):
            if not _percent_ok(p.get("share")):
                yield f"{where}/percentiles/{k}/share: {p.get('share')!r} is not a share in (0, 100]"

    for tid, tier in tiers.items():
        yield from objectives(f"tiers/{tid}", tier)
    for oid, ola in a.get("olas", {}).items():
        yield from objectives(f"olas/{oid}", ola)
    for sid, service in services.items():
        for tier in service["offers"]:
            if tier not in tiers:
                yield f'services/{sid}/offers: tier "{tier}" is not in the artifact'
        deps = service["depends"]
        for dep in list(deps["serial"]) + [d for group in deps["any"] for d in group]:
            if dep not in services:
                yield f'services/{sid}/depends: service "{dep}" is not in the artifact'
    for cust_id, cust in a["customers"].items():
        for k, c in enumerate(cust["contracts"]):
            where = f"customers/{cust_id}/contracts/{k}"
            if c["service"] not in services:
                yield f'{where}: service "{c["service"]}" is not in the artifact'
            if c["tier"] not in tiers:
                yield f'{where}: tier "{c["tier"]}" is not in the artifact'
            for key in ("start", "end"):
                if c.get(key) is not None and not _instant_in(c[key], first, last):
                    yield f"{where}/{key}: {c[key]} is outside the horizon {first}..{last}"
            yield from objectives(where + "/overrides", c.get("overrides") or {})
    for sid, source in a.get("ticket_sources", {}).items():
        if source.get("timezone") is not None and not _zone_ok(source["timezone"]):
            yield f'ticket_sources/{sid}/timezone: unknown zone "{source["timezone"]}"'
        for raw, sev in source.get("severities", {}).items():
            if sev not in severities:
                yield f'ticket_sources/{sid}/severities: "{raw}" maps to "{sev}", which is not in the artifact'


def _percent_ok(value) -> bool:
    """A percentage as the artifact writes it: a decimal string in (0, 100]."""
    from decimal import Decimal, InvalidOperation

    if not isinstance(value, str):
        return False
    try:
        number = Decimal(value)
    except InvalidOperation:
        return False
    return number.is_finite() and 0 < number <= 100


def _date_in(text, lo, hi) -> bool:
    try:
        return lo <= datetime.strptime(str(text)[:10], "%Y-%m-%d").date() <= hi
    except ValueError:
        return False


def _instant_in(text, first: int, last: int) -> bool:
    try:
        year = int(str(text)[:4])
    except ValueError:
        return False
    return first - 1 <= year <= last + 1   # a contract's end is the instant after its last day
