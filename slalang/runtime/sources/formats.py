"""Runtime stage: the tool-specific ticket sources of SPEC §12 (`jira`, `zendesk`, `servicenow`).

Each reader turns a ticket system's export into RAW EVENT ROWS, one per change, as the tool wrote
them: no status or severity mapping and no instant parsing happen here (the source declaration
does that, downstream). Every row is a dict with exactly the keys of `ROW_KEYS`:

    line      where the row came from (1-based line of the document, CSV row or JSON Lines line)
    ticket    the ticket id as text, or None when it could not be found
    at        the instant text as found (None only on problem rows)
    status    raw status name, or None
    severity  raw priority name, or None
    type      None, or "responded" (Zendesk's first public reply by someone other than the requester)
    opened    raw instant text; set on the ticket's first row only
    customer, service, tier   raw text; set on the ticket's first row only
    problem   None, or what is wrong with this document/row (the ticket's problem, downstream)

A ticket's first row carries `opened` (with `at` equal to it) and the initial status and severity;
every later row is one change at its own `at`. A bad document, line or row always yields a row with
a `problem`: nothing is dropped silently and nothing raises.

`columns` maps a field (ticket, opened, at, status, severity, customer, service, tier) to where it
is; what "where" means depends on the format (see `JIRA_COLUMNS`, `ZENDESK_COLUMNS`,
`SERVICENOW_COLUMNS`). Pure standard library.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from datetime import datetime, timezone
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Optional

ROW_KEYS = ("line", "ticket", "at", "status", "severity", "type", "opened",
            "customer", "service", "tier", "problem")
ATTRIBUTES = ("customer", "service", "tier")

# Jira: dotted paths into an issue of the REST API (GET /rest/api/3/issue/{key}?expand=changelog, or
# the `issues` of a search with expand=changelog). `at` is a path inside one changelog history.
# The field a status/priority path names (`fields.<id>...`) is also how changelog items are matched
# (their `fieldId`, or `field`), so `column status "fields.customfield_10010.value"` follows the
# changes of that custom field.
JIRA_COLUMNS = {
    "ticket": "key",
    "opened": "fields.created",
    "at": "created",
    "status": "fields.status.name",
    "severity": "fields.priority.name",
}

# Zendesk: `ticket`, `at` and `opened` are dotted paths into one ticket audit (`opened` in the audit
# holding the ticket's Create events); status, severity and the attributes name the `field_name` of
# Create/Change events (e.g. `column customer "organization_id"` or a custom field id "360012345678").
ZENDESK_COLUMNS = {
    "ticket": "ticket_id",
    "at": "created_at",
    "opened": "created_at",
    "status": "status",
    "severity": "priority",
}

# ServiceNow sys_audit: `ticket` and `at` are column names of the export; status, severity, opened
# and the attributes name audited fields (the `fieldname` whose `newvalue` carries the value). Without
# a `status` column both `state` and `incident_state` are read (only `state` for a ticket that has
# both: the two move together on incidents). Without an `opened` column the ticket opens at its
# `number`/`sys_id` insert row, else at its first audit row.
SERVICENOW_COLUMNS = {
    "ticket": "documentkey",
    "at": "sys_created_on",
    "status": "state",
    "severity": "priority",
}
_SERVICENOW_STATUS_FIELDS = ("state", "incident_state")
_SERVICENOW_INSERT_FIELDS = ("number", "sys_id")

InstantKey = Callable[[str], Any]
Triple = tuple[int, Any, Any]

_WS = re.compile(r"[ \t\n\r]*")
_BAD_BYTE = re.compile("[\udc80-\udcff]")   # what surrogateescape makes of bytes that are not UTF-8
_DECODER = json.JSONDecoder()
_KIND_ORDER = {"status": 0, "severity": 1, "responded": 2}


# --------------------------------------------------------------------------------------------
# rows and values

def _row(line: int, ticket: Optional[str] = None, *, at: Optional[str] = None,
         status: Optional[str] = None, severity: Optional[str] = None, type: Optional[str] = None,
         opened: Optional[str] = None, customer: Optional[str] = None, service: Optional[str] = None,
         tier: Optional[str] = None, problem: Optional[str] = None) -> dict:
    return {"line": line, "ticket": ticket, "at": at, "status": status, "severity": severity,
            "type": type, "opened": opened, "customer": customer, "service": service, "tier": tier,
            "problem": problem}


class _NotText(ValueError):
    """A value that is an object or a list where text was expected."""


_MISSING = object()


def _lookup(doc: Any, path: str) -> Any:
    """The value at a dotted path (`fields.priority.name`, `fields.customfield_10002.0.name`); a key
    that itself contains dots (a CSV header) is found as it is. _MISSING when absent."""
    if isinstance(doc, dict) and path in doc:
        return doc[path]
    node = doc
    for part in path.split("."):
        if isinstance(node, dict):
            if part not in node:
                return _MISSING
            node = node[part]
        elif isinstance(node, list) and part.lstrip("-").isdigit():
            index = int(part)
            if not -len(node) <= index < len(node):
                return _MISSING
            node = node[index]
        else:
            return _MISSING
    return node


def _raw(value: Any) -> Optional[str]:
    """A JSON/CSV scalar as raw text: None and "" are None, numbers keep their JSON spelling."""
    if value is None or value is _MISSING:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    raise _NotText("an object" if isinstance(value, dict) else "a list")


def _text_at(doc: Any, path: str, field: str) -> tuple[Optional[str], Optional[str]]:
    """(raw text at path, problem): the problem says when the path leads to an object or a list."""
    value = _lookup(doc, path)
    try:
        return _raw(value), None
    except _NotText as exc:
        hint = f"{path}.name" if isinstance(value, dict) else f"{path}.0.name"
        return None, (f'{field} "{path}" is {exc}, not text: name a field inside it '
                      f'(for example "{hint}")')


def _columns(columns: Optional[dict[str, str]]) -> dict[str, str]:
    """The source's column statements; `column id` is another name of `column ticket` (as in §7)."""
    columns = dict(columns or {})
    if "ticket" not in columns and "id" in columns:
        columns["ticket"] = columns["id"]
    return columns


def _problem_text(problem: Any) -> str:
    if isinstance(problem, str):
        return problem
    message = getattr(problem, "message", None)   # slalang.runtime.records.Problem
    return message if isinstance(message, str) else str(problem)


def _upstream_problem(line: int, document: Any, problem: Any, ticket_path: str) -> dict:
    """The row of a (line, document, problem) triple that arrived with a problem (or no document)."""
    ticket = None
    if isinstance(document, dict):
        try:
            ticket = _raw(_lookup(document, ticket_path))
        except _NotText:
            ticket = None
    text = _problem_text(problem) if problem is not None else "empty document"
    return _row(line, ticket, problem=text)


# --------------------------------------------------------------------------------------------
# ordering of raw instants

def _iso_order(text: str) -> Any:
    """Best-effort chronological key of an ISO 8601 instant (offset or Z; naive taken as UTC).
    Raises ValueError for anything else."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def _order_key(instant_key: Optional[InstantKey]) -> Callable[[Optional[str]], tuple]:
    """A sort key over raw instant texts: instants the key understands in time order, then those it
    does not (in text order), then missing ones. The key never raises."""
    parse = instant_key or _iso_order

    def key(text: Optional[str]) -> tuple:
        if text is None:
            return (2, "")
        try:
            value = parse(text)
        except Exception:  # noqa: BLE001 - an unreadable instant is the caller's problem, not ours
            value = None
        if value is None:
            return (1, text)
        return (0, value)

    return key


# --------------------------------------------------------------------------------------------
# JSON exports

def _decode(data: Any) -> str:
    """Bytes as text; bytes that are not UTF-8 survive as lone surrogates (_BAD_BYTE finds them)."""
    if isinstance(data, str):
        return data[1:] if data.startswith("\ufeff") else data
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    return data.decode("utf-8", "surrogateescape")


def _bad_byte(match: "re.Match[str]") -> str:
    return f"0x{ord(match.group()) - 0xDC00:02X}"


class _LineOf:
    """Line number of a position in a text; cheap for positions met in increasing order."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.line = text, 0, 1

    def __call__(self, pos: int) -> int:
        if pos < self.pos:
            return self.text.count("\n", 0, pos) + 1
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.line

    def column(self, pos: int) -> int:
        return pos - (self.text.rfind("\n", 0, pos) + 1) + 1


class _Broken(Exception):
    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos, self.message = pos, message


def _complete_value(text: str) -> Optional[Any]:
    """The JSON value a line holds on its own, or None."""
    text = text.strip()
    if not text or text[0] not in "{[":
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _looks_like_json_lines(text: str, start: int) -> bool:
    """Whether the text is JSON Lines (one value a line) rather than one JSON document spread over
    lines: its first non-blank line holds a whole value, or (that line being broken) its second one
    holds a whole object. A line of a pretty-printed document never does (`"key": ...`, `{`, `},`)."""
    def lines() -> Iterator[str]:
        pos = start
        while pos < len(text):
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            if text[pos:end].strip():
                yield text[pos:end]
            pos = end + 1

    lines = lines()
    first = next(lines, "")
    if _complete_value(first) is not None:
        return True
    second = next(lines, None)
    return second is not None and isinstance(_complete_value(second), dict)


def _json_lines(text: str, key: str) -> Iterator[Triple]:
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        bad = _BAD_BYTE.search(raw)
        if bad:
            yield number, None, (f"line is not UTF-8 text (byte {_bad_byte(bad)} at character "
                                 f"{bad.start() + 1})")
            continue
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as exc:
            column = exc.colno + len(raw) - len(raw.lstrip())
            yield number, None, f"line is not valid JSON: {exc.msg} at column {column}"
            continue
        except RecursionError:
            yield number, None, "line is not valid JSON: it nests too deep"
            continue
        yield from _expand(number, value, key)


def _expand(line: int, value: Any, key: str) -> Iterator[Triple]:
    """The documents a whole JSON value holds: the list under `key`, a list, or the value itself."""
    if isinstance(value, dict) and key in value:
        items = value[key]
        if not isinstance(items, list):
            yield line, None, f'"{key}" is not a list of documents'
            return
        for item in items:
            yield line, item, None
    elif isinstance(value, list):
        for item in value:
            yield line, item, None
    else:
        yield line, value, None


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()


def _value_at(text: str, pos: int) -> tuple[Any, int]:
    if pos >= len(text):
        raise _Broken(pos, "the file ends early")
    try:
        return _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        raise _Broken(exc.pos, exc.msg) from None
    except RecursionError:
        raise _Broken(pos, "the JSON nests too deep") from None


def _array_items(text: str, pos: int, line_of: _LineOf, what: Callable[[int], str]) -> Iterator[Any]:
    """Yield (line, element, problem) of the array opening at text[pos] == "[", one element at a
    time (so the elements before a syntax error are kept); returns the position after it."""
    pos = _skip(text, pos + 1)
    if text.startswith("]", pos):
        return pos + 1
    index = 0
    while True:
        index += 1
        start = pos
        value, pos = _value_at(text, pos)
        line = line_of(start)
        bad = _BAD_BYTE.search(text, start, pos)
        if bad:
            yield line, None, (f"{what(index)} is not UTF-8 text (byte {_bad_byte(bad)} at line "
                               f"{line_of(bad.start())} column {line_of.column(bad.start())})")
        else:
            yield line, value, None
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
        elif text.startswith("]", pos):
            return pos + 1
        else:
            raise _Broken(pos, "expecting ',' or ']' after an element")


def _whole_document(text: str, start: int, key: str, line_of: _LineOf) -> Iterator[Triple]:
    """The documents of one JSON value spread over lines: an object with a list under `key` (each
    element at the line where it starts), a list of documents, or one object that is a document."""
    pos = start
    if text.startswith("[", pos):
        pos = yield from _array_items(text, pos, line_of, "element {}".format)
    elif text.startswith("{", pos):
        members: dict[str, Any] = {}
        expanded = False
        pos = _skip(text, pos + 1)
        if text.startswith("}", pos):
            pos += 1
        else:
            while True:
                if not text.startswith('"', pos):
                    raise _Broken(pos, "expecting a property name in double quotes")
                name, pos = _value_at(text, pos)
                pos = _skip(text, pos)
                if not text.startswith(":", pos):
                    raise _Broken(pos, "expecting ':' after a property name")
                pos = _skip(text, pos + 1)
                if name == key and text.startswith("[", pos):
                    expanded = True
                    pos = yield from _array_items(text, pos, line_of, lambda i: f'element {i} of "{key}"')
                else:
                    members[name], pos = _value_at(text, pos)
                pos = _skip(text, pos)
                if text.startswith(",", pos):
                    pos = _skip(text, pos + 1)
                elif text.startswith("}", pos):
                    pos += 1
                    break
                else:
                    raise _Broken(pos, "expecting ',' or '}' after a property")
        if not expanded:
            if key in members:
                yield line_of(start), None, f'"{key}" is not a list of documents'
            else:
                bad = _BAD_BYTE.search(text, start, pos)
                if bad:
                    yield line_of(start), None, (
                        f"the document is not UTF-8 text (byte {_bad_byte(bad)} at line "
                        f"{line_of(bad.start())} column {line_of.column(bad.start())})")
                else:
                    yield line_of(start), members, None
    else:
        value, pos = _value_at(text, pos)
        kind = {str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")
        yield line_of(start), None, f"the file holds {kind}, not JSON documents"
    pos = _skip(text, pos)
    if pos < len(text):
        raise _Broken(pos, "unexpected text after the JSON document")


def _json_text_documents(text: str, name: str, key: str) -> Iterator[Triple]:
    start = _skip(text, 0)
    if start >= len(text):
        return
    if _looks_like_json_lines(text, start):
        yield from _json_lines(text, key)
        return
    line_of = _LineOf(text)
    try:
        yield from _whole_document(text, start, key, line_of)
    except _Broken as exc:
        line = line_of(exc.pos)
        where = f"line {line} column {line_of.column(exc.pos)}"
        yield line, None, (f"not valid JSON at {where}: {exc.message}; the rest of "
                           f"{name or 'the file'} from there could not be read")


def json_documents(stream: BinaryIO, name: str, key: str) -> Iterator[tuple[int, object, Optional[str]]]:
    """(line, document, problem) for every document of a JSON export.

    Shapes: a whole-file JSON object with a list under `key` ("issues" for Jira, "audits" for
    Zendesk, "result" for ServiceNow's Table API): each element, at the line where it starts; a
    whole-file JSON list: each element; a single JSON object without `key`: that object; JSON Lines
    (one value a line, blank and `#` lines skipped): each line's value, a line holding an object with
    a list under `key` giving each element at that line. A line that is not JSON or not UTF-8 gives
    (line, None, problem); a syntax error in a whole-file document gives the elements before it and
    then one problem at the error. Never raises on bad content."""
    yield from _json_text_documents(_decode(stream.read()), name, key)


# --------------------------------------------------------------------------------------------
# Jira

def _jira_field_id(path: str) -> str:
    """The Jira field a column path names: `fields.priority.name` -> `priority`."""
    parts = path.split(".")
    return parts[1] if parts[0] == "fields" and len(parts) > 1 else parts[0]


def _history_name(index: int, history: Any) -> str:
    if isinstance(history, dict) and _raw_or_none(history.get("id")) is not None:
        return f'changelog history {index} (id {_raw_or_none(history.get("id"))})'
    return f"changelog history {index}"


def _raw_or_none(value: Any) -> Optional[str]:
    try:
        return _raw(value)
    except _NotText:
        return None


def _initial_and_changes(changes: list[tuple], current: Optional[str]) -> tuple[Optional[str], list[tuple]]:
    """The initial value of a field and the changes that follow it. `changes` are sorted tuples whose
    last two items are (from, to): the first change's `from` is the initial value when it is not
    empty; an empty one means the field was first set by that change, so its `to` is the initial
    value (and the change is no change). Without changes the current value is the initial one."""
    if not changes:
        return current, []
    first_from, first_to = changes[0][-2], changes[0][-1]
    if first_from is None:
        return first_to, changes[1:]
    return first_from, changes


def _jira_issue(line: int, issue: Any, paths: dict[str, str], order: Callable) -> Iterator[dict]:
    if not isinstance(issue, dict):
        yield _row(line, problem=f"an issue must be a JSON object, not {type(issue).__name__}")
        return
    ticket, bad = _text_at(issue, paths["ticket"], "ticket")
    if ticket is None:
        yield _row(line, problem=bad or f'the issue has no ticket key at "{paths["ticket"]}"')
        return
    fatal: list[str] = []
    opened, bad = _text_at(issue, paths["opened"], "opened")
    if opened is None:
        fatal.append(bad or f'the issue has no opened instant at "{paths["opened"]}"')
    current_status, bad = _text_at(issue, paths["status"], "status")
    if bad:
        fatal.append(bad)
    current_severity, bad = _text_at(issue, paths["severity"], "severity")
    if bad:
        fatal.append(bad)
    attributes: dict[str, Optional[str]] = {}
    for field in ATTRIBUTES:
        if field in paths:
            attributes[field], bad = _text_at(issue, paths[field], field)
            if bad:
                fatal.append(bad)
    changelog = issue.get("changelog")
    histories = changelog.get("histories") if isinstance(changelog, dict) else None
    if not isinstance(histories, list):
        fatal.append('the issue has no "changelog.histories": export issues with expand=changelog')
    else:
        start, total = changelog.get("startAt") or 0, changelog.get("total")
        start = start if isinstance(start, int) else 0
        total = total if isinstance(total, int) and not isinstance(total, bool) else None
        if start > 0 or (total is not None and total > len(histories)):
            fatal.append(f"the changelog is incomplete: it holds {len(histories)} histories from "
                         f"{start + 1}, of {total if total is not None else 'more'} (Jira sends a long "
                         f"changelog in pages); put the whole changelog of {ticket} "
                         f"(GET /rest/api/3/issue/{ticket}/changelog) in changelog.histories")
    if fatal:
        for problem in fatal:
            yield _row(line, ticket, problem=problem)
        return

    status_id, priority_id = _jira_field_id(paths["status"]), _jira_field_id(paths["severity"])
    problems: list[str] = []
    changes: dict[str, list[tuple]] = {"status": [], "severity": []}
    for h_index, history in enumerate(histories, start=1):
        where = _history_name(h_index, history)
        if not isinstance(history, dict):
            problems.append(f"{where} is not a JSON object")
            continue
        items = history.get("items")
        if not isinstance(items, list):
            problems.append(f'{where} has no "items" list')
            continue
        found = []
        for i_index, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                problems.append(f"{where}: item {i_index} is not a JSON object")
                continue
            names = (item.get("fieldId"), item.get("field"))
            kind = "status" if status_id in names else "severity" if priority_id in names else None
            if kind is None:
                continue
            label = "status" if kind == "status" else "priority"
            try:
                to, frm = _raw(item.get("toString")), _raw(item.get("fromString"))
            except _NotText:
                problems.append(f'{where}: the {label} item\'s "fromString"/"toString" is not text')
                continue
            if to is None:
                problems.append(f'{where} sets the {label} to nothing (no "toString")')
                continue
            found.append((kind, i_index, frm, to))
        if not found:
            continue
        at, bad = _text_at(history, paths["at"], "at")
        if at is None:
            problems.append(bad or f'{where} has no "{paths["at"]}" instant')
            continue
        for kind, i_index, frm, to in found:
            changes[kind].append((order(at), h_index, _KIND_ORDER[kind], i_index, at, frm, to))
    for kind in changes:
        changes[kind].sort(key=lambda c: c[:4])
    initial_status, status_changes = _initial_and_changes(changes["status"], current_status)
    initial_severity, severity_changes = _initial_and_changes(changes["severity"], current_severity)

    yield _row(line, ticket, at=opened, opened=opened, status=initial_status,
               severity=initial_severity, **attributes)
    for change in sorted(status_changes + severity_changes, key=lambda c: c[:4]):
        kind, at, to = ("status" if change[2] == 0 else "severity"), change[4], change[6]
        yield _row(line, ticket, at=at, **{kind: to})
    for problem in problems:
        yield _row(line, ticket, problem=problem)


def jira_rows(documents: Iterable[Triple], columns: dict[str, str], *,
              instant_key: Optional[InstantKey] = None) -> Iterator[dict]:
    """Raw event rows of Jira issues (REST JSON with the changelog expanded), issue by issue.

    The first row of an issue: at = opened = `fields.created`, the initial status (the `fromString`
    of the earliest status change, else `fields.status.name`) and the initial priority (likewise).
    Then one row per status or priority item of `changelog.histories[]`, at the history's `created`,
    histories in time order (stable), a history's status items before its priority items.
    `instant_key` (optional) orders raw instant texts; the default understands ISO 8601."""
    paths = {**JIRA_COLUMNS, **_columns(columns)}
    order = _order_key(instant_key)
    for line, document, problem in documents:
        if problem is not None or document is None:
            yield _upstream_problem(line, document, problem, paths["ticket"])
            continue
        yield from _jira_issue(line, document, paths, order)


# --------------------------------------------------------------------------------------------
# Zendesk

def _audit_name(audit: dict) -> str:
    audit_id = _raw_or_none(audit.get("id"))
    return f"audit {audit_id}" if audit_id is not None else "an audit"


def _zendesk_ticket(ticket: str, audits: list[tuple], paths: dict[str, str]) -> Iterator[dict]:
    """Rows of one ticket from its audits, sorted: (key, seq, line, at, audit)."""
    problems: list[tuple[int, str]] = []
    create = next((a for a in audits
                   if any(isinstance(e, dict) and e.get("type") == "Create" for e in a[4]["events"])),
                  None)
    if create is None:
        yield _row(audits[0][2], ticket, problem=(
            "the ticket has no audit with Create events (its first audit is missing from the "
            "export), so its opened instant and initial status are unknown"))
        return
    status_field, priority_field = paths["status"], paths["severity"]
    attribute_fields = {paths[a]: a for a in ATTRIBUTES if a in paths}
    initial: dict[str, Optional[str]] = {"status": None, "severity": None}
    attributes: dict[str, Optional[str]] = {}
    requester: Optional[str] = None
    create_line, create_audit = create[2], create[4]
    opened, bad = _text_at(create_audit, paths["opened"], "opened")
    if opened is None:
        yield _row(create_line, ticket, problem=bad or (
            f'{_audit_name(create_audit)} (the Create audit) has no "{paths["opened"]}" instant'))
        return
    for event in create_audit["events"]:
        if not isinstance(event, dict) or event.get("type") != "Create":
            continue
        field = event.get("field_name")
        try:
            value = _raw(event.get("value"))
        except _NotText:
            if field in (status_field, priority_field, "requester_id") or field in attribute_fields:
                problems.append((create_line, f'{_audit_name(create_audit)} creates "{field}" with '
                                              "a value that is not text"))
            continue
        if field == status_field:
            initial["status"] = value
        elif field == priority_field:
            initial["severity"] = value
        if field == "requester_id":
            requester = value
        if field in attribute_fields:
            attributes[attribute_fields[field]] = value

    changes: list[dict] = []
    responded = False
    for _, _, line, at, audit in audits:
        name = _audit_name(audit)
        found: list[dict] = []
        comments: list[dict] = []
        for index, event in enumerate(audit["events"], start=1):
            if not isinstance(event, dict):
                problems.append((line, f"{name}: event {index} is not a JSON object"))
                continue
            kind = event.get("type")
            if kind == "Comment":
                comments.append(event)
                continue
            if kind != "Change" and not (kind == "Create" and audit is not create_audit):
                continue
            field = event.get("field_name")
            relevant = field in (status_field, priority_field, "requester_id") or field in attribute_fields
            if not relevant:
                continue
            try:
                value = _raw(event.get("value"))
            except _NotText:
                problems.append((line, f'{name} sets "{field}" to a value that is not text'))
                continue
            if field == "requester_id":
                requester = value
            if field in attribute_fields and attributes.get(attribute_fields[field]) is None:
                attributes[attribute_fields[field]] = value
            if field in (status_field, priority_field):
                label = "status" if field == status_field else "priority"
                if value is None:
                    problems.append((line, f"{name} sets the {label} to nothing"))
                    continue
                found.append(_row(line, ticket, at=at, **{("status" if label == "status" else "severity"): value}))
        found.sort(key=lambda r: 0 if r["status"] is not None else 1)
        changes.extend(found)
        if responded or audit is create_audit:
            continue   # the comment that opens the ticket is the request, never its response
        for event in comments:
            author = _raw_or_none(event.get("author_id")) or _raw_or_none(audit.get("author_id"))
            if event.get("public") is True and author != requester:
                changes.append(_row(line, ticket, at=at, type="responded"))
                responded = True
                break

    yield _row(create_line, ticket, at=opened, opened=opened, status=initial["status"],
               severity=initial["severity"], **attributes)
    yield from changes
    for line, problem in problems:
        yield _row(line, ticket, problem=problem)


def zendesk_rows(documents: Iterable[Triple], columns: dict[str, str], *,
                 instant_key: Optional[InstantKey] = None) -> Iterator[dict]:
    """Raw event rows of Zendesk ticket audits, ticket by ticket (in order of first appearance).

    Audits of a ticket may be interleaved with other tickets' and unsorted: they are gathered per
    `ticket_id` and ordered by `created_at` (stable). The audit with Create events gives the first
    row: at = opened = its `created_at`, the Create `status` and `priority` values; the requester is
    its Create `requester_id` (followed through later Change events). Change events of status and
    priority give one row each (status first within an audit); the first public Comment by an author
    other than the requester, outside the Create audit, gives a row of type "responded"."""
    paths = {**ZENDESK_COLUMNS, **_columns(columns)}
    order = _order_key(instant_key)
    tickets: dict[str, list[tuple]] = {}
    late_problems: dict[str, list[dict]] = {}
    for seq, (line, audit, problem) in enumerate(documents):
        if problem is not None or audit is None:
            yield _upstream_problem(line, audit, problem, paths["ticket"])
            continue
        if not isinstance(audit, dict):
            yield _row(line, problem=f"an audit must be a JSON object, not {type(audit).__name__}")
            continue
        ticket, bad = _text_at(audit, paths["ticket"], "ticket")
        if ticket is None:
            yield _row(line, problem=bad or f'{_audit_name(audit)} has no ticket id at "{paths["ticket"]}"')
            continue
        at, bad = _text_at(audit, paths["at"], "at")
        problem_text = None
        if not isinstance(audit.get("events"), list):
            problem_text = f'{_audit_name(audit)} has no "events" list'
        elif at is None:
            problem_text = bad or f'{_audit_name(audit)} has no "{paths["at"]}" instant'
        if problem_text:
            tickets.setdefault(ticket, [])
            late_problems.setdefault(ticket, []).append(_row(line, ticket, problem=problem_text))
            continue
        tickets.setdefault(ticket, []).append((order(at), seq, line, at, audit))
    for ticket, audits in tickets.items():
        if audits:
            audits.sort(key=lambda a: a[:2])
            yield from _zendesk_ticket(ticket, audits, paths)
        yield from late_problems.get(ticket, ())


# --------------------------------------------------------------------------------------------
# ServiceNow

def _servicenow_ticket(ticket: str, rows: list[tuple], fields: dict[str, Any]) -> Iterator[dict]:
    """Rows of one ticket from its sys_audit rows, sorted: (key, seq, line, at, fieldname, old, new)."""
    problems: list[tuple[int, str]] = []
    present = {r[4] for r in rows}
    status_fields = fields["status"]
    if len(status_fields) > 1:   # default: `state`, or `incident_state` for a ticket without it
        status_fields = tuple(f for f in status_fields if f in present)[:1]

    # opened: the `opened` field's value, else the insert row's instant, else the first row's
    found = None
    if fields["opened"] is not None:
        found = next(((r[2], r[6]) for r in rows if r[4] == fields["opened"] and r[6] is not None), None)
    if found is None:
        found = next(((r[2], r[3]) for r in rows if r[4] in _SERVICENOW_INSERT_FIELDS), None)
    first_line, opened = found or (rows[0][2], rows[0][3])

    attributes: dict[str, Optional[str]] = {}
    for attribute, fieldname in fields["attributes"].items():
        attributes[attribute] = next((r[6] for r in rows if r[4] == fieldname and r[6] is not None), None)

    initial: dict[str, Optional[str]] = {}
    changes: list[tuple] = []
    for kind, names in (("status", status_fields), ("severity", fields["severity"])):
        audits = [r for r in rows if r[4] in names]
        initial[kind] = None
        for index, (key, seq, line, at, fieldname, old, new) in enumerate(audits):
            if index == 0:
                initial[kind] = old if old is not None else new
                if old is None:
                    continue   # the value the ticket was inserted with
            if new is None:
                problems.append((line, f'the {fieldname} audit row at {at} sets {fieldname} to nothing'))
                continue
            changes.append((key, _KIND_ORDER[kind], seq, line, at, kind, new))
    changes.sort(key=lambda c: c[:3])

    yield _row(first_line, ticket, at=opened, opened=opened, status=initial["status"],
               severity=initial["severity"], **attributes)
    for _, _, _, line, at, kind, new in changes:
        yield _row(line, ticket, at=at, **{kind: new})
    for line, problem in problems:
        yield _row(line, ticket, problem=problem)


def servicenow_rows(records: Iterable[Triple], columns: dict[str, str], *,
                    instant_key: Optional[InstantKey] = None) -> Iterator[dict]:
    """Raw event rows of a ServiceNow `sys_audit` export (CSV rows as dicts, or JSON objects), ticket
    by ticket (`documentkey`, in order of first appearance).

    Rows of tickets are interleaved and unsorted: they are gathered per ticket and ordered by
    `sys_created_on` (stable). fieldname `state`/`incident_state` is a status change to `newvalue`,
    `priority` a severity change; the first such audit of a ticket gives the initial value (its
    `oldvalue` when not empty, the change then following; else its `newvalue`, the value the ticket
    was inserted with). The ticket opens at its `number`/`sys_id` audit row (written at insert), else
    at its first audit row. Other fieldnames are ignored; a ticket seen only through them is none."""
    columns = _columns(columns)
    ticket_column = columns.get("ticket", SERVICENOW_COLUMNS["ticket"])
    at_column = columns.get("at", SERVICENOW_COLUMNS["at"])
    fields = {
        "status": (columns["status"],) if "status" in columns else _SERVICENOW_STATUS_FIELDS,
        "severity": (columns.get("severity", SERVICENOW_COLUMNS["severity"]),),
        "opened": columns.get("opened"),
        "attributes": {a: columns[a] for a in ATTRIBUTES if a in columns},
    }
    relevant = {*fields["status"], *fields["severity"], *_SERVICENOW_INSERT_FIELDS,
                *fields["attributes"].values()}
    if fields["opened"] is not None:
        relevant.add(fields["opened"])
    order = _order_key(instant_key)
    tickets: dict[str, list[tuple]] = {}
    others: dict[str, list[tuple]] = {}      # rows of other fieldnames: only their instants count
    late_problems: dict[str, list[dict]] = {}
    for seq, (line, record, problem) in enumerate(records):
        if problem is not None or record is None:
            yield _upstream_problem(line, record, problem, ticket_column)
            continue
        if not isinstance(record, dict):
            yield _row(line, problem=f"a sys_audit row must be an object, not {type(record).__name__}")
            continue
        try:
            fieldname = _raw(_lookup(record, "fieldname"))
            ticket = _raw(_lookup(record, ticket_column))
            at = _raw(_lookup(record, at_column))
            old = _raw(_lookup(record, "oldvalue"))
            new = _raw(_lookup(record, "newvalue"))
        except _NotText:
            yield _row(line, problem="the sys_audit row has a value that is not text")
            continue
        if fieldname is None:
            yield _row(line, ticket, problem='the row has no "fieldname": is this a sys_audit export?')
            continue
        if fieldname not in relevant:
            if ticket is not None and at is not None:
                others.setdefault(ticket, []).append((order(at), seq, line, at, fieldname, old, new))
            continue
        if ticket is None:
            yield _row(line, problem=f'the {fieldname} audit row has no "{ticket_column}"')
            continue
        if at is None:
            late_problems.setdefault(ticket, []).append(
                _row(line, ticket, problem=f'the {fieldname} audit row has no "{at_column}" instant'))
            tickets.setdefault(ticket, [])
            continue
        tickets.setdefault(ticket, []).append((order(at), seq, line, at, fieldname, old, new))
    for ticket, rows in tickets.items():
        if rows:
            rows.sort(key=lambda r: r[:2])
            first_other = min(others.get(ticket, ()), key=lambda r: r[:2], default=None)
            if first_other is not None and first_other[:2] < rows[0][:2]:
                rows.insert(0, first_other[:4] + ("", None, None))   # only its instant: the first audit row
            yield from _servicenow_ticket(ticket, rows, fields)
        yield from late_problems.get(ticket, ())


def servicenow_records(stream: BinaryIO, name: str) -> Iterator[tuple[int, object, Optional[str]]]:
    """(line, record, problem) of a sys_audit export file, for `servicenow_rows`: CSV with a header
    row (the list view's Export > CSV), or JSON (`{"result": [...]}` of the Table API,
    `{"records": [...]}` of JSONv2, a list, or JSON Lines). A CSV row that is not UTF-8 or whose
    cell count differs from the header's gives a problem; lines are CSV line numbers (the row's
    last line, as csv counts them)."""
    text = _decode(stream.read())
    head = text.lstrip()[:1]
    if head in ("{", "["):
        key = "records" if re.match(r'\s*\{\s*"records"\s*:', text) else "result"
        yield from _json_text_documents(text, name, key)
        return
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, None, (f"not valid CSV: {exc}; the rest of {name or 'the file'} "
                                          "could not be read")
            return
        line = reader.line_num
        bad = next((m for m in (_BAD_BYTE.search(v) for v in row.values() if isinstance(v, str)) if m), None)
        if bad is None and isinstance(row.get(None), list):
            bad = next((m for m in (_BAD_BYTE.search(v) for v in row[None]) if m), None)
        if bad:
            yield line, None, f"the row is not UTF-8 text (byte {_bad_byte(bad)})"
        elif None in row:
            yield line, None, (f"the row has {len(reader.fieldnames or ()) + len(row[None])} cells, the "
                               f"header {len(reader.fieldnames or ())}")
        elif any(v is None for v in row.values()):
            cells = sum(v is not None for v in row.values())
            yield line, None, f"the row has {cells} cells, the header {len(row)}"
        else:
            yield line, row, None
