"""Runtime stage: ticket input as columns — the one shape the kernel reads, from §7 dicts,
parsed tickets or Arrow.

A `TicketColumns` holds n tickets as arrays (ids, initial severity, opened instant, the terms
key, and every event flat in ticket order as instant, code and value) plus the problem of
each record that cannot be evaluated. Dicts in the common shape are read column by column;
any other record is read by `parse_ticket`, which either words its problem or gives a ticket
that joins the columns: either way the kernel evaluates it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import chain, count, repeat
from typing import Any, Optional

import numpy as np

from slalang.runtime.errors import InstantError, RecordError
from slalang.runtime.instants import instants_us
from slalang.runtime.tickets.rules import CANCELLED, CANCELLED_STATUS, MIN, SEV, STATUS, TYPE_CODES


@dataclass
class TicketColumns:
    """n tickets as columns. Events are flat, grouped by ticket in order (`counts` per ticket)."""

    ids: Any                      # list[str], or a pyarrow string array
    sev: np.ndarray               # initial severity index (-1 for a problem row)
    opened: np.ndarray            # epoch µs
    key_of: np.ndarray            # index into `keys`
    keys: list                    # ("tier", name) | ("contract", customer, service) | ("bad",)
    counts: np.ndarray            # events per ticket
    ev_t: np.ndarray              # epoch µs
    ev_code: np.ndarray           # rules.NOOP.. CANCELLED
    ev_val: np.ndarray            # severity index, or status index into `statuses` (0 for CANCELLED)
    statuses: list[str]
    problems: dict[int, str] = field(default_factory=dict)     # row -> why it cannot be evaluated
    raw_severity: dict[int, str] = field(default_factory=dict)  # row -> severity as given (problem rows)
    unnamed: set = field(default_factory=set)    # rows with no id: named `#POSITION` (1-based in the input)
    first: int = 0                               # the position of row 0 in the whole input

    @property
    def n(self) -> int:
        return int(self.opened.size)

    def id_list(self) -> list[str]:
        return self.ids if isinstance(self.ids, list) else self.ids.to_pylist()

    def rows(self, lo: int, hi: int) -> "TicketColumns":
        """Tickets lo..hi-1 as columns of their own (their events with them; positions from 0)."""
        ev_lo, ev_hi = int(self.counts[:lo].sum()), int(self.counts[:hi].sum())
        part = TicketColumns(
            self.id_list()[lo:hi], self.sev[lo:hi].copy(), self.opened[lo:hi].copy(), self.key_of[lo:hi].copy(),
            self.keys, self.counts[lo:hi].copy(), self.ev_t[ev_lo:ev_hi], self.ev_code[ev_lo:ev_hi],
            self.ev_val[ev_lo:ev_hi], self.statuses,
            {r - lo: text for r, text in self.problems.items() if lo <= r < hi},
            {r - lo: text for r, text in self.raw_severity.items() if lo <= r < hi},
            {r - lo for r in self.unnamed if lo <= r < hi}, self.first + lo)
        return part


# What a column pass may raise when some record in it is of a rare shape (not a dict, or holding
# an unhashable value): the records of that stretch are then read again in halves.
_SHAPE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError)
_NO_EVENTS: list = []


def event_kind(triple: tuple, sev_index: dict, status_index: dict) -> tuple[int, int]:
    """(code, value) of an event from its (status, type, severity) fields; code -1 unless exactly
    one is given and valid (the scalar path then words what is wrong)."""
    given = [(i, v) for i, v in enumerate(triple) if v is not None and v != ""]
    if len(given) != 1 or type(given[0][1]) is not str:
        return -1, 0
    kind, value = given[0]
    if kind == 0:
        return status_code(value, status_index)
    if kind == 1:
        return TYPE_CODES.get(value, -1), 0
    return (SEV, sev_index[value]) if value in sev_index else (-1, 0)


def status_code(value: str, status_index: dict) -> tuple[int, int]:
    """(code, value) of a status event: the built-in `cancelled` cancels the ticket; any other
    status is indexed into `status_index` (whether it pauses is the terms' business)."""
    if value == CANCELLED_STATUS:
        return CANCELLED, 0
    return STATUS, status_index.setdefault(value, len(status_index))


def _text_like(values: list) -> Optional[list]:
    """None if every value is a string (or absent); else which are not what `parse_ticket` takes
    as text (a string or an integer; None counts as absent)."""
    if set(map(type, values)) <= {str, type(None)}:
        return None
    return [v is not None and type(v) is not str and type(v) is not int for v in values]


def _events_of(value):
    """A record's events as a list, or None if they are not one (a CSV cell holds JSON text)."""
    if value is None or value == "":
        return _NO_EVENTS
    if type(value) is str:
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return None
    return value if type(value) is list else None


def _dict_columns(records: list, sev_index: dict, status_index: dict, key_ids: dict) -> dict:
    """The fields of records, column by column: a few C-level passes over the records instead of
    Python code per record. `bad` marks records to judge one by one (a missing or unknown value,
    a value of the wrong type, an event that is not an object). Raises one of _SHAPE_ERRORS only
    for rarer shapes (a record that is not a dict, an unhashable value); `_gather` then narrows
    down which."""
    n = len(records)
    bad = np.zeros(n, dtype=bool)
    if any(map(dict.get, records, repeat("problem"))):   # records a source could not read
        bad |= np.array([r.get("problem") not in (None, "") for r in records], dtype=bool)
    ids = list(map(dict.get, records, repeat("id")))
    if set(map(type, ids)) != {str} or "" in ids:
        bad |= np.array([not ((type(v) is str and v != "") or type(v) is int) for v in ids], dtype=bool)
        ids = [v if type(v) is str else str(v) for v in ids]
    sev = np.fromiter(map(sev_index.get, map(dict.get, records, repeat("severity")), repeat(-1)), np.int64, n)
    bad |= sev < 0
    opened = list(map(dict.get, records, repeat("opened")))
    tiers = list(map(dict.get, records, repeat("tier")))
    customers = list(map(dict.get, records, repeat("customer")))
    services = list(map(dict.get, records, repeat("service")))
    for column in (tiers, customers, services):
        wrong = _text_like(column)
        if wrong is not None:
            bad |= np.array(wrong, dtype=bool)
    if tiers[0] and tiers.count(tiers[0]) == n and not bad.any():
        key_of = np.full(n, key_ids.setdefault(("tier", _str(tiers[0])), len(key_ids)), dtype=np.int64)
    else:
        keys = [("bad",) if b else ticket_key(_str(t), _str(c), _str(v))
                for b, t, c, v in zip(bad.tolist(), tiers, customers, services)]
        key_of = np.array([key_ids.setdefault(k, len(key_ids)) for k in keys], dtype=np.int64)
    events = list(map(dict.get, records, repeat("events"), repeat(_NO_EVENTS)))
    if set(map(type, events)) != {list}:
        events = list(map(_events_of, events))
        unusable = np.array([e is None for e in events], dtype=bool)
        bad |= unusable
        if unusable.any():
            events = [_NO_EVENTS if e is None else e for e in events]
    counts = np.fromiter(map(len, events), np.int64, n)
    flat = list(chain.from_iterable(events))
    try:
        ats = list(map(dict.get, flat, repeat("at")))
    except TypeError:  # an event that is not an object
        odd = np.array([not isinstance(e, dict) for e in flat], dtype=bool)
        bad[np.repeat(np.arange(n), counts)[odd]] = True
        flat = [e if isinstance(e, dict) else {} for e in flat]
        ats = list(map(dict.get, flat, repeat("at")))
    triples = zip(map(dict.get, flat, repeat("status")), map(dict.get, flat, repeat("type")),
                  map(dict.get, flat, repeat("severity")))
    kind_ids: dict = {}
    kind_of = np.fromiter(map(kind_ids.setdefault, triples, count()), np.int64, len(flat))
    table = np.zeros((2, max(len(flat), 1)), dtype=np.int64)
    for triple, k in kind_ids.items():
        table[:, k] = event_kind(triple, sev_index, status_index)
    codes, vals = table[0, kind_of], table[1, kind_of]
    if (codes < 0).any():
        bad[np.repeat(np.arange(n), counts)[codes < 0]] = True
    return {"ids": ids, "sev": sev, "opened": opened, "key_of": key_of, "counts": counts, "ats": ats,
            "codes": codes, "vals": vals, "bad": bad}


def _gather(records: list, lo: int, hi: int, parts: list, slow: list, *tables) -> None:
    """Columns of records[lo:hi] into `parts` as (lo, hi, columns); where a stretch has a record
    not in the common shape, halve it until that record stands alone, and send it to `slow`."""
    try:
        parts.append((lo, hi, _dict_columns(records[lo:hi], *tables)))
    except _SHAPE_ERRORS:
        if hi - lo == 1:
            slow.append(lo)
            return
        mid = (lo + hi) // 2
        _gather(records, lo, mid, parts, slow, *tables)
        _gather(records, mid, hi, parts, slow, *tables)




def _concat(parts: list, name: str):
    first = parts[0][2][name]
    if len(parts) == 1:
        return first
    if isinstance(first, list):
        return list(chain.from_iterable(p[2][name] for p in parts))
    return np.concatenate([p[2][name] for p in parts])


def from_records(records: list, sev_names: list[str], first: int = 0) -> TicketColumns:
    """§7 ticket dicts as columns. The common shape is read column by column; every other record
    (an odd type, an unusual instant, events out of order) goes through `parse_ticket`, which
    words its problem or reads it as a ticket."""
    n = len(records)
    sev_index = {name: i for i, name in enumerate(sev_names)}
    status_index: dict[str, int] = {}
    key_ids: dict[tuple, int] = {}
    tables = (sev_index, status_index, key_ids)
    parts: list = []
    slow: list[int] = []
    positions = None
    try:  # the common case: every record read in one go
        if records:
            parts.append((0, n, _dict_columns(records, *tables)))
    except _SHAPE_ERRORS:
        # what is not a dict at all is read one by one; the rest are read as columns,
        # halving any stretch with a record of another rare shape until it stands alone
        is_dict = list(map(isinstance, records, repeat(dict)))
        slow = [i for i, ok in enumerate(is_dict) if not ok]
        positions = np.flatnonzero(is_dict)
        readable = [records[i] for i in positions.tolist()]
        gathered_slow: list[int] = []
        if readable:
            _gather(readable, 0, len(readable), parts, gathered_slow, *tables)
        slow += positions[gathered_slow].tolist()
    fast_rows = np.zeros(0, dtype=np.int64)
    if parts:
        fast_rows = np.concatenate([np.arange(lo, hi, dtype=np.int64) for lo, hi, _ in parts])
        if positions is not None:  # parts count the dicts only: back to places in the input
            fast_rows = positions[fast_rows]
    ids: list = [None] * n
    sev = np.full(n, -1, dtype=np.int64)
    opened = np.full(n, MIN, dtype=np.int64)
    key_of = np.zeros(n, dtype=np.int64)
    counts = np.zeros(n, dtype=np.int64)
    ev_rows, ev_t, ev_code, ev_val = [], [], [], []
    if parts:
        f_ids = _concat(parts, "ids")
        f_counts = _concat(parts, "counts")
        f_opened = instants_us(_concat(parts, "opened"))
        f_t = instants_us(_concat(parts, "ats"))
        n_fast = fast_rows.size
        e_row = np.repeat(np.arange(n_fast, dtype=np.int64), f_counts)
        first_event = np.cumsum(f_counts) - f_counts
        e_k = np.arange(f_t.size, dtype=np.int64) - np.repeat(first_event, f_counts)
        previous = np.where(e_k == 0, f_opened[e_row], np.roll(f_t, 1)) if f_t.size else f_t
        bad = np.zeros(n_fast, dtype=bool)
        bad[e_row[(f_t < previous) | (f_t == MIN)]] = True
        bad |= _concat(parts, "bad") | (f_opened == MIN)
        good = ~bad
        slow.extend(fast_rows[bad].tolist())
        g_rows = fast_rows[good]
        if good.all():
            ids_good = f_ids
        else:
            ids_good = [i for i, ok in zip(f_ids, good.tolist()) if ok]
        if positions is None and good.all():
            ids = ids_good
        else:
            for r, i in zip(g_rows.tolist(), ids_good):
                ids[r] = i
        sev[g_rows] = _concat(parts, "sev")[good]
        opened[g_rows] = f_opened[good]
        key_of[g_rows] = _concat(parts, "key_of")[good]
        counts[g_rows] = f_counts[good]
        keep = good[e_row]
        ev_rows.append(fast_rows[e_row[keep]])
        ev_t.append(f_t[keep])
        ev_code.append(_concat(parts, "codes")[keep])
        ev_val.append(_concat(parts, "vals")[keep])
    problems, raw_severity, unnamed = parse_rows(sorted(slow), records.__getitem__, sev_names, ids, sev, opened,
                                                 counts, key_of, key_ids, status_index,
                                                 (ev_rows, ev_t, ev_code, ev_val), first)
    cols = _assemble(ids, sev, opened, key_of, key_ids, counts, ev_rows, ev_t, ev_code, ev_val, status_index,
                     problems, raw_severity, ordered=not slow)
    cols.unnamed, cols.first = unnamed, first
    return cols


def parse_rows(rows: list[int], record_of, sev_names: list[str], ids: list, sev: np.ndarray, opened: np.ndarray,
               counts: np.ndarray, key_of: np.ndarray, key_ids: dict, status_index: dict,
               pieces: tuple, first: int = 0) -> tuple[dict[int, str], dict[int, str], set]:
    """Read the given rows one record at a time with `parse_ticket` (the one wording of what is
    wrong with a record): a good one fills its place in the columns and adds its events to
    `pieces` (rows, instants, codes, values); a bad one is a problem. (problems, raw severities)."""
    from slalang.runtime.records import parse_ticket

    sev_index = {name: i for i, name in enumerate(sev_names)}
    severities = set(sev_names)
    problems: dict[int, str] = {}
    raw_severity: dict[int, str] = {}
    unnamed: set = set()
    for r in rows:
        record = record_of(r)
        try:
            ticket = parse_ticket(record, severities)
        except (RecordError, InstantError) as exc:
            given = record if isinstance(record, dict) else {}
            if given.get("id") is not None:
                ids[r] = str(given["id"])
            else:
                ids[r] = f"#{first + r + 1}"
                unnamed.add(r)
            problems[r] = str(exc.args[0]) if exc.args else str(exc)
            raw_severity[r] = str(given.get("severity") or "")
            key_of[r] = key_ids.setdefault(("bad",), len(key_ids))
            continue
        ids[r] = ticket.id
        sev[r], opened[r], counts[r] = sev_index[ticket.severity], ticket.opened, len(ticket.events)
        key_of[r] = key_ids.setdefault(ticket_key(ticket.tier, ticket.customer, ticket.service), len(key_ids))
        t, code, val = _ticket_events(ticket, sev_index, status_index)
        pieces[0].append(np.full(len(t), r, dtype=np.int64))
        pieces[1].append(t), pieces[2].append(code), pieces[3].append(val)
    return problems, raw_severity, unnamed


def from_tickets(tickets: list, sev_names: list[str]) -> TicketColumns:
    """Parsed `Ticket`s (slalang.runtime.records) as columns."""
    sev_index = {name: i for i, name in enumerate(sev_names)}
    status_index: dict[str, int] = {}
    key_ids: dict[tuple, int] = {}
    n = len(tickets)
    ids = [t.id for t in tickets]
    sev = np.array([sev_index[t.severity] for t in tickets], dtype=np.int64)
    opened = np.array([t.opened for t in tickets], dtype=np.int64)
    key_of = np.array([key_ids.setdefault(ticket_key(t.tier, t.customer, t.service), len(key_ids))
                       for t in tickets], dtype=np.int64)
    counts = np.array([len(t.events) for t in tickets], dtype=np.int64)
    ev_t, ev_code, ev_val = [], [], []
    for t in tickets:
        a, b, c = _ticket_events(t, sev_index, status_index)
        ev_t.append(a), ev_code.append(b), ev_val.append(c)
    rows = [np.repeat(np.arange(n, dtype=np.int64), counts)]
    return _assemble(ids, sev.reshape(n), opened.reshape(n), key_of.reshape(n), key_ids, counts.reshape(n), rows,
                     ev_t, ev_code, ev_val, status_index, {}, {}, ordered=True)


def _str(value) -> Optional[str]:
    """A text field as `parse_ticket` reads it (an integer is its digits; empty is absent)."""
    return None if value is None or value == "" else str(value)


def ticket_key(tier: Optional[str], customer: Optional[str], service: Optional[str]) -> tuple:
    """What a ticket's terms are looked up by: its tier, else its customer and service."""
    return ("tier", tier) if tier not in (None, "") else ("contract", customer, service)


def _ticket_events(ticket, sev_index: dict, status_index: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.array([e.at for e in ticket.events], dtype=np.int64)
    codes, vals = [], []
    for e in ticket.events:
        if e.kind == "status":
            code, val = status_code(e.value, status_index)
            codes.append(code), vals.append(val)
        elif e.kind == "severity":
            codes.append(SEV), vals.append(sev_index[e.value])
        else:
            codes.append(TYPE_CODES[e.kind]), vals.append(0)
    return t, np.array(codes, dtype=np.int64), np.array(vals, dtype=np.int64)


def _assemble(ids, sev, opened, key_of, key_ids, counts, ev_rows, ev_t, ev_code, ev_val, status_index,
              problems, raw_severity, ordered: bool) -> TicketColumns:
    """Columns from per-source event pieces; events end up grouped by ticket, in order."""
    empty = np.zeros(0, dtype=np.int64)
    rows = np.concatenate(ev_rows) if ev_rows else empty
    t = np.concatenate(ev_t) if ev_t else empty
    code = np.concatenate(ev_code) if ev_code else empty
    val = np.concatenate(ev_val) if ev_val else empty
    if not ordered and rows.size:
        order = np.argsort(rows, kind="stable")   # each piece already holds its tickets' events in order
        t, code, val = t[order], code[order], val[order]
    keys = [None] * len(key_ids)
    for key, i in key_ids.items():
        keys[i] = key
    return TicketColumns(ids, sev, opened, key_of, keys, counts, t, code, val, list(status_index), problems,
                         raw_severity)
