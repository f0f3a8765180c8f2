"""Runtime stage: ticket results written straight from their columns — CSV, JSON Lines, Parquet —
one batch at a time, so a file of any size streams through in bounded memory."""

from __future__ import annotations

import json
from typing import BinaryIO, Optional

import numpy as np

from slalang.runtime.tickets.arrow import CSV_COLUMNS, np_column, result_schema, to_arrow
from slalang.runtime.tickets.results import ResultColumns
from slalang.runtime.tickets.rules import METRICS, STATE_NAMES


def _csv_table(table):
    """The CSV columns of a result table as text, formatted as `iso_z` and `json_seconds` do:
    instants `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` in UTC, durations in seconds (whole ones as integers)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = {}
    for name in CSV_COLUMNS:
        col = table.column(name)
        if pa.types.is_timestamp(col.type):
            # UTC wall time as a naive timestamp: Arrow formats those fast (`YYYY-MM-DD HH:MM:SS`,
            # with `.ffffff` at microsecond unit), then the T and the Z of iso_z
            us = col.cast(pa.int64())
            whole = pc.equal(pc.subtract(us, pc.multiply(pc.divide(us, 1_000_000), 1_000_000)), 0)
            seconds = pc.divide(us, 1_000_000).cast(pa.timestamp("s")).cast(pa.string())
            if not pc.all(pc.fill_null(whole, True)).as_py():   # microseconds only where there are some
                seconds = pc.if_else(whole, seconds, us.cast(pa.timestamp("us")).cast(pa.string()))
            out[name] = pc.binary_join_element_wise(pc.utf8_replace_slice(seconds, 10, 11, "T"), "Z", "")
        elif pa.types.is_duration(col.type):
            us = col.cast(pa.int64()).to_numpy(zero_copy_only=False)
            null = col.is_null().to_numpy(zero_copy_only=False)
            us = np.where(null, 0, us).astype(np.int64)
            whole = us % 1_000_000 == 0
            text = np_column(us // 1_000_000).cast(pa.string())
            if not whole.all():   # fractional seconds as json_seconds gives them to JSON (Python's repr)
                exact = np.where(whole, "", None).astype(object)
                exact[~whole] = [repr(v) for v in (us[~whole] / 1_000_000).tolist()]
                text = pc.if_else(np_column(whole), text, pa.array(exact.tolist(), pa.string()))
            out[name] = pc.if_else(np_column(null), pa.nulls(len(col), pa.string()), text)
        else:
            out[name] = col
    return pa.table(out)


class CsvWriter:
    """`eval --format csv`: the header once, then every batch's rows."""

    def __init__(self, sink: BinaryIO):
        self.sink, self.header = sink, True

    def write(self, res: ResultColumns, table=None) -> None:
        import pyarrow.csv as pacsv

        table = to_arrow(res) if table is None else table
        import pyarrow.compute as pc

        text = _csv_table(table)
        # plain values unquoted, as most CSV writers do; quotes only where some value needs them
        # names from the policy are identifiers; only ids and problem texts are free text
        needs = any(pc.any(pc.match_substring_regex(text.column(name), '[",\\r\\n]')).as_py()
                    for name in ("id", "problem") if text.column(name).null_count < text.num_rows)
        if self.header:   # Arrow quotes header names always; the names need no quotes
            self.sink.write((",".join(CSV_COLUMNS) + "\n").encode())
        pacsv.write_csv(text, self.sink, pacsv.WriteOptions(include_header=False,
                                                            quoting_style="needed" if needs else "none"))
        self.header = False

    def close(self) -> None:
        if self.header:   # no batch at all: still a header, so the file says what it would hold
            self.sink.write((",".join(CSV_COLUMNS) + "\n").encode())

    def abandon(self) -> None:
        """The run failed: nothing more is written."""


class JsonWriter:
    """`eval --format json`: one JSON object per ticket (`TicketResult.to_json`), problems included."""

    def __init__(self, sink: BinaryIO):
        self.sink = sink

    def write(self, res: ResultColumns, table=None) -> None:
        lines = [json.dumps(r.to_json(), ensure_ascii=False) for r in res.views()]
        if lines:
            self.sink.write(("\n".join(lines) + "\n").encode("utf-8"))

    def close(self) -> None:
        pass

    def abandon(self) -> None:
        """The run failed: nothing more is written."""


class ParquetWriter:
    """`eval --format parquet`: the result table (`result_schema`), one row group per batch."""

    def __init__(self, sink: BinaryIO):
        import pyarrow.parquet as pq

        self.writer = pq.ParquetWriter(sink, result_schema())

    def write(self, res: ResultColumns, table=None) -> None:
        self.writer.write_table(to_arrow(res) if table is None else table)

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

    def add(self, res: ResultColumns, reasons: Optional[dict[int, str]] = None) -> None:
        m = res.metrics
        self.states += np.bincount(m["metric"] * len(STATE_NAMES) + m["state"],
                                   minlength=self.states.size).reshape(self.states.shape)
        self.fired += int(res.esc["fired"].sum())
        self.evaluated += res.n - len(res.problems)
        for r, text in res.problems.items():
            reason = (reasons or {}).get(r, text)
            self.skipped[reason] = self.skipped.get(reason, 0) + 1
