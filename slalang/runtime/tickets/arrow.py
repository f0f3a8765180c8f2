"""Runtime stage: the engine's Arrow door (SPEC §13) — §7 tickets from Arrow batches into columns,
result columns out as an Arrow table. pyarrow is imported here only, on first use.

Input: `id`, `severity`, `opened`, optional `customer`, `service`, `tier`, and `events` as a
list of structs `at, status, severity, type`. Instants are timestamps with a zone (any unit) or
ISO 8601 strings with an offset; a naive timestamp is a problem of its row, never a guess.
Rows in the common shape are read as whole columns; any other row is read by `parse_ticket`,
which words its problem or reads it as a ticket, as for dicts.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

import numpy as np

from slalang.runtime.instants import instants_us, parse_fixed
from slalang.runtime.tickets.columns import TicketColumns, _assemble, _str, parse_rows, ticket_key
from slalang.runtime.tickets.results import ResultColumns
from slalang.runtime.tickets.rules import (CANCELLED, CANCELLED_STATUS, MAX, METRICS, MIN, SEV, STATE_NAMES, STATUS,
                                           TYPE_CODES)

CSV_COLUMNS = ("id", "severity", "tier", "customer", "service", "metric", "state", "deadline", "goal", "elapsed",
               "remaining", "internal_state", "internal_deadline", "problem")


@lru_cache(maxsize=1)
def result_schema():
    """The schema of `evaluate_arrow`'s result (and of `slalang eval --format parquet`)."""
    import pyarrow as pa

    ts, dur = pa.timestamp("us", tz="UTC"), pa.duration("us")
    escalation = pa.struct([("step", pa.int32()), ("repeat", pa.int32()), ("due", ts),
                            ("notify", pa.list_(pa.string())), ("channels", pa.list_(pa.string())),
                            ("fired", pa.bool_()), ("cycle", pa.int32())])
    types = {"deadline": ts, "internal_deadline": ts, "goal": dur, "elapsed": dur, "remaining": dur}
    return pa.schema([(name, types.get(name, pa.string())) for name in CSV_COLUMNS]
                     + [("escalations", pa.list_(escalation))])


BATCH_ROWS = 65_536   # rows per engine call: a batch's working set stays in the caches


def batches(data):
    """The record batches of a pyarrow Table, RecordBatch or RecordBatchReader, lazily, in slices
    of at most BATCH_ROWS rows (zero-copy)."""
    import pyarrow as pa

    if isinstance(data, pa.RecordBatch):
        whole = [data]
    elif isinstance(data, pa.Table):
        whole = data.to_batches()
    elif isinstance(data, pa.RecordBatchReader):
        whole = data
    else:
        raise TypeError(f"expected a pyarrow Table, RecordBatch or RecordBatchReader, got {type(data).__name__}")
    for batch in whole:
        for lo in range(0, batch.num_rows, BATCH_ROWS):
            yield batch.slice(lo, BATCH_ROWS)


def evaluate_arrow(policy, data, now: int, *, strict: bool = False):
    """`Policy.evaluate_arrow`: every batch of `data` through the engine, results as one table."""
    import pyarrow as pa

    from slalang.runtime.tickets.engine import evaluate_columns, in_order

    def positioned():   # positions (in `#N` names and strict errors) count across the input
        first = 0
        for b in batches(data):
            yield b, first
            first += b.num_rows

    def work(item, threads):
        b, first = item
        return to_arrow(evaluate_columns(policy, from_arrow(b, policy.severity_list, first), now, strict=strict,
                                         threads=threads))

    tables = list(in_order(work, positioned()))
    return pa.concat_tables(tables) if tables else result_schema().empty_table()


# -- in ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _json_schema():
    import pyarrow as pa

    event = pa.struct([(name, pa.string()) for name in ("at", "status", "severity", "type")])
    return pa.schema([(name, pa.string()) for name in ("id", "severity", "opened", "customer", "service", "tier")]
                     + [("events", pa.list_(event))])


def json_lines_batch(lines: list[bytes]):
    """§7 JSON Lines read by Arrow's JSON reader in one go, as a record batch of strings (row k is
    line k), or None when a line is not in the common shape (blank, a comment, not JSON, a field
    of another type): the caller then reads the block line by line, which words each problem."""
    import pyarrow as pa
    import pyarrow.json as pajson

    if not lines or not all(line[:1] == b"{" for line in lines):
        return None
    text = b"".join(lines if lines[-1].endswith(b"\n") else [*lines, b"\n"])
    try:
        text.decode("utf-8")   # Arrow's reader does not check: bytes that are no UTF-8 go line by line
    except UnicodeDecodeError:
        return None
    try:
        table = pajson.read_json(pa.py_buffer(text),
                                 read_options=pajson.ReadOptions(block_size=1 << 22, use_threads=True),
                                 parse_options=pajson.ParseOptions(explicit_schema=_json_schema(),
                                                                   unexpected_field_behavior="ignore"))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != len(lines):
        return None
    return table.combine_chunks().to_batches()[0] if table.num_rows else None

def _encode(arr) -> tuple[np.ndarray, list]:
    """(each value's index into the distinct values, len(values) for null; the distinct values)
    of a text column, read through its dictionary: per-value work is per distinct value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_dictionary(arr.type):
        arr = pc.dictionary_encode(arr)
    if isinstance(arr, pa.ChunkedArray):   # encoded chunk by chunk against one shared dictionary
        if arr.num_chunks == 0:
            return np.zeros(0, dtype=np.int64), []
        values = arr.chunk(arr.num_chunks - 1).dictionary.to_pylist()
        return np.concatenate([filled(c.indices, len(values)) for c in arr.chunks]), values
    values = arr.dictionary.to_pylist()
    return filled(arr.indices, len(values)), values


def _lookup(idx: np.ndarray, values: list, table: dict) -> np.ndarray:
    """Each value's code in `table` (value -> int; -1 for a value not in it, null or empty)."""
    return np.array([table.get(v, -1) if v not in (None, "") else -1 for v in values] + [-1], dtype=np.int64)[idx]


def _codes(arr, table: dict) -> np.ndarray:
    """Each value's code in `table`, -1 for null, empty or unknown."""
    return _lookup(*_encode(arr), table)


def valid(arr) -> np.ndarray:
    """Where an Arrow array holds a value, read off its validity bitmap. (This module reads Arrow
    buffers with numpy rather than call `to_numpy` or pass Python values to Arrow, which make
    pyarrow import pandas: 0.2 s and 40 MB on every `slalang eval`.)"""
    import pyarrow as pa

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    if arr.null_count == 0:
        return np.ones(n, dtype=bool)
    if arr.null_count == n or arr.buffers()[0] is None:   # a null array has no bitmap
        return np.zeros(n, dtype=bool) if arr.null_count == n else np.ones(n, dtype=bool)
    bits = np.unpackbits(np.frombuffer(arr.buffers()[0], dtype=np.uint8), bitorder="little")
    return bits[arr.offset:arr.offset + n].astype(bool)


def filled(arr, value: int) -> np.ndarray:
    """An integer or timestamp array's values as int64, `value` where null."""
    import pyarrow as pa

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    raw = arr.cast(pa.int64())
    n = len(raw)
    if raw.null_count == n:
        return np.full(n, value, dtype=np.int64)
    out = np.frombuffer(raw.buffers()[1], dtype=np.int64)[raw.offset:raw.offset + n]
    if raw.null_count == 0:
        return out
    out = out.copy()
    out[~valid(raw)] = value
    return out


def _nonempty(arr) -> np.ndarray:
    """Where a string array holds a value that is not empty (from its offsets)."""
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:arr.offset + n + 1]
    return (np.diff(offsets) > 0) & valid(arr)


def _is_text(arr) -> bool:
    import pyarrow as pa

    t = arr.type
    return pa.types.is_string(t) or pa.types.is_large_string(t) or (
        pa.types.is_dictionary(t) and (pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)))


def _instants(arr) -> np.ndarray:
    """Epoch µs of a column of instants; MIN for null, naive and unreadable values."""
    import pyarrow as pa

    if pa.types.is_timestamp(arr.type):
        if arr.type.tz is None:   # a naive warehouse timestamp: the zone is not ours to guess
            return np.full(len(arr), MIN, dtype=np.int64)
        # read in the column's own unit: nanoseconds are floored to the microsecond (the engine
        # counts whole microseconds); a value beyond what microseconds can hold is MIN (a problem)
        raw = filled(arr, MIN)
        unit = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": 0}[arr.type.unit]
        if unit == 0:
            return np.where(raw == MIN, MIN, raw // 1_000)
        limit = MAX // unit
        return np.where((raw == MIN) | (raw > limit) | (raw < -limit), MIN, raw * unit)
    if pa.types.is_string(arr.type):
        return _text_instants(arr)
    if _is_text(arr):
        return instants_us(arr.cast(pa.string()).to_pylist())
    return np.full(len(arr), MIN, dtype=np.int64)


def _text_instants(arr) -> np.ndarray:
    """`instants_us` read straight from an Arrow string array's bytes, grouped by width (no Python
    string per value); MIN for null and for any value the fixed shapes do not cover."""
    n = len(arr)
    out = np.full(n, MIN, dtype=np.int64)
    if n == 0 or arr.null_count == n:
        return out
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:arr.offset + n + 1].astype(np.int64)
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    widths = np.diff(offsets)
    present = valid(arr)
    for width in np.unique(widths[present]).tolist():
        if not 20 <= width <= 32:
            continue
        rows = np.flatnonzero(present & (widths == width))
        u = data[offsets[rows][:, None] + np.arange(width)]
        out[rows] = parse_fixed(u)
    return out


def from_arrow(batch, sev_names: list[str], first: int = 0) -> TicketColumns:
    """One Arrow record batch of §7 tickets as columns (see the module docstring)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = batch.num_rows
    names = set(batch.schema.names)
    sev_index = {name: i for i, name in enumerate(sev_names)}
    status_index: dict[str, int] = {}
    key_ids: dict[tuple, int] = {}
    bad = np.zeros(n, dtype=bool)

    def column(name):
        return batch.column(name) if name in names else pa.nulls(n, pa.string())

    ids = column("id")
    if pa.types.is_integer(ids.type):
        ids = ids.cast(pa.string())
    if not _is_text(ids):
        bad[:] = True
        ids = pa.nulls(n, pa.string())
    ids = ids.cast(pa.string())
    bad |= ~_nonempty(ids)
    sev_col = column("severity")
    sev = _codes(sev_col, sev_index) if _is_text(sev_col) else np.full(n, -1, dtype=np.int64)
    bad |= sev < 0
    opened = _instants(column("opened"))
    bad |= opened == MIN
    # the terms key: tier, else customer and service (each read through its dictionary)
    parts = []
    for name in ("tier", "customer", "service"):
        col = column(name)
        if pa.types.is_null(col.type):
            col = col.cast(pa.string())
        if pa.types.is_integer(col.type):
            col = col.cast(pa.string())
        elif not _is_text(col):   # a list, a struct, bytes: the record's problem, worded by parse_ticket
            bad |= valid(col)
            col = pa.nulls(n, pa.string())
        enc = pc.dictionary_encode(col)
        values = [_str(v) for v in enc.dictionary.to_pylist()] + [None]
        parts.append((filled(enc.indices, len(values) - 1), values))
    (t_i, t_v), (c_i, c_v), (s_i, s_v) = parts
    combined = (t_i * len(c_v) + c_i) * len(s_v) + s_i
    uniq, inverse = np.unique(combined, return_inverse=True)
    key_of_u = []
    for code in uniq.tolist():
        rest, s = divmod(code, len(s_v))
        t, c = divmod(rest, len(c_v))
        key_of_u.append(key_ids.setdefault(ticket_key(t_v[t], c_v[c], s_v[s]), len(key_ids)))
    key_of = np.array(key_of_u, dtype=np.int64)[inverse.reshape(-1)] if n else np.zeros(0, dtype=np.int64)
    # events: a list of structs, flattened; anything else goes to parse_ticket
    counts = np.zeros(n, dtype=np.int64)
    ev_t = ev_code = ev_val = np.zeros(0, dtype=np.int64)
    ev_rows = np.zeros(0, dtype=np.int64)
    events = batch.column("events") if "events" in names else None
    if events is not None and not pa.types.is_null(events.type):
        if (pa.types.is_list(events.type) or pa.types.is_large_list(events.type)) and \
                pa.types.is_struct(events.type.value_type):
            counts = filled(pc.list_value_length(events), 0)
            flat = events.flatten()
            ev_rows = np.repeat(np.arange(n, dtype=np.int64), counts)
            fields = {flat.type.field(i).name for i in range(flat.type.num_fields)}

            def field(name):
                # struct_field honours the flattened slice's offset (StructArray.field does not)
                return pc.struct_field(flat, name) if name in fields else pa.nulls(len(flat), pa.string())

            ev_t = _instants(field("at"))
            given, code, val = np.zeros(len(flat), dtype=np.int64), np.zeros(len(flat), dtype=np.int64), \
                np.zeros(len(flat), dtype=np.int64)
            for name in ("status", "severity", "type"):
                col = field(name)
                if pa.types.is_null(col.type):
                    continue
                if not _is_text(col):
                    has = valid(col)
                    given += has
                    val[has], code[has] = 0, -1
                    continue
                idx, values = _encode(col)
                has = np.array([v not in (None, "") for v in values] + [False])[idx]
                given += has
                if name == "status":
                    table = {v: status_index.setdefault(v, len(status_index))
                             for v in values if v not in (None, "", CANCELLED_STATUS)}
                    cancel = np.array([v == CANCELLED_STATUS for v in values] + [False])[idx]
                    code = np.where(has, np.where(cancel, CANCELLED, STATUS), code)
                    val = np.where(has, np.where(cancel, 0, _lookup(idx, values, table)), val)
                elif name == "severity":
                    v = _lookup(idx, values, sev_index)
                    code, val = np.where(has, np.where(v >= 0, SEV, -1), code), np.where(has, v, val)
                else:
                    code = np.where(has, _lookup(idx, values, TYPE_CODES), code)
            wrong = (given != 1) | (code < 0) | (ev_t == MIN)
            first = np.cumsum(counts) - counts
            k = np.arange(ev_t.size, dtype=np.int64) - np.repeat(first, counts)
            previous = np.where(k == 0, opened[ev_rows], np.roll(ev_t, 1)) if ev_t.size else ev_t
            wrong |= ev_t < previous
            bad[ev_rows[wrong]] = True
            ev_code, ev_val = code, val
        else:
            bad |= valid(events)   # e.g. JSON text: parse_ticket reads it
    good = ~bad
    keep = good[ev_rows]
    pieces = ([ev_rows[keep]], [ev_t[keep]], [ev_code[keep]], [ev_val[keep]])
    counts = np.where(good, counts, 0)
    slow = np.flatnonzero(bad).tolist()
    id_list = ids.to_pylist() if slow else ids   # Python strings only where some row is read as a dict
    problems, raw_severity, unnamed = parse_rows(slow, lambda r: _row_record(batch, r), sev_names, id_list, sev,
                                                 opened, counts, key_of, key_ids, status_index, pieces, first)
    cols = _assemble(id_list, sev, opened, key_of, key_ids, counts, *pieces, status_index, problems, raw_severity,
                     ordered=not slow)
    cols.unnamed, cols.first = unnamed, first
    return cols


def _row_record(batch, r: int) -> dict:
    """Row r as a dict for `parse_ticket`, column by column; a value Python cannot hold (a
    timestamp out of its range) becomes text that names it, so the row's problem is worded
    rather than raised. Instants with a zone come as aware datetimes, read as integers (pyarrow's
    own conversion of them imports pandas)."""
    record = {}
    for name, col in zip(batch.schema.names, batch.columns):
        try:
            record[name] = _py(col.slice(r, 1).cast(_zoneless(col.type))[0].as_py(), col.type)
        except (ValueError, OverflowError, ArithmeticError):
            record[name] = f"<{col.type} value out of range>"
    return record


_PER_UNIT = {"s": 1_000_000, "ms": 1_000, "us": 1}


def _zoneless(typ):
    """`typ` with every timestamp that has a zone as int64 (its count of units since the epoch)."""
    import pyarrow as pa

    if pa.types.is_timestamp(typ) and typ.tz is not None:
        return pa.int64()
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        inner = _zoneless(typ.value_type)
        return pa.list_(inner) if pa.types.is_list(typ) else pa.large_list(inner)
    if pa.types.is_struct(typ):
        return pa.struct([pa.field(f.name, _zoneless(f.type)) for f in typ])
    return typ


def _py(value, typ):
    """A value read under `_zoneless(typ)` as `typ` would give it: units of a zoned timestamp as an
    aware datetime."""
    import pyarrow as pa

    from slalang.runtime.records import from_us

    if value is None:
        return None
    if pa.types.is_timestamp(typ) and typ.tz is not None:
        return from_us(value // 1_000 if typ.unit == "ns" else value * _PER_UNIT[typ.unit])
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        return [_py(v, typ.value_type) for v in value]
    if pa.types.is_struct(typ):
        return {f.name: _py(value.get(f.name), f.type) for f in typ}
    return value


# -- out --------------------------------------------------------------------------------------------

def np_column(values: np.ndarray, typ=None, null: Optional[np.ndarray] = None):
    """An Arrow array over a numpy array's memory (numbers, booleans, or fixed-width bytes as
    strings), null where `null` is set, cast to `typ`. Built from buffers: `pa.array` on numpy
    input would import pandas, which costs a service 40 MB and 0.2 s for nothing."""
    import pyarrow as pa

    n = len(values)
    validity, null_count = None, 0
    if null is not None and null.any():
        validity = pa.py_buffer(np.packbits(~null, bitorder="little"))
        null_count = int(null.sum())
    if values.dtype == np.bool_:
        arr = pa.Array.from_buffers(pa.bool_(), n, [validity, pa.py_buffer(np.packbits(values, bitorder="little"))],
                                    null_count=null_count)
    elif values.dtype.kind == "S":   # fixed-width ASCII: offsets every `itemsize` bytes
        width = values.dtype.itemsize
        offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
        arr = pa.Array.from_buffers(pa.string(), n, [validity, pa.py_buffer(offsets),
                                                     pa.py_buffer(np.ascontiguousarray(values))], null_count=null_count)
    else:
        values = np.ascontiguousarray(values)
        arr = pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), n, [validity, pa.py_buffer(values)],
                                    null_count=null_count)
    return arr if typ is None or arr.type == typ else arr.cast(typ)


def text_array(values: list):
    """A string array of Python strings (None for null), built from buffers: `pa.array` on Python
    objects imports pandas (0.2 s and 40 MB on every `slalang eval`) to look for its types."""
    import pyarrow as pa

    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    n = len(encoded)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=n), out=offsets[1:])
    null = np.fromiter((v is None for v in values), dtype=bool, count=n)
    validity = pa.py_buffer(np.packbits(~null, bitorder="little")) if null.any() else None
    large = offsets[-1] >= 2 ** 31
    arr = pa.Array.from_buffers(pa.large_string() if large else pa.string(), n,
                                [validity, pa.py_buffer(offsets if large else offsets.astype(np.int32)),
                                 pa.py_buffer(b"".join(encoded))], null_count=int(null.sum()))
    return arr.cast(pa.string()) if large else arr


def _strings(names: list, codes: np.ndarray):
    """A string column of names[code], null where code < 0."""
    import pyarrow as pa

    null = codes < 0
    if null.all():
        return pa.nulls(len(codes), pa.string())
    return text_array(list(names) or [""]).take(np_column(codes.astype(np.int32), null=null))


def _typed(values: np.ndarray, typ, null: np.ndarray):

    return np_column(values.astype(np.int64, copy=False), typ, null)


def to_arrow(res: ResultColumns):
    """The result columns as an Arrow table (`result_schema`): one row per ticket and metric in
    input order; a problem row has its id and problem only; a ticket with no metric in force has
    one row with no metric."""
    import pyarrow as pa

    schema = result_schema()
    n, m = res.n, res.metrics
    problem = np.zeros(n, dtype=bool)
    if res.problems:
        problem[list(res.problems)] = True
    mcount = np.bincount(m["row"], minlength=n) if n else np.zeros(0, dtype=np.int64)
    per = np.where(problem | (mcount == 0), 1, mcount)
    ticket = np.repeat(np.arange(n, dtype=np.int64), per)
    total = ticket.size
    every = total == m["row"].size   # every row a metric row (no problem, no ticket without metrics)
    if every:
        has = np.ones(total, dtype=bool)

        def metric_field(name):
            return m[name]
    else:
        mi = np.full(total, -1, dtype=np.int64)
        mi[np.repeat(mcount > 0, per)] = np.arange(m["row"].size)
        has = mi >= 0
        take = np.where(has, mi, 0)

        def metric_field(name):
            return m[name][take] if m["row"].size else np.zeros(total, dtype=np.int64)

    ids = res.ids if not isinstance(res.ids, list) else text_array(res.ids)
    id_col = ids.take(np_column(ticket)) if total else text_array([])
    is_problem = problem[ticket] if total else np.zeros(0, dtype=bool)
    # severity: the one each metric was judged under; else the one in force; a problem row's is null
    if every:
        sev, tid = metric_field("sev"), res.terms_of_row[ticket]
    else:
        sev = np.where(has, metric_field("sev"), res.final_sev[ticket] if total else 0)
        sev = np.where(is_problem, -1, sev)
        tid = np.where(is_problem, -1, res.terms_of_row[ticket] if total else 0)
    terms_names = [(t.tier, t.customer, t.service) for t in res.terms]
    terms_cols = []
    for j in range(3):
        values = [names[j] for names in terms_names]
        codes = np.array([-1 if v is None else i for i, v in enumerate(values)] + [-1], dtype=np.int64)
        terms_cols.append(_strings(values, codes[tid] if every else codes[np.where(tid < 0, len(values), tid)]))
    problem_text = list(dict.fromkeys(res.problems.values()))
    problem_code = {text: i for i, text in enumerate(problem_text)}
    pcode = np.full(n, -1, dtype=np.int64)
    for r, text in res.problems.items():
        pcode[r] = problem_code[text]
    no_internal = metric_field("internal") < 0
    if not every:
        no_internal |= ~has

    def where_has(values):
        return values if every else np.where(has, values, -1)

    def or_no_row(null):
        return null if every else null | ~has

    dl, idl = metric_field("dl"), metric_field("idl")
    goal, e = metric_field("goal"), metric_field("e")
    dur = pa.duration("us")
    ts = pa.timestamp("us", tz="UTC")
    columns = {
        "id": id_col, "severity": _strings(res.sev_names, sev),
        "tier": terms_cols[0], "customer": terms_cols[1], "service": terms_cols[2],
        "metric": _strings(METRICS, where_has(metric_field("metric"))),
        "state": _strings(STATE_NAMES, where_has(metric_field("state"))),
        "deadline": _typed(dl, ts, or_no_row(dl == MIN)),
        "goal": _typed(goal, dur, ~has), "elapsed": _typed(e, dur, ~has), "remaining": _typed(goal - e, dur, ~has),
        "internal_state": _strings(STATE_NAMES, np.where(no_internal, -1, metric_field("istate"))),
        "internal_deadline": _typed(idl, ts, no_internal | (idl == MIN)),
        "problem": _strings(problem_text, pcode[ticket] if total else pcode[:0]),
    }
    columns["escalations"] = _escalation_lists(res, ticket, has, metric_field("metric"), schema)
    return pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema)


def _lists(lists: list, ref: np.ndarray):
    """A list<string> column whose row k is lists[ref[k]], built from offsets and one take of the
    flattened names (a take of a list column costs several times as much)."""
    import pyarrow as pa

    lengths = np.array([len(v) for v in lists] or [0], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    names = text_array([name for v in lists for name in v] or [""])
    per = lengths[ref]
    offsets = np.concatenate([[0], np.cumsum(per)]).astype(np.int32)
    idx = np.repeat(starts[ref] - offsets[:-1], per) + np.arange(int(offsets[-1]), dtype=np.int64)
    return pa.ListArray.from_arrays(np_column(offsets), names.take(np_column(idx)))


def _escalation_lists(res: ResultColumns, ticket: np.ndarray, has: np.ndarray, metric: np.ndarray, schema):
    """Each metric row's escalation records (every cycle's, for update) as a list of structs."""
    import pyarrow as pa

    x = res.esc
    # the kernel writes records ticket by ticket, each ticket's by metric: sorted by (row, metric)
    key_x = x["row"] * 3 + x["metric"]
    key_o = ticket * 3 + metric
    per_key = np.bincount(key_x, minlength=3 * res.n)
    lengths = np.where(has, per_key[key_o] if key_o.size else key_o, 0)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    if offsets[-1] == key_x.size:   # every record belongs to a row: they are in row order already
        idx = slice(None)
    else:   # records of a clock with no row (its goal gone with a severity change) are left out
        lo = np.cumsum(per_key) - per_key
        idx = np.repeat(lo[key_o] - offsets[:-1], lengths) + np.arange(int(offsets[-1]), dtype=np.int64)
    struct_type = schema.field("escalations").type.value_type
    refs = res.refs
    ref = x["ref"][idx]
    step = np.array([r[0] for r in refs] or [0], dtype=np.int32)
    repeat = np.array([r[1] for r in refs] or [0], dtype=np.int32)
    due = x["due"][idx]
    values = pa.StructArray.from_arrays(
        [np_column(step[ref]), np_column(repeat[ref]),
         np_column(due, pa.timestamp("us", tz="UTC"), due == MIN),
         _lists([r[2] for r in refs], ref), _lists([r[3] for r in refs], ref),
         np_column(x["fired"][idx].astype(np.bool_)),
         np_column(x["cycle"][idx].astype(np.int32))], fields=list(struct_type))
    return pa.ListArray.from_arrays(np_column(offsets), values)
