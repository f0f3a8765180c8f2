"""Runtime stage: ticket and outage records (SPEC §7) read from dicts, JSON Lines or CSV, strictly checked."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import deque
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


_LINE_BREAK = re.compile(rb"(?<=\r)(?!\n)")   # a bare CR ends a line too (old Mac CSV)


def _physical_lines(lines: Iterable[bytes | str]) -> Iterator[bytes]:
    for line in lines:
        if isinstance(line, str):
            line = line.encode("utf-8", "surrogateescape")
        yield from (part for part in _LINE_BREAK.split(line) if part)


def csv_records(lines: Iterable[bytes | str]) -> Iterator[tuple[int, Optional[dict], Optional[str]]]:
    """(line, row dict by header, problem) for each row of a CSV file given as its lines, the
    line being the one the row starts on. Nothing is lost and nothing stops the reading: a line
    that is not UTF-8, a row with more or fewer values than the header has columns, a quote that
    is never closed (that row is the problem, and reading goes on at the next line) are each a
    problem of their line, with the row's values where they can be read. A byte-order mark is not
    part of the first header. Raises RecordError for a header that names a column twice."""
    pending = deque(_physical_lines(lines))
    number = 0      # the number of the last line taken
    header: Optional[list[str]] = None
    while pending:
        start = number + 1
        taken = [pending.popleft()]
        number += 1
        quotes = taken[0].count(b'"')
        while quotes % 2 and pending:   # inside a quoted value: the row goes on on the next line
            taken.append(pending.popleft())
            quotes += taken[-1].count(b'"')
            number += 1
        raw = b"".join(taken)
        if quotes % 2:   # a quote never closed: this line alone is the problem
            for line in reversed(taken[1:]):
                pending.appendleft(line)
            number = start
            yield start, None, "a quote opened on this line is never closed"
            continue
        try:
            text = raw.decode("utf-8-sig" if header is None and start == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield start, None, f"not UTF-8 text (byte {exc.start + 1} of the line)"
            continue
        if not text.strip("\r\n"):
            continue   # a blank line holds no row
        try:
            [row] = list(csv.reader([text], strict=True)) or [[]]
        except (csv.Error, ValueError) as exc:
            yield start, None, f"not a CSV row: {exc}"
            continue
        if header is None:
            header = row
            seen: dict[str, int] = {}
            for k, name in enumerate(header):
                if name in seen:
                    raise RecordError(f'the header names column "{name}" twice (columns {seen[name] + 1} and '
                                      f'{k + 1}): rename one')
                seen[name] = k
            continue
        record = dict(zip(header, row))
        if len(row) != len(header):
            yield start, record, (f"{len(row)} value{'s' * (len(row) != 1)} where the header has {len(header)} "
                                  f"columns")
            continue
        yield start, record, None


def read_records(stream: io.TextIOBase | Iterable[str], *, format: str = "jsonl",
                 source: str = "") -> Iterator[tuple[int, Any, Optional[Problem]]]:
    """(line number, record dict or None, problem or None) for each record of a JSONL or CSV stream."""
    if format == "csv":
        for line, record, problem in csv_records(stream):
            yield line, (record if problem is None else None), None if problem is None else Problem(line, problem,
                                                                                                    source)
        return
    for line, record, problem in jsonl_records(stream):
        yield line, record, None if problem is None else Problem(line, problem, source)


def jsonl_records(lines: Iterable[bytes | str], *, first: int = 1, comments: Optional[dict] = None,
                  allow_comments: bool = True) -> Iterator[tuple[int, Any, Optional[str]]]:
    """(line, record, problem) for each line of JSON Lines, numbered from `first`: bytes are
    decoded line by line (a line that is not UTF-8 is its own problem, and reading goes on), a
    blank line holds nothing, a `#` line is a comment (counted in `comments["comments"]` when
    given; read as JSON, and so a problem, unless `allow_comments`), any other line one JSON
    value or the problem of its line."""
    for line, raw in enumerate(lines, start=first):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield line, None, f"not UTF-8 text (byte {exc.start + 1} of the line)"
                continue
        text = raw.strip()
        if not text:
            continue
        if allow_comments and text.startswith("#"):
            if comments is not None:
                comments["comments"] = comments.get("comments", 0) + 1
            continue
        try:
            yield line, json.loads(text), None
        except (ValueError, RecursionError) as exc:
            yield line, None, f"not valid JSON: {getattr(exc, 'msg', exc)}"
