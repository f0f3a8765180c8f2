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
from datetime import datetime, timedelta
from typing import Any, Iterable, Iterator, Optional

import numpy as np

from slalang.runtime.errors import InstantError
from slalang.runtime.instants import instant_us

_NAIVE_EPOCH = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)
# naive instants that can be placed in a zone: a week inside the years datetime holds
_FIRST_WALL = (datetime(1, 1, 8) - _NAIVE_EPOCH) // _US
_LAST_WALL = (datetime(9999, 12, 24) - _NAIVE_EPOCH) // _US
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


def _quoted(value: str) -> str:
    """A raw value in a message: quoted, its line breaks and quotes escaped (one line of text)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


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

        self.zone = ZoneInfo(zone) if zone else None
        self.fmt = fmt
        self._cache: dict[str, int] = {}
        self.errors: list[str] = []   # the words of `column`'s errors

    def __call__(self, value, what: str) -> int:
        """Epoch µs of one instant (cached per value); InstantError words what is wrong."""
        if isinstance(value, datetime) and value.tzinfo is not None:
            return instant_us(value, what)
        if not isinstance(value, str) or not value.strip():
            raise InstantError(f"missing {what}" if value in (None, "") else f"{what} {value!r} is not an instant")
        found = self._cache.get(value)
        if found is not None:
            return found
        parsed = self._parse(value, what)
        if parsed.tzinfo is not None:
            us = instant_us(parsed, what)
        elif self.zone is None:
            raise InstantError(self._no_zone(value, what))
        else:
            wall = (parsed - _NAIVE_EPOCH) // _US
            if not _FIRST_WALL <= wall <= _LAST_WALL:
                raise InstantError(self._too_far(value, what))
            us = int(self._localize(np.array([wall], dtype=np.int64))[0])
        if len(self._cache) < 1_000_000:
            self._cache[value] = us
        return us

    def _parse(self, value: str, what: str) -> datetime:
        """A value read with the source's format (or as ISO 8601): naive or with its offset."""
        text = value.strip()
        try:
            if self.fmt is not None:
                return datetime.strptime(text, self.fmt)
            return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            shape = f'the format "{self.fmt}"' if self.fmt else "ISO 8601"
            raise InstantError(f'{what} {_quoted(value)} does not read as {shape}') from None

    @staticmethod
    def _too_far(value: str, what: str) -> str:
        return f'{what} {_quoted(value)} is too close to year 1 or 9999 to place in a timezone'

    @staticmethod
    def _no_zone(value: str, what: str) -> str:
        return f'{what} {_quoted(value)} has no offset and the source names no timezone'

    def column(self, arr, what: str) -> tuple[np.ndarray, np.ndarray]:
        """(epoch µs, error) of each value of an Arrow string array, read per distinct value:
        µs is MIN and error an index into `self.errors` where a value is missing or unreadable.
        A strptime format is read by Arrow, whose misses Python reads again (and words); naive
        instants are localised together, with the DST rule `tz.localize` applies one by one."""
        from slalang.runtime.tickets.arrow import _encode
        from slalang.runtime.tickets.rules import MIN

        idx, values = _encode(arr)
        d = len(values)
        us = np.full(d + 1, MIN, dtype=np.int64)
        err = np.full(d + 1, -1, dtype=np.int64)
        wall = np.full(d, MIN, dtype=np.int64)   # naive values: wall-clock µs
        walls = self._arrow_walls(values) if self.fmt is not None and "%z" not in self.fmt \
            and "%Z" not in self.fmt else None

        def fail(k: int, message: str) -> None:
            err[k] = len(self.errors)
            self.errors.append(message)

        for k, value in enumerate(values):
            if value is None or not value.strip():
                fail(k, f"missing {what}")
                continue
            if walls is not None and walls[k] != MIN:
                wall[k] = walls[k]
                continue
            try:
                parsed = self._parse(value, what)
            except InstantError as exc:
                fail(k, str(exc))
                continue
            if parsed.tzinfo is None:
                wall[k] = (parsed - _NAIVE_EPOCH) // _US
            else:
                us[k] = instant_us(parsed, what)
        naive = wall != MIN
        far = naive & ((wall < _FIRST_WALL) | (wall > _LAST_WALL))
        for k in np.flatnonzero(far).tolist():   # no zone's offsets are known that far out
            fail(k, self._too_far(values[k], what))
        naive &= ~far
        if naive.any():
            if self.zone is None:
                for k in np.flatnonzero(naive).tolist():
                    fail(k, self._no_zone(values[k], what))
            else:
                us[:d][naive] = self._localize(wall[naive])
        fail(d, f"missing {what}")   # the index of a null value
        return us[idx], err[idx]

    def _arrow_walls(self, values: list) -> Optional[np.ndarray]:
        """Wall-clock µs of each value Arrow's strptime reads with the format (MIN where not)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        from slalang.runtime.tickets.arrow import filled, text_array, valid
        from slalang.runtime.tickets.rules import MIN

        texts = text_array([v.strip() if v else None for v in values])
        try:
            parsed = pc.strptime(texts, format=self.fmt, unit="us", error_is_null=True)
            # Arrow's strptime is more lenient than Python's, whose reading is the rule (it takes
            # 31/02 for 03/03): keep only what the format writes back as given, Python reads the rest
            same = pc.equal(pc.strftime(parsed, format=self.fmt), texts)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        walls = filled(parsed, MIN)
        walls[~(valid(same) & filled(same.cast(pa.int64()), 0).astype(bool))] = MIN
        return walls

    def _localize(self, wall_us: np.ndarray) -> np.ndarray:
        """UTC µs of naive wall-clock µs in the source's zone: `tz.localize`'s rule, vectorised (a
        time in a DST gap moves to its end, a repeated one takes its first occurrence)."""
        from slalang.runtime.tz import LocalClock

        wall_s, micro = np.divmod(wall_us, 1_000_000)
        clock = LocalClock(self.zone, int(wall_s.min()) - 2 * 86_400, int(wall_s.max()) + 2 * 86_400, cache=False)
        utc = clock.to_utc_array(wall_s)
        whole_second_in_gap = clock.to_utc_array(wall_s + 1) == utc
        return np.where(whole_second_in_gap, utc * 1_000_000, utc * 1_000_000 + micro)


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
        raise KeyError(f'severity {_quoted(raw)} is not mapped by source "{self.name}"'
                       f'{_close(raw, [*self.severities, *self.policy_severities])}')

    def status(self, raw: str) -> tuple[str, bool]:
        """(status, responds) of a raw status value: the source's mapping, else a built-in or
        declared status by its own name; a source that maps no status passes every name on."""
        mapped = self.statuses.get(raw)
        if mapped is not None:
            return mapped["status"], mapped["responds"]
        if raw in (OPEN, RESOLVED, CANCELLED) or raw in self.policy_statuses or not self.statuses:
            return raw, False
        raise KeyError(f'status {_quoted(raw)} is not mapped by source "{self.name}"{_close(raw, self.statuses)}')


@dataclass
class RawRows:
    """Raw event rows as columns: Arrow string arrays (null or empty for absent) and line numbers.
    `problem` holds what a reader found wrong with a row (None where nothing)."""

    line: np.ndarray
    ticket: Any
    at: Any
    status: Any
    severity: Any
    type: Any
    opened: Any
    customer: Any
    service: Any
    tier: Any
    problem: list
    record: Optional[np.ndarray] = None   # `tickets` format: the record each row comes from (its ticket)

    @classmethod
    def of(cls, rows: Iterable[Row], records: Optional[list[int]] = None) -> "RawRows":
        """Columns of Row objects (a reader's rows): values that are not text become text."""
        from slalang.runtime.tickets.arrow import text_array

        rows = list(rows)
        cols = {name: text_array([_plain(getattr(r, name)) for r in rows]) for name in FIELDS}
        return cls(np.array([r.line for r in rows], dtype=np.int64), problem=[r.problem for r in rows],
                   record=None if records is None else np.array(records, dtype=np.int64), **cols)


def _plain(value) -> Optional[str]:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, str) else str(value)


@dataclass
class SourceTickets:
    """What a source read: the tickets as the engine's columns (problems included, in order of
    each ticket's first row), the line each ticket is reported at, and what the §7 dicts need
    besides: the severity names and (codes per ticket, values) of customer, service and tier."""

    columns: Any          # slalang.runtime.tickets.columns.TicketColumns
    lines: np.ndarray
    sev_names: list
    attributes: list

    def records(self) -> Iterator[tuple[int, dict, Optional[str]]]:
        """(line, §7 ticket dict, problem) per ticket; a problem's dict holds the id only."""
        from slalang.runtime.tickets.rules import CANCELLED as CANCEL_CODE
        from slalang.runtime.tickets.rules import SEV, STATUS, TYPE_CODES

        cols = self.columns
        names = {v: k for k, v in TYPE_CODES.items()}
        first = np.cumsum(cols.counts) - cols.counts
        sev_names = self.sev_names
        for r in range(cols.n):
            ticket = cols.ids[r]
            problem = cols.problems.get(r)
            if problem is not None:
                yield int(self.lines[r]), ({"id": ticket} if ticket else {}), problem
                continue
            record = {"id": ticket}
            for name, (codes, values) in zip(ATTRIBUTES, self.attributes):
                if codes[r] >= 0:
                    record[name] = values[codes[r]]
            record["severity"] = sev_names[cols.sev[r]]
            record["opened"] = _iso(int(cols.opened[r]))
            events = []
            lo = int(first[r])
            for t, code, val in zip(cols.ev_t[lo:lo + cols.counts[r]].tolist(),
                                    cols.ev_code[lo:lo + cols.counts[r]].tolist(),
                                    cols.ev_val[lo:lo + cols.counts[r]].tolist()):
                when = _iso(t)
                if code == STATUS:
                    events.append({"at": when, "status": cols.statuses[val]})
                elif code == SEV:
                    events.append({"at": when, "severity": sev_names[val]})
                elif code == CANCEL_CODE:
                    events.append({"at": when, "status": CANCELLED})
                else:
                    events.append({"at": when, "type": names[code]})
            record["events"] = events
            yield int(self.lines[r]), record, None


def build(raw: RawRows, mapping: Mapping, sev_names: list[str]) -> SourceTickets:
    """The tickets of raw rows (see the module docstring): vectorised reading, grouping and
    mapping around the compiled rules of derive.py."""
    from slalang.runtime.sources.derive import K_CANCELLED, K_NONE, K_RESOLVED, K_STATUS, P_NO_SEVERITY, \
        P_UNMAPPED, run
    from slalang.runtime.tickets.arrow import _encode
    from slalang.runtime.tickets.columns import TicketColumns, ticket_key
    from slalang.runtime.tickets.rules import MIN

    m = raw.line.size
    lines = raw.line
    # -- tickets: each distinct id, in order of its first row; a row with no id is a ticket alone
    t_idx, t_values = _encode(raw.ticket)
    missing_value = np.array([v in (None, "") for v in t_values] + [True], dtype=bool)
    if raw.record is None and not missing_value[t_idx].any():
        # the dictionary numbers ids in order of their first row: its codes are the positions
        g, ids, first_row = t_idx, t_values, None
        n = len(ids)
    else:
        missing = missing_value[t_idx]
        group = np.where(missing, len(t_values) + 1 + np.arange(m), t_idx) if raw.record is None else raw.record
        uniq, first_row, inverse = np.unique(group, return_index=True, return_inverse=True)
        order_of = np.argsort(first_row, kind="stable")          # output position -> unique group
        pos_of = np.empty_like(order_of)
        pos_of[order_of] = np.arange(order_of.size)
        g = pos_of[inverse.reshape(-1)]                           # each row's ticket position
        n = order_of.size
        first_row = first_row[order_of]
        ids = [None if missing[row] else t_values[t_idx[row]] for row in first_row.tolist()]
        del missing, group, uniq, inverse, pos_of, order_of
    del t_idx
    problems: dict[int, str] = {}

    def first_in_input(bad: np.ndarray, words) -> None:
        """For each ticket with a bad row and no problem yet: its first bad row in input order."""
        rows = np.flatnonzero(bad)
        if rows.size == 0:
            return
        tickets, at = np.unique(g[rows], return_index=True)
        for pos, row in zip(tickets.tolist(), rows[at].tolist()):
            if pos not in problems:
                problems[pos] = f"line {int(lines[row])}: {words(row)}"
                problem_line[pos] = lines[row]

    # each ticket's rows in time order (ties in input order) come later; its first row in input
    # order is where it is reported
    t, t_err = mapping.instants.column(raw.at, "at")
    order = np.lexsort((np.arange(m), t, g))
    bounds = np.searchsorted(g[order], np.arange(n + 1))
    if first_row is None:
        first_row = np.minimum.reduceat(order, bounds[:-1]) if m else np.zeros(0, dtype=np.int64)
    problem_line = lines[first_row].copy()
    for pos in [pos for pos, ticket in enumerate(ids) if ticket is None]:
        problems[pos] = raw.problem[int(first_row[pos])] or \
            f'no ticket id (column "{mapping.column("ticket")}" is empty)'
    first_in_input(np.array([p is not None for p in raw.problem], dtype=bool), lambda r: raw.problem[r])
    # -- instants
    first_in_input(t_err >= 0, lambda r: mapping.instants.errors[t_err[r]])
    raw.at, raw.ticket = None, None
    del t_err, first_row

    def per_ticket(values: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(least, greatest) present value of each ticket's rows (least > greatest: none)."""
        v, p = values[order], present[order]
        big, small = np.iinfo(np.int64).max, np.iinfo(np.int64).min
        return (np.minimum.reduceat(np.where(p, v, big), bounds[:-1]),
                np.maximum.reduceat(np.where(p, v, small), bounds[:-1]))

    # -- attributes: one value per ticket
    attributes = []
    for name in ATTRIBUTES:
        idx, values = _encode(getattr(raw, name))
        present = np.array([v not in (None, "") for v in values] + [False], dtype=bool)[idx]
        least, most = per_ticket(idx, present)
        for pos in np.flatnonzero(least < most).tolist():
            if pos not in problems:
                rows = order[bounds[pos]:bounds[pos + 1]]
                found = sorted({values[c] for c in idx[rows][present[rows]].tolist()})
                problems[pos] = f"{name} differs between its rows: " + ", ".join(f'"{v}"' for v in found)
        attributes.append((np.where(least <= most, least, -1), values))
        setattr(raw, name, None)
        del idx, present
    # -- opened: one instant per ticket, when given
    o_us, o_err = mapping.instants.column(raw.opened, "opened")
    o_idx, o_values = _encode(raw.opened)
    given = np.array([v not in (None, "") for v in o_values] + [False], dtype=bool)[o_idx]
    opened_in = np.full(n, MIN, dtype=np.int64)
    if given.any():
        for row in np.flatnonzero(given & (o_err >= 0)).tolist():
            problems.setdefault(int(g[row]), mapping.instants.errors[o_err[row]])
        least, most = per_ticket(o_us, given & (o_err < 0))
        for pos in np.flatnonzero(least < most).tolist():
            if pos not in problems:
                rows = order[bounds[pos]:bounds[pos + 1]]
                texts = sorted({o_values[c] for c in o_idx[rows][given[rows]].tolist()})
                problems[pos] = "opened differs between its rows: " + ", ".join(f'"{v}"' for v in texts)
        has = least <= most
        opened_in[has] = least[has]
    raw.opened = None
    del o_us, o_err, o_idx, given
    # -- names through the source
    statuses = [OPEN]
    status_index = {OPEN: 0}
    messages: list[str] = []
    err = np.full(m, -1, dtype=np.int64)

    def mapped(arr, how, default):
        idx, values = _encode(arr)
        table, wrong = [], []
        for v in values:
            if v in (None, ""):
                table.append(default), wrong.append(-1)
                continue
            try:
                table.append(how(v)), wrong.append(-1)
            except KeyError as exc:
                table.append(default), wrong.append(len(messages))
                messages.append(exc.args[0])
        wrong.append(-1)
        table.append(default)
        return idx, table, np.array(wrong, dtype=np.int64)[idx]

    sev_index = {name: i for i, name in enumerate(sev_names)}
    s_idx, s_table, s_err = mapped(raw.severity, lambda v: sev_index[mapping.severity(v)], -1)
    sev = np.array(s_table, dtype=np.int64)[s_idx]
    raw.severity = None
    del s_idx

    def status_of(value):
        name, responds = mapping.status(value)
        kind = K_CANCELLED if name == CANCELLED else K_RESOLVED if name == RESOLVED else K_STATUS
        return kind, status_index.setdefault(name, len(status_index)) if kind == K_STATUS else 0, responds

    st_idx, st_table, st_err = mapped(raw.status, status_of, (K_NONE, 0, False))
    statuses = list(status_index)
    st = np.array(st_table, dtype=np.int64).reshape(-1, 3)
    kind, status, responds = st[:, 0][st_idx], st[:, 1][st_idx], st[:, 2][st_idx].astype(np.bool_)
    raw.status = None
    from slalang.runtime.tickets.rules import TYPE_CODES as codes

    def type_of(value):
        if value not in codes:
            raise KeyError(f'unknown type "{value}"{_close(value, TYPES)}')
        return codes[value]

    ty_idx, ty_table, ty_err = mapped(raw.type, type_of, -1)
    typ = np.array(ty_table, dtype=np.int64)[ty_idx]
    err = np.where(s_err >= 0, s_err, np.where(st_err >= 0, st_err, ty_err))
    del s_err, st_err, ty_err, ty_idx
    # -- the rules
    for name in FIELDS:   # the text is read: let the input's memory go before the rules run
        setattr(raw, name, None)
    out = run(bounds[:-1], bounds[1:], order, t, kind, status, responds, st_idx, sev, typ, err, opened_in)
    for pos in np.flatnonzero(out["problem"]).tolist():
        if pos in problems:
            continue
        why = out["problem"][pos]
        if why == P_UNMAPPED:
            row = order[out["problem_row"][pos]]
            problems[pos] = f"line {int(lines[row])}: {messages[err[row]]}"
            problem_line[pos] = lines[row]
        elif why == P_NO_SEVERITY:
            problems[pos] = "no severity in any of its rows"
    counts = out["counts"].copy()
    keep = np.ones(out["ev_t"].size, dtype=bool)
    if problems:
        bad = np.zeros(n, dtype=bool)
        bad[list(problems)] = True
        keep = ~np.repeat(bad, out["counts"])
        counts[bad] = 0
    # the terms key (tier, else customer and service) per distinct combination of their values
    (c_code, c_vals), (s_code, s_vals), (t_code, t_vals) = attributes
    combo = ((t_code + 1) * (len(c_vals) + 1) + c_code + 1) * (len(s_vals) + 1) + s_code + 1
    if problems:
        combo[list(problems)] = -1
    uniq_combo, combo_of = np.unique(combo, return_inverse=True)
    keys = []
    for code in uniq_combo.tolist():
        if code < 0:
            keys.append(("bad",))
            continue
        rest, s_i = divmod(code, len(s_vals) + 1)
        t_i, c_i = divmod(rest, len(c_vals) + 1)
        keys.append(ticket_key(t_vals[t_i - 1] if t_i else None, c_vals[c_i - 1] if c_i else None,
                               s_vals[s_i - 1] if s_i else None))
    key_of = combo_of.reshape(-1).astype(np.int64)
    cols = TicketColumns([i if i is not None else "" for i in ids], out["sev"], out["opened"].copy(), key_of, keys,
                         counts, out["ev_t"][keep], out["ev_code"][keep], out["ev_val"][keep], statuses, problems,
                         {pos: "" for pos in problems})
    return SourceTickets(cols, problem_line, sev_names, attributes)


def _iso(us: int) -> str:
    from slalang.runtime.records import iso_z

    return iso_z(us)
