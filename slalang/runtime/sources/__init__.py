"""Runtime stage: ticket sources (SPEC §12) — read a ticket system's export through a `source`
declared in the policy: `policy.source("NAME").read(path_or_rows)` yields §7 ticket dicts, and
a record that cannot be read as one `{"id": ..., "problem": ...}` (with its `line`), which
`evaluate_tickets` and `slalang eval` report as a skipped ticket.

Formats: `tickets` (§7 records, JSON Lines or CSV), `events` (one row per change, JSON Lines or
CSV), `jira`, `zendesk` and `servicenow` (their exports; see formats.py). Each becomes raw event
rows, which events.py turns into tickets.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

from slalang.runtime.sources.events import FIELDS, Mapping, RawRows, Row, SourceTickets, build

__all__ = ["Source", "FIELDS"]

# the zone of a format's naive instants when the source names none
DEFAULT_ZONES = {"servicenow": "UTC"}


class Source:
    """A `source` of a loaded policy."""

    def __init__(self, policy, name: str, spec: dict):
        self.policy, self.name, self.spec = policy, name, spec
        statuses = set(policy.artifact.get("statuses", {}))
        self.mapping = Mapping.of(name, spec, set(policy.severity_list), statuses,
                                  DEFAULT_ZONES.get(spec["format"]))

    @property
    def format(self) -> str:
        return self.spec["format"]

    def __repr__(self) -> str:
        return f"<Source {self.name!r} format {self.format}>"

    def read(self, data, *, name: str = "") -> Iterator[dict]:
        """§7 ticket dicts from a path (`.csv`, `.jsonl`, `.json`) or from an iterable of rows
        (dicts: records, event rows or documents, as the format has them); a record that cannot be
        read is `{"id": ..., "problem": ..., "line": ...}`."""
        for line, record, problem in self.records(data, name=name):
            if problem is not None:
                yield {**record, "problem": problem, "line": line}
            else:
                yield record

    def records(self, data, *, name: str = "") -> Iterator[tuple[int, dict, Optional[str]]]:
        """(line, §7 ticket dict, problem) per ticket, in order of each ticket's first row."""
        for part in self.tickets(data, name=name):
            yield from part.records()

    def tickets(self, data, *, name: str = "") -> Iterator[SourceTickets]:
        """Every ticket of the input as the engine's columns (what `slalang eval` evaluates), in
        parts of whole tickets, in order of each ticket's first row."""
        for raw in self._raw(data, name):
            yield build(raw, self.mapping, self.policy.severity_list)

    # -- reading ---------------------------------------------------------------------------------------

    def _raw(self, data, name: str) -> Iterator[RawRows]:
        if isinstance(data, (str, Path)):
            path = Path(data)
            if self.format == "events" and _kind(path) == "csv":
                fast = _arrow_events(path, self.mapping)
                if fast is not None:
                    yield from fast
                    return
            with _open_text(path) as stream:
                yield self._raw_stream(stream, _kind(path), name or str(path))
            return
        if hasattr(data, "read"):   # a stream (stdin): JSON if it starts with { or [, else CSV
            raw = data.read()
            raw = raw.encode("utf-8") if isinstance(raw, str) else raw
            kind = "jsonl" if raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[") else "csv"
            yield self._raw_stream(io.BytesIO(raw), kind, name or "<stream>")
            return
        yield self._raw_items((i + 1, item, None) for i, item in enumerate(data))

    def _raw_stream(self, stream, kind: str, name: str) -> RawRows:
        if self.format in ("jira", "zendesk"):
            from slalang.runtime.sources import formats

            binary = stream.buffer if hasattr(stream, "buffer") else stream
            return self._raw_items(formats.json_documents(binary, name, "issues" if self.format == "jira"
                                                          else "audits"))
        return self._raw_items(_csv_items(stream) if kind == "csv" else _jsonl_items(stream))

    def _raw_items(self, items: Iterable[tuple[int, Any, Optional[str]]]) -> RawRows:
        fmt = self.format
        if fmt == "tickets":   # each record is a ticket of its own, whatever its id
            rows: list[Row] = []
            records: list[int] = []
            for k, (line, record, problem) in enumerate(items):
                if problem is not None or not isinstance(record, dict):
                    ticket = _text(_get(record, _path(self.mapping.column("id")))) if isinstance(record, dict) \
                        else None
                    part = [Row(line, ticket, problem=problem or "a ticket must be an object")]
                else:
                    part = self._ticket_rows(line, record)
                rows += part
                records += [k] * len(part)
            return RawRows.of(rows, records)
        if fmt == "events":
            return RawRows.of(self._event_rows(items))
        from slalang.runtime.sources import formats

        rows = getattr(formats, f"{fmt}_rows")(items, self.spec["columns"], instant_key=self._order)
        return RawRows.of(_rows(rows))

    def _order(self, text: str) -> int:
        """Where a raw instant falls in time, for readers that order a ticket's changes."""
        return self.mapping.instants(text, "at")

    def _event_rows(self, items) -> Iterator[Row]:
        col = self.mapping.column
        paths = {f: _path(col(f)) for f in FIELDS}
        for line, record, problem in items:
            if problem is not None or not isinstance(record, dict):   # the problem is its ticket's, if named
                ticket = _text(_get(record, paths["ticket"])) if isinstance(record, dict) else None
                yield Row(line, ticket, problem=problem or "a row must be an object")
                continue
            values = {f: _get(record, p) for f, p in paths.items()}
            yield Row(line, _text(values["ticket"]), values["at"], _text(values["status"]),
                      _text(values["severity"]), _text(values["type"]), values["opened"],
                      _text(values["customer"]), _text(values["service"]), _text(values["tier"]))

    def _ticket_rows(self, line: int, record: dict) -> list[Row]:
        """A §7 record as rows: its opening (severity, attributes), then one row per event."""
        col = self.mapping.column
        get = {f: _get(record, _path(col(f))) for f in ("id", "severity", "opened", "customer", "service", "tier")}
        ticket = _text(get["id"])
        events = _get(record, _path(col("events")))
        if isinstance(events, str) and events.strip().startswith("["):
            try:
                events = json.loads(events)
            except ValueError:
                pass
        head = Row(line, ticket, get["opened"], None, _text(get["severity"]), None, get["opened"],
                   _text(get["customer"]), _text(get["service"]), _text(get["tier"]))
        if events in (None, ""):
            events = []
        if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
            return [Row(line, ticket, problem='"events" must be a list of objects')]
        return [head] + [Row(line, ticket, e.get("at"), _text(e.get("status")), _text(e.get("severity")),
                             _text(e.get("type"))) for e in events]


def _rows(dicts: Iterable[dict]) -> Iterator[Row]:
    for d in dicts:
        yield Row(d["line"], _text(d.get("ticket")), d.get("at"), _text(d.get("status")), _text(d.get("severity")),
                  _text(d.get("type")), d.get("opened"), _text(d.get("customer")), _text(d.get("service")),
                  _text(d.get("tier")), d.get("problem"))


def _text(value) -> Optional[str]:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def _path(path: str) -> tuple[str, ...]:
    return tuple(path.split(".")) if "." in path else (path,)


def _get(record: dict, path: tuple[str, ...]):
    """A field by its dotted path (a CSV header that holds a dot is read whole first)."""
    whole = ".".join(path)
    if whole in record:
        return record[whole]
    value: Any = record
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _kind(path: Path) -> str:
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


def _open_text(path: Path):
    """The file as bytes: each reader decodes line by line (a line that is not UTF-8 is its own
    problem) and a CSV's byte-order mark is not part of its first header."""
    return path.open("rb")


PART_ROWS = 100_000   # an events file of more rows is read in parts of whole tickets, this many rows each


def _arrow_events(path: Path, mapping: Mapping) -> Optional[Iterator[RawRows]]:
    """An `events` CSV read by Arrow's CSV reader, every column as text, in parts of whole tickets
    (about PART_ROWS rows each): the fast path, taken when each row is one line (line numbers are
    then row numbers + 1). None when it is not, or when Arrow finds the file malformed: the
    row-by-row reader then words each bad row.

    A ticket's rows may be anywhere in the file, so a file of more lines than PART_ROWS is read
    three times: its ticket column (which ticket each row is, numbered in order of first row),
    then every row once into a temporary Arrow file per part, then each part, whose tickets are
    all its own. Memory follows the part, not the file. A smaller file is parsed once, whole."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        with path.open("rb") as f:
            head = f.readline()
            newlines, last = head.count(b"\n"), head[-1:]
            for block in iter(lambda: f.read(1 << 24), b""):
                newlines += block.count(b"\n")
                last = block[-1:]
        if b"\r" in head.rstrip(b"\r\n"):   # a bare CR ends lines here: the row reader reads those
            return None
        header = next(csv.reader([head.decode("utf-8-sig")]))
        wanted = [name for name in dict.fromkeys(mapping.column(f) for f in FIELDS) if name in header]
        if len(set(header)) != len(header) or not wanted:
            return None
        options = pacsv.ConvertOptions(column_types={name: pa.string() for name in header}, include_columns=wanted,
                                       check_utf8=True)
        ticket = mapping.column("ticket")
        if ticket not in header:
            return None
        rows_at_most = newlines   # a row per line at most: a file of few lines is parsed once, whole
        whole = rows_at_most <= PART_ROWS + 1
        table = pacsv.read_csv(path, convert_options=options if whole else pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header}, include_columns=[ticket], check_utf8=True),
            memory_pool=_pool())
    except (OSError, UnicodeDecodeError, StopIteration, csv.Error, pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    m = table.num_rows
    if newlines + (last not in (b"\n", b"")) != m + 1 or b"\r" in head[:-2]:
        return None
    if whole:
        return iter([_raw_rows(table, mapping)])
    part = _parts(table.column(ticket), m)
    del table
    import tempfile

    tmp = tempfile.TemporaryDirectory(prefix="slalang-source-")
    try:   # every row into its part's file before any part is read: a bad row still falls back
        parts = _spill(path, options, part, tmp.name)
    except (OSError, pa.ArrowInvalid, pa.ArrowNotImplementedError):
        tmp.cleanup()
        return None
    return _read_parts(tmp, parts, mapping)


def _pool():
    """Arrow's jemalloc pool where the build has one: it gives back what CSV parsing threads
    used (the system pool kept ~100 MB per million rows)."""
    import pyarrow as pa

    try:
        return pa.jemalloc_memory_pool()
    except (AttributeError, NotImplementedError):   # a pyarrow built without jemalloc
        return None


def _raw_rows(table, mapping: Mapping, rows=None) -> RawRows:
    """Raw rows of a table of the source's columns; `rows` are the rows' numbers in the file, from
    0 (default: the table's own order)."""
    import numpy as np
    import pyarrow as pa

    m = table.num_rows
    number = np.arange(m, dtype=np.int64) if rows is None else rows

    def column(field_name: str):
        name = mapping.column(field_name)
        if name not in table.column_names:
            return pa.nulls(m, pa.string())
        return table.column(name)   # chunked: read through one dictionary encoding, never copied whole

    return RawRows(number + 2, problem=[None] * m, **{f: column(f) for f in FIELDS})


def _parts(tickets, m: int):
    """Each row's part: tickets in order of their first row (a row with no id is a ticket alone),
    cut into parts of about PART_ROWS rows."""
    import numpy as np

    from slalang.runtime.tickets.arrow import _encode

    codes, values = _encode(tickets)
    empty_value = np.array([v in (None, "") for v in values] + [True], dtype=bool)
    if not empty_value[codes].any():   # the codes number tickets in order of their first row already
        counts = np.bincount(codes, minlength=len(values))
        return ((np.cumsum(counts) - counts) // PART_ROWS).astype(np.int32)[codes]
    rows = np.arange(m, dtype=np.int64)
    empty = empty_value[codes]
    first = np.full(len(values) + 1, m, dtype=np.int64)
    np.minimum.at(first, codes, rows)
    key = np.where(empty, rows, first[codes])         # the ticket's first row: its place in the output
    order = np.argsort(key, kind="stable")
    starts = np.flatnonzero(np.r_[True, key[order][1:] != key[order][:-1]])   # where each ticket's rows begin
    cut = starts[np.searchsorted(starts, np.arange(0, m, PART_ROWS))]         # a part begins with a ticket
    part_of_sorted = np.searchsorted(np.unique(cut), np.arange(m), side="right") - 1
    part = np.empty(m, dtype=np.int64)
    part[order] = part_of_sorted
    return part


def _spill(path: Path, options, part, tmp: str) -> int:
    """Every row of the file into its part's temporary Arrow file (with its row number); the
    number of parts."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.ipc as ipc

    from slalang.runtime.tickets.arrow import np_column

    writers = {}
    try:
        seen = 0
        for batch in pacsv.open_csv(path, convert_options=options, memory_pool=_pool()):
            here = part[seen:seen + batch.num_rows]
            number = np.arange(seen, seen + batch.num_rows, dtype=np.int64)
            batch = pa.RecordBatch.from_arrays([*batch.columns, np_column(number)],
                                               names=[*batch.schema.names, "__row"])
            for p in np.unique(here).tolist():
                writer = writers.get(p)
                if writer is None:
                    writer = writers[p] = ipc.new_file(f"{tmp}/{p}.arrow", batch.schema)
                writer.write_batch(batch.take(np_column(np.flatnonzero(here == p))))
            seen += batch.num_rows
    finally:
        for writer in writers.values():
            writer.close()
    return int(part.max()) + 1


def _read_parts(tmp, parts: int, mapping: Mapping) -> Iterator[RawRows]:
    """Each part's rows, in order; the temporary directory goes when the last is read (or the
    reader stops)."""
    import pyarrow.ipc as ipc

    from slalang.runtime.tickets.arrow import filled

    try:
        for p in range(parts):
            with ipc.open_file(f"{tmp.name}/{p}.arrow") as f:
                table = f.read_all()
            yield _raw_rows(table.drop_columns(["__row"]), mapping, filled(table.column("__row"), 0))
            del table
    finally:
        tmp.cleanup()


def _csv_items(stream) -> Iterator[tuple[int, Any, Optional[str]]]:
    """A CSV's rows (`records.csv_records`): a row with a problem keeps the values it has, so
    the problem reaches its ticket."""
    from slalang.runtime.records import csv_records

    yield from csv_records(stream.buffer if hasattr(stream, "buffer") else stream)


def _jsonl_items(stream) -> Iterator[tuple[int, Any, Optional[str]]]:
    """JSON Lines as a source reads them (`records.jsonl_records`; a `#` line is no comment here:
    an export has none, and such a line is worded as the problem it is)."""
    from slalang.runtime.records import jsonl_records

    yield from jsonl_records(stream, allow_comments=False)
