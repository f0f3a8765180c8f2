"""Runtime stage: ticket sources (SPEC §12) — a ticket system's rows, as it wrote them, become §7
tickets.

Every format comes here as raw event rows (one per change: ticket, at, raw status, raw severity,
type, and the ticket's attributes), and this module does the rest once for all of them: it reads
instants in the source's zone and format, groups rows by ticket (in order of `at`, ties in input
order), maps raw names through the source, and derives what the statuses mean: entering a
status mapped to `resolved` resolves, leaving it reopens, entering `cancelled` cancels, and the
first entry into a `responds` status is the first response. A ticket whose rows cannot be read
is a problem record that names the line and the value, never a dropped one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Iterator, Optional

from slalang.runtime.errors import InstantError
from slalang.runtime.instants import instant_us

FIELDS = ("ticket", "at", "status", "severity", "type", "opened", "customer", "service", "tier")
ATTRIBUTES = ("customer", "service", "tier")
TYPES = ("responded", "updated", "resolved", "reopened")
RESOLVED, CANCELLED, OPEN = "resolved", "cancelled", "open"


@dataclass
class Row:
    """One raw change, as read: values are the export's own text."""

    line: int
    ticket: Optional[str]
    at: object = None
    status: Optional[str] = None
    severity: Optional[str] = None
    type: Optional[str] = None
    opened: object = None
    customer: Optional[str] = None
    service: Optional[str] = None
    tier: Optional[str] = None
    problem: Optional[str] = None


def _close(value: str, known: Iterable[str]) -> str:
    """`; did you mean "X"?` for a raw value near a mapped one (case and spacing first)."""
    import difflib

    known = list(known)
    folded = {k.casefold().replace(" ", ""): k for k in known}
    hit = folded.get(value.casefold().replace(" ", ""))
    if hit is None:
        found = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
        hit = found[0] if found else None
    return f'; did you mean "{hit}"?' if hit else ""


class InstantReader:
    """Instants as a source reads them: ISO 8601, or the source's strptime format; an instant
    without an offset is local to the source's zone (and a problem where it has none)."""

    def __init__(self, zone: Optional[str], fmt: Optional[str]):
        from zoneinfo import ZoneInfo

        self.zone_name = zone
        self.zone = ZoneInfo(zone) if zone else None
        self.fmt = fmt
        self._cache: dict[str, int] = {}

    def __call__(self, value, what: str) -> int:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return instant_us(value, what)
        if not isinstance(value, str) or not value.strip():
            raise InstantError(f"missing {what}" if value in (None, "") else f"{what} {value!r} is not an instant")
        found = self._cache.get(value)
        if found is not None:
            return found
        text = value.strip()
        try:
            if self.fmt is not None:
                parsed = datetime.strptime(text, self.fmt)
            else:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            shape = f'the format "{self.fmt}"' if self.fmt else "ISO 8601"
            raise InstantError(f'{what} "{value}" does not read as {shape}') from None
        if parsed.tzinfo is None:
            if self.zone is None:
                raise InstantError(f'{what} "{value}" has no offset and the source names no timezone')
            from slalang.runtime.tz import localize

            parsed = localize(parsed, self.zone)   # the policy's DST rule (SPEC §3): gaps end, repeats first
        us = instant_us(parsed, what)
        if len(self._cache) < 1_000_000:
            self._cache[value] = us
        return us


@dataclass
class Mapping:
    """A source's statements as its readers use them (from the artifact's `ticket_sources`)."""

    name: str
    format: str
    columns: dict[str, str]
    severities: dict[str, str]
    statuses: dict[str, dict]
    instants: InstantReader
    policy_severities: set[str] = field(default_factory=set)
    policy_statuses: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, name: str, spec: dict, policy_severities: set[str], policy_statuses: set[str],
           default_zone: Optional[str] = None) -> "Mapping":
        return cls(name, spec["format"], dict(spec["columns"]), dict(spec["severities"]), dict(spec["statuses"]),
                   InstantReader(spec["timezone"] or default_zone, spec["instants"]), policy_severities,
                   policy_statuses)

    def column(self, field_name: str) -> str:
        """Where a field is: the `column` statement's path, else the field's own name (`ticket`
        and `id` name the same field)."""
        found = self.columns.get(field_name)
        if found is None and field_name in ("ticket", "id"):
            found = self.columns.get("id" if field_name == "ticket" else "ticket")
        return found or field_name

    def severity(self, raw: str) -> str:
        """The policy severity a raw value names: the source's mapping, else the policy's own name."""
        mapped = self.severities.get(raw)
        if mapped is not None:
            return mapped
        if raw in self.policy_severities:
            return raw
        raise KeyError(f'severity "{raw}" is not mapped by source "{self.name}"'
                       f'{_close(raw, [*self.severities, *self.policy_severities])}')

    def status(self, raw: str) -> tuple[str, bool]:
        """(status, responds) of a raw status value: the source's mapping, else a built-in or
        declared status by its own name; a source that maps no status passes every name on."""
        mapped = self.statuses.get(raw)
        if mapped is not None:
            return mapped["status"], mapped["responds"]
        if raw in (OPEN, RESOLVED, CANCELLED) or raw in self.policy_statuses or not self.statuses:
            return raw, False
        raise KeyError(f'status "{raw}" is not mapped by source "{self.name}"{_close(raw, self.statuses)}')


def tickets_of(rows: Iterable[Row], mapping: Mapping) -> Iterator[tuple[int, dict, Optional[str]]]:
    """(line, §7 ticket dict, problem) per ticket of the rows, in order of each ticket's first row;
    a problem's dict holds the ticket's id only."""
    groups: dict[str, list[Row]] = {}
    order: list = []
    for index, row in enumerate(rows):
        if row.ticket in (None, ""):
            order.append(row)   # a row that names no ticket is a problem of its own
            continue
        group = groups.get(row.ticket)
        if group is None:
            group = groups[row.ticket] = []
            order.append(row.ticket)
        group.append(row)
    for item in order:
        if isinstance(item, Row):
            yield item.line, {}, item.problem or f'no ticket id (column "{mapping.column("ticket")}" is empty)'
            continue
        group = groups.pop(item)
        try:
            yield group[0].line, ticket_of(item, group, mapping), None
        except (InstantError, KeyError, ValueError) as exc:
            yield getattr(exc, "line", group[0].line), {"id": item}, str(exc.args[0]) if exc.args else str(exc)


class _RowError(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line


def ticket_of(ticket_id: str, rows: list[Row], mapping: Mapping) -> dict:
    """One ticket from its rows (see the module docstring)."""
    for row in rows:
        if row.problem:
            raise _RowError(row.line, row.problem)
    timed = []
    for row in rows:
        try:
            timed.append((mapping.instants(row.at, "at"), row))
        except InstantError as exc:
            raise _RowError(row.line, str(exc)) from None
    timed.sort(key=lambda pair: pair[0])   # stable: ties keep input order
    record: dict = {"id": ticket_id}
    for name in ATTRIBUTES:
        values = {getattr(r, name) for r in rows if getattr(r, name) not in (None, "")}
        if len(values) > 1:
            raise ValueError(f"{name} differs between its rows: " + ", ".join(f'"{v}"' for v in sorted(values)))
        if values:
            record[name] = values.pop()
    openeds = {r.opened for r in rows if r.opened not in (None, "")}
    try:
        if len(openeds) > 1:
            read = {mapping.instants(v, "opened") for v in openeds}
            if len(read) > 1:
                raise ValueError("opened differs between its rows: " + ", ".join(f'"{v}"' for v in sorted(openeds,
                                                                                                         key=str)))
            opened = read.pop()
        else:
            opened = mapping.instants(openeds.pop(), "opened") if openeds else None
    except InstantError as exc:
        raise ValueError(str(exc)) from None
    events: list[dict] = []
    severity: Optional[str] = None
    initial: Optional[str] = None
    resolved = cancelled = responded = False

    def mapped(row: Row, how, raw):
        try:
            return how(raw)
        except KeyError as exc:
            raise _RowError(row.line, exc.args[0]) from None

    opens = opened is None   # without an `opened` field, the first row opens the ticket
    if opens:
        opened = timed[0][0]
    for k, (at, row) in enumerate(timed):
        if cancelled:
            break   # a cancelled ticket is over: what comes after it is not read
        when = _iso(at)
        if row.severity not in (None, ""):
            value = mapped(row, mapping.severity, row.severity)
            if severity is None:
                severity = initial = value   # the first severity given is the one the ticket opened with
            elif value != severity:
                events.append({"at": when, "severity": value})
                severity = value
        if row.status not in (None, ""):
            value, responds = mapped(row, mapping.status, row.status)
            if value == CANCELLED:
                events.append({"at": when, "status": CANCELLED})
                cancelled = True
            elif value == RESOLVED:
                if not resolved:
                    events.append({"at": when, "type": "resolved"})
                    resolved = True
            else:
                if resolved:
                    events.append({"at": when, "type": "reopened"})
                    resolved = False
                events.append({"at": when, "status": value})
                # the first entry into a `responds` status (the status a ticket opens in is no entry)
                if responds and not responded and not (opens and k == 0):
                    events.append({"at": when, "type": "responded"})
                    responded = True
        if row.type not in (None, ""):
            if row.type not in TYPES:
                raise _RowError(row.line, f'unknown type "{row.type}"{_close(row.type, TYPES)}')
            events.append({"at": when, "type": row.type})
            responded = responded or row.type == "responded"
    if severity is None:
        raise ValueError("no severity in any of its rows")
    if opened > timed[0][0]:
        raise ValueError(f"a change at {_iso(timed[0][0])} comes before the ticket was opened ({_iso(opened)})")
    record["severity"] = initial
    record["opened"] = _iso(opened)
    record["events"] = _compact(events)
    return record


def _compact(events: list[dict]) -> list[dict]:
    """Drop a status event that repeats the status before it (New -> Active, both `open`)."""
    out: list[dict] = []
    current = OPEN
    for ev in events:
        if "status" in ev:
            if ev["status"] == current:
                continue
            current = ev["status"]
        out.append(ev)
    return out


def _iso(us: int) -> str:
    from slalang.runtime.records import iso_z

    return iso_z(us)
