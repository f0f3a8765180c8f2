"""IR stage (compile time only): public holidays from the `holidays` package, expanded for the horizon."""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

from slalang.diagnostics import did_you_mean


@lru_cache(maxsize=1)
def supported_regions() -> dict[str, tuple[str, ...]]:
    """Country code -> its subdivision codes, as the installed `holidays` package knows them."""
    import holidays
    return {c: tuple(subs) for c, subs in holidays.list_supported_countries().items()}


def check_region(region: str) -> Optional[tuple[str, str]]:
    """None when `CC[-SUB]` is known; else (message, help) for a diagnostic."""
    country, _, subdiv = region.partition("-")
    regions = supported_regions()
    if country not in regions:
        hint = did_you_mean(country.upper(), regions) if country.upper() != country else None
        if country.upper() in regions:
            hint = f'did you mean "{country.upper()}{"-" + subdiv if subdiv else ""}"?'
        return (f'unknown holiday country "{country}"',
                hint or 'use an ISO 3166 country code known to the holidays package, e.g. "GB" or "US"')
    if subdiv and subdiv not in regions[country]:
        subs = regions[country]
        hint = did_you_mean(subdiv, subs) or did_you_mean(subdiv.upper(), subs)
        if hint:
            hint = hint.replace('"', f'"{country}-', 1)
        else:
            shown = ", ".join(f"{country}-{s}" for s in subs[:8]) + (" ..." if len(subs) > 8 else "")
            hint = f"{country} subdivisions: {shown}" if subs else f"{country} has no subdivisions"
        return (f'unknown subdivision "{subdiv}" of {country}', hint)
    return None


@lru_cache(maxsize=None)
def _expand(region: str, first: int, last: int) -> tuple[tuple[tuple[str, str], ...], Optional[str]]:
    import warnings

    import holidays
    country, _, subdiv = region.partition("-")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        days = holidays.country_holidays(country, subdiv=subdiv or None, years=range(first, last + 1),
                                         language="en_US")
        listed = tuple(sorted((d.isoformat(), str(name)) for d, name in days.items()))
    note = next((str(w.message) for w in caught), None)
    return listed, note


def expand_holidays(region: str, horizon: tuple[int, int]) -> dict[str, str]:
    """Local date (ISO) -> holiday name, for every year of the horizon."""
    if check_region(region) is not None:
        return {}
    return dict(_expand(region, horizon[0], horizon[1])[0])


def coverage_note(region: str, horizon: tuple[int, int]) -> Optional[str]:
    """What the holidays package says when it cannot list every year of the horizon (else None)."""
    if check_region(region) is not None:
        return None
    return _expand(region, horizon[0], horizon[1])[1]
