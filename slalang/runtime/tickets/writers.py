"""Runtime stage: ticket results written straight from their columns — CSV, JSON Lines, Parquet —
one batch at a time, so a file of any size streams through in bounded memory. Each writer
`encode`s a batch (pure: batches are encoded side by side on the engine's threads) and `put`s
the encoded batches in order."""

from __future__ import annotations

import json
from typing import BinaryIO, Optional

import numpy as np

from slalang.runtime.tickets.arrow import CSV_COLUMNS, filled, np_column, result_schema, text_array, to_arrow, valid
from slalang.runtime.tickets.results import ResultColumns
from slalang.runtime.tickets.rules import METRICS, STATE_NAMES


def _csv_table(table):
    """The CSV columns of a result table as text, formatted as `iso_z` and `json_seconds` do:
    instants `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` in UTC, durations in seconds (whole ones as integers)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = {}
    for name in CSV_COLUMNS:
        col = table.column(name).combine_chunks()
        if pa.types.is_timestamp(col.type):
            out[name] = iso_z_text(filled(col, 0), ~valid(col))
        elif pa.types.is_duration(col.type):
            us, null = filled(col, 0), ~valid(col)
            whole = us % 1_000_000 == 0
            text = np_column(us // 1_000_000).cast(pa.string())
            if not whole.all():   # fractional seconds as json_seconds gives them to JSON (Python's repr)
                exact = np.where(whole, "", None).astype(object)
                exact[~whole] = [repr(v) for v in (us[~whole] / 1_000_000).tolist()]
                text = pc.if_else(np_column(whole), text, text_array(exact.tolist()))
            out[name] = pc.if_else(np_column(null), pa.nulls(len(col), pa.string()), text)
        else:
            out[name] = col
    return pa.Table.from_arrays(list(out.values()), names=list(out))


def iso_z_text(us: np.ndarray, null: np.ndarray):
    """Epoch µs as `iso_z` words them (`YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, microseconds only where
    there are some), null where `null`: Arrow formats the naive UTC wall time, numpy puts in the
    T and the Z, row by row as bytes."""
    import pyarrow as pa

    from slalang.runtime.records import iso_z

    n = len(us)
    text = np_column(us, pa.timestamp("us")).cast(pa.string())   # `YYYY-MM-DD HH:MM:SS.ffffff`
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[:n + 1]
    if n == 0 or not (np.diff(offsets) == 26).all():   # a year of other than four digits
        return text_array([None if gone else iso_z(int(v)) for v, gone in zip(us.tolist(), null.tolist())])
    rows = np.frombuffer(text.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[0] + 26 * n].reshape(n, 26)
    wide = np.empty((n, 27), dtype=np.uint8)
    wide[:, :26] = rows
    wide[:, 10] = ord("T")
    whole = us % 1_000_000 == 0
    width = np.where(whole, 19, 26)
    wide[np.arange(n), width] = ord("Z")
    data = wide[np.arange(27) < (width + 1)[:, None]]   # row by row, each to its Z
    ends = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(width + 1, out=ends[1:])
    validity = pa.py_buffer(np.packbits(~null, bitorder="little")) if null.any() else None
    return pa.Array.from_buffers(pa.string(), n, [validity, pa.py_buffer(ends), pa.py_buffer(data)],
                                 null_count=int(null.sum()))


class CsvWriter:
    """`eval --format csv`: the header once, then every batch's rows."""

    def __init__(self, sink: BinaryIO):
        self.sink, self.header = sink, True

    def encode(self, res: ResultColumns, table=None) -> bytes:
        """A batch's rows as CSV text (no header). Touches no shared state: batches are encoded
        side by side, then `put` in order."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv

        text = _csv_table(to_arrow(res) if table is None else table)
        # plain values unquoted, as most CSV writers do; quotes only where some value needs them
        # names from the policy are identifiers; only ids and problem texts are free text
        needs = any(pc.any(pc.match_substring_regex(text.column(name), '[",\\r\\n]')).as_py()
                    for name in ("id", "problem") if text.column(name).null_count < text.num_rows)
        out = pa.BufferOutputStream()
        pacsv.write_csv(text, out, pacsv.WriteOptions(include_header=False,
                                                     quoting_style="needed" if needs else "none"))
        return out.getvalue().to_pybytes()

    def put(self, encoded: bytes) -> None:
        if self.header:   # Arrow quotes header names always; the names need no quotes
            self.sink.write((",".join(CSV_COLUMNS) + "\n").encode())
            self.header = False
        self.sink.write(encoded)

    def write(self, res: ResultColumns, table=None) -> None:
        self.put(self.encode(res, table))

    def close(self) -> None:
        if self.header:   # no batch at all: still a header, so the file says what it would hold
            self.sink.write((",".join(CSV_COLUMNS) + "\n").encode())

    def abandon(self) -> None:
        """The run failed: nothing more is written."""


class JsonWriter:
    """`eval --format json`: one JSON object per ticket (`TicketResult.to_json`), problems included."""

    def __init__(self, sink: BinaryIO):
        self.sink = sink

    def encode(self, res: ResultColumns, table=None) -> bytes:
        lines = [json.dumps(r.to_json(), ensure_ascii=False) for r in res.views()]
        return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""

    def put(self, encoded: bytes) -> None:
        self.sink.write(encoded)

    def write(self, res: ResultColumns, table=None) -> None:
        self.put(self.encode(res, table))

    def close(self) -> None:
        pass

    def abandon(self) -> None:
        """The run failed: nothing more is written."""


class ParquetWriter:
    """`eval --format parquet`: the result table (`result_schema`), one row group per batch."""

    def __init__(self, sink: BinaryIO):
        import pyarrow.parquet as pq

        self.writer = pq.ParquetWriter(sink, result_schema())

    def encode(self, res: ResultColumns, table=None):
        return to_arrow(res) if table is None else table

    def put(self, table) -> None:
        self.writer.write_table(table)

    def write(self, res: ResultColumns, table=None) -> None:
        self.put(self.encode(res, table))

    def close(self) -> None:
        self.writer.close()

    def abandon(self) -> None:
        """The run failed: close the writer now (its footer goes to a file about to be removed),
        not later against a closed file."""
        try:
            self.writer.close()
        except (OSError, ValueError):
            pass


WRITERS = {"csv": CsvWriter, "json": JsonWriter, "parquet": ParquetWriter}


class Tally:
    """What a run evaluated, counted from the columns: states per metric, notifications fired,
    records evaluated and skipped (by reason)."""

    def __init__(self) -> None:
        self.states = np.zeros((len(METRICS), len(STATE_NAMES)), dtype=np.int64)
        self.fired = 0
        self.evaluated = 0
        self.skipped: dict[str, int] = {}
        self.statuses: dict[str, list[int]] = {}   # status -> [events, tickets] over the run

    def add(self, res: ResultColumns, reasons: Optional[dict[int, str]] = None) -> None:
        m = res.metrics
        self.states += np.bincount(m["metric"] * len(STATE_NAMES) + m["state"],
                                   minlength=self.states.size).reshape(self.states.shape)
        self.fired += int(res.esc["fired"].sum())
        self.evaluated += res.n - len(res.problems)
        from slalang.runtime.tickets.engine import status_use

        cols = getattr(res, "status_columns", None)
        for name, (events, tickets) in (status_use(cols, res.problems) if cols is not None else {}).items():
            seen = self.statuses.setdefault(name, [0, 0])
            seen[0] += events
            seen[1] += tickets
        for r, text in res.problems.items():
            reason = (reasons or {}).get(r, text)
            self.skipped[reason] = self.skipped.get(reason, 0) + 1
