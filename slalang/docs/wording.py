"""Docs stage: the words for artifact values — durations, percentages, dates, names, lists.

Everything here turns one IR value into the phrase a customer reads; sentences live in the
templates. Pure functions, no I/O.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

DAY = 86400
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")

# Channel names are free words in the language; these are the ones customers meet most.
CHANNELS = {"email": "e-mail", "e-mail": "e-mail", "portal": "customer portal", "phone": "telephone",
            "telephone": "telephone", "chat": "chat", "slack": "Slack", "teams": "Microsoft Teams",
            "pager": "pager", "sms": "SMS", "web": "web form"}

# Holiday regions of the stdlib windows; anything else prints as its code.
# Read as "public holidays in ...".
REGIONS = {"GB": "the United Kingdom", "GB-ENG": "England and Wales", "GB-SCT": "Scotland",
           "GB-NIR": "Northern Ireland", "GB-WLS": "Wales", "US": "the United States (federal holidays)",
           "DE": "Germany", "DE-BY": "Bavaria", "FR": "France", "JP": "Japan", "AU-NSW": "New South Wales",
           "IN": "India", "IE": "Ireland", "NL": "the Netherlands", "ES": "Spain", "IT": "Italy",
           "CA": "Canada"}

PERIOD_NOUNS = {"daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter", "yearly": "year"}
PERIOD_ADVERBS = {"daily": "each calendar day", "weekly": "each calendar week (Monday to Sunday)",
                  "monthly": "each calendar month", "quarterly": "each calendar quarter",
                  "yearly": "each calendar year"}


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def goal(seconds: int, *, days: bool = True) -> str:
    """A promise in words: `900` -> `15 minutes`, `5400` -> `1 hour 30 minutes`, `259200` -> `3 days`.

    Whole days are used from two days up (and only when `days`: a day of support hours is not
    24 hours, so business-hours goals stay in hours)."""
    if days and seconds >= 2 * DAY and seconds % DAY == 0:
        return plural(seconds // DAY, "day")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [plural(hours, "hour")] if hours else []
    if minutes:
        parts.append(plural(minutes, "minute"))
    if secs or not parts:
        parts.append(plural(secs, "second"))
    return " ".join(parts)


def every(seconds: int) -> str:
    """A recurring goal: `3600` -> `every hour`, `1800` -> `every 30 minutes`."""
    text = goal(seconds)
    return "every " + (text[2:] if text.startswith("1 ") and text.count(" ") == 1 else text)


def notice(seconds: int) -> str:
    """A notice period: hours up to a week (`72 hours`), whole days beyond (`14 days`)."""
    if seconds >= 7 * DAY and seconds % DAY == 0:
        return plural(seconds // DAY, "day")
    return goal(seconds, days=False)


def span(seconds: int) -> str:
    """A measured amount, compact: `2678` -> `44 min 38 s`, `93600` -> `1 day 2 h`, `0` -> `0 s`."""
    days, rest = divmod(int(seconds), DAY)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [plural(days, "day")] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes else []
    if secs or not parts:
        parts.append(f"{secs} s")
    return " ".join(parts)


def hours(seconds: int) -> str:
    """A length in hours: `2678400` -> `744 hours`, `642600` -> `178 hours 30 minutes`."""
    whole, rest = divmod(int(seconds), 3600)
    text = plural(whole, "hour")
    minutes, secs = divmod(rest, 60)
    if minutes:
        text += " " + plural(minutes, "minute")
    if secs:
        text += " " + plural(secs, "second")
    return text


def percent(value: str | Decimal) -> str:
    """`"99.95"` -> `99.95%`; keeps the digits the policy wrote (`95.0%`)."""
    return f"{value}%"


def clock(seconds: int) -> str:
    """Seconds from local midnight as a wall clock: `32400` -> `09:00`, `86400` -> `24:00`."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def day(d: date) -> str:
    """`2025-04-18` -> `18 April 2025`."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def weekday_date(d: date) -> str:
    """`2025-04-18` -> `Friday 18 April 2025`."""
    return f"{WEEKDAYS[d.weekday()]} {day(d)}"


def day_range(first: date, last: date) -> str:
    """Inclusive dates: `29 December 2025` when one day, else `29 to 31 December 2025` and so on."""
    if first == last:
        return day(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day} to {day(last)}"
    if first.year == last.year:
        return f"{first.day} {MONTHS[first.month - 1]} to {day(last)}"
    return f"{day(first)} to {day(last)}"


def weekdays(days: list[int]) -> str:
    """Day numbers (0 = Monday) as runs: `[0..4]` -> `Monday–Friday`, `[0, 2]` -> `Monday and Wednesday`."""
    runs: list[list[int]] = []
    for d in sorted(set(days)):
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    words = []
    for run in runs:
        if len(run) >= 3:
            words.append(f"{WEEKDAYS[run[0]]}–{WEEKDAYS[run[-1]]}")
        else:
            words.extend(WEEKDAYS[d] for d in run)
    return join(words)


def join(items: list[str], last: str = "and") -> str:
    """`a`, `a and b`, `a, b and c`."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def name(ident: str) -> str:
    """An entity id as words: `head_of_support` -> `Head of support`, `std.windows.x` -> `X`, `cto` -> `CTO`."""
    last = ident.rsplit(".", 1)[-1]
    if len(last) <= 3 and last.isalpha():
        return last.upper()
    words = last.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def status(ident: str) -> str:
    """A ticket status as words: `pending_customer` -> `pending customer`."""
    return ident.replace("_", " ")


def channel(ident: str) -> str:
    return CHANNELS.get(ident.lower(), ident.replace("_", " "))


def channels(idents: list[str]) -> str:
    return join([channel(c) for c in idents])


def region(code: str) -> str:
    return REGIONS.get(code, code)
