"""The oracle of ticket sources (SPEC §12): how a ticket's raw rows become a §7 ticket, one ticket
at a time in plain Python — the rules `slalang/runtime/sources/derive.py` compiles, written a
second time, deliberately simply, to compare the product against (never a product path).

It was the product's first implementation. From the product it uses only the raw row shape
(`Row`), the source's name mapping and instant reader (`Mapping`), which are not the rules under
test, and the wording helper for near misses.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Optional

from slalang.runtime.errors import InstantError
from slalang.runtime.records import iso_z
from slalang.runtime.sources.events import ATTRIBUTES, CANCELLED, OPEN, RESOLVED, TYPES, Mapping, Row, _close


def _iso(us: int) -> str:
    return iso_z(us)


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
    previous_raw = None

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
        at = max(at, opened)   # a change logged before `opened` is the state the ticket opened in
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
                # the first entry into a `responds` raw value (a change of raw value into it)
                if responds and not responded and row.status != previous_raw:
                    events.append({"at": when, "type": "responded"})
                    responded = True
            previous_raw = row.status
        if row.type not in (None, ""):
            if row.type not in TYPES:
                raise _RowError(row.line, f'unknown type "{row.type}"{_close(row.type, TYPES)}')
            events.append({"at": when, "type": row.type})
            responded = responded or row.type == "responded"
    if severity is None:
        raise ValueError("no severity in any of its rows")
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


