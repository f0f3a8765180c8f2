"""Runtime stage: ticket and outage records (SPEC §7) read from dicts, JSON Lines or CSV, strictly checked."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Iterator, Optional

from slalang.runtime.errors import InstantError, RecordError
from slalang.runtime.instants import EPOCH, US, instant_us  # noqa: F401 - re-exported: records speak in instants
from slalang.runtime.tickets.rules import EVENT_TYPES

_NAIVE_EPOCH = datetime(1970, 1, 1)


def from_us(us: int) -> datetime:
    return EPOCH + us * US


def iso_z(value: "datetime | int | None", *, fraction: bool = True) -> Optional[str]:
    """An instant (aware datetime or epoch µs) as `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` in UTC; None stays
    None. `fraction=False` drops microseconds (artifacts and reports speak in whole seconds)."""
    if value is None:
        return None
    # isoformat is far cheaper than strftime: naive UTC writes no offset, aware UTC `+00:00`
    if isinstance(value, int):
        instant = _NAIVE_EPOCH + value * US
    elif value.tzinfo is timezone.utc:
        instant = value
    else:
        instant = value.astimezone(timezone.utc)
    if not fraction and instant.microsecond:
        instant = instant.replace(microsecond=0)
    text = instant.isoformat()
    return (text if instant.tzinfo is None else text[:-6]) + "Z"


@dataclass(frozen=True)
class Event:
    at: int            # epoch microseconds
    kind: str          # "status" | "severity" | one of EVENT_TYPES
    value: Optional[str] = None


@dataclass(frozen=True)
class Ticket:
    id: str
    severity: str
    opened: int
    events: tuple[Event, ...]
    customer: Optional[str] = None
    service: Optional[str] = None
    tier: Optional[str] = None


def _text(record: dict, key: str, required: bool = False) -> Optional[str]:
    value = record.get(key)
    if value is None or value == "":
        if required:
            raise RecordError(f'missing "{key}"')
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise RecordError(f'"{key}" must be a string')
    return str(value)


def parse_ticket(record: Any, severities: Optional[set[str]] = None) -> Ticket:
    """A ticket from its §7 dict; RecordError says what is wrong."""
    if not isinstance(record, dict):
        raise RecordError("a ticket must be a JSON object")
    if record.get("problem") not in (None, ""):   # a record a source could not read (SPEC §12)
        raise RecordError(str(record["problem"]))
    ticket_id = _text(record, "id", required=True)
    severity = _text(record, "severity", required=True)
    if severities is not None and severity not in severities:
        raise RecordError(f'unknown severity "{severity}"')
    try:
        opened = instant_us(record.get("opened"), "opened")
    except InstantError as exc:
        raise RecordError(str(exc)) from None
    raw_events = record.get("events") or []
    if isinstance(raw_events, str):  # CSV carries events as a JSON list in one cell
        try:
            raw_events = json.loads(raw_events)
        except json.JSONDecodeError as exc:
            raise RecordError(f'"events" is not a JSON list: {exc.msg}') from None
    if not isinstance(raw_events, list):
        raise RecordError('"events" must be a list')
    events = []
    last = opened
    for i, ev in enumerate(raw_events):
        if not isinstance(ev, dict):
            raise RecordError(f"event {i + 1} must be an object")
        try:
            at = instant_us(ev.get("at"), f"event {i + 1} at")
        except InstantError as exc:
            raise RecordError(str(exc)) from None
        if at < last:
            raise RecordError(f"event {i + 1} at {iso_z(at, fraction=at % 1_000_000 != 0)} is out of order "
                              f"(before {'the ticket was opened' if last == opened else 'the event before it'})")
        last = at
        kinds = [k for k in ("status", "severity", "type") if ev.get(k) not in (None, "")]
        if len(kinds) != 1:
            raise RecordError(f"event {i + 1} needs exactly one of status, severity or type")
        kind = kinds[0]
        value = ev[kind]
        if not isinstance(value, str):
            raise RecordError(f'event {i + 1} "{kind}" must be a string')
        if kind == "type":
            if value not in EVENT_TYPES:
                raise RecordError(f'event {i + 1} has unknown type "{value}" '
                                  f"(expected one of {', '.join(EVENT_TYPES)})")
            events.append(Event(at, value))
        else:
            if kind == "severity" and severities is not None and value not in severities:
                raise RecordError(f'event {i + 1} has unknown severity "{value}"')
            events.append(Event(at, kind, value))
    return Ticket(ticket_id, severity, opened, tuple(events), _text(record, "customer"),
                  _text(record, "service"), _text(record, "tier"))


@dataclass(frozen=True)
class Outage:
    service: str
    start: int
    end: int
    tags: tuple[str, ...] = ()
    announced: Optional[int] = None
    impact: Decimal = Decimal(1)


def parse_outage(record: Any, services: Optional[set[str]] = None) -> Outage:
    """An outage from its §7 dict; RecordError says what is wrong."""
    if not isinstance(record, dict):
        raise RecordError("an outage must be a JSON object")
    service = _text(record, "service", required=True)
    if services is not None and service not in services:
        raise RecordError(f'unknown service "{service}"')
    try:
        start = instant_us(record.get("start"), "start")
        end = instant_us(record.get("end"), "end")
        announced = instant_us(record["announced"], "announced") if record.get("announced") not in (None, "") else None
    except InstantError as exc:
        raise RecordError(str(exc)) from None
    if end < start:
        raise RecordError(f"end {record.get('end')} is before start {record.get('start')}")
    tags = record.get("tags") or []
    if isinstance(tags, str):
        tags = [t for t in (s.strip() for s in tags.replace(";", ",").split(",")) if t]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise RecordError('"tags" must be a list of strings')
    impact = record.get("impact", 1)
    if impact in (None, ""):
        impact = 1
    try:
        impact = Decimal(str(impact))
    except InvalidOperation:
        raise RecordError(f'"impact" {record.get("impact")!r} is not a number') from None
    if isinstance(record.get("impact"), bool) or not impact.is_finite() or not (0 <= impact <= 1):
        raise RecordError(f'"impact" must be between 0 and 1, got {record.get("impact")!r}')
    return Outage(service, start, end, tuple(tags), announced, impact)


@dataclass(frozen=True)
class Problem:
    """A record that could not be used: where it was and why."""

    line: int
    message: str
    source: str = ""

    def __str__(self) -> str:
        where = f"{self.source}:" if self.source else "line "
        return f"{where}{self.line}: {self.message}"


def read_records(stream: io.TextIOBase | Iterable[str], *, format: str = "jsonl",
                 source: str = "") -> Iterator[tuple[int, Any, Optional[Problem]]]:
    """(line number, record dict or None, problem or None) for each record of a JSONL or CSV stream."""
    if format == "csv":
        reader = csv.DictReader(stream)
        for row in reader:
            line = reader.line_num
            try:
                yield line, {k: v for k, v in row.items() if k is not None}, None
            except Exception as exc:  # pragma: no cover - DictReader yields plain dicts
                yield line, None, Problem(line, str(exc), source)
        return
    for line, text in enumerate(stream, start=1):
        text = text.strip()
        if not text or text.startswith("#"):
            continue
        try:
            record = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield line, None, Problem(line, f"not valid JSON: {getattr(exc, 'msg', exc)}", source)
            continue
        yield line, record, None
