"""Warehouse door: evaluate tickets held in a Spark DataFrame on the executors (SPEC §13).

    from slalang.spark import evaluate
    results = evaluate(tickets_df, "build/policy.json", "2025-03-31T23:00:00Z")

`evaluate` runs the one ticket engine, `Policy.evaluate_arrow`, inside `DataFrame.mapInArrow`:
each Arrow batch of tickets Spark hands a Python worker is evaluated where it lies, and the
result rows stream back as Arrow. Spark local mode gives exactly the rows the in-process engine
gives for the same tickets (tests/spark checks it row for row).

- **Input.** Tickets in the SPEC §7 shape, one row each: `id`, `severity`, `opened`
  (`TimestampType`, or an ISO 8601 string with an offset), `customer` and `service` or `tier`,
  and `events` as `array<struct<at, status, severity, type>>`. Other columns are not read. A
  naive instant (`TimestampNTZType`, or a string without an offset) is a problem of its record,
  never a guess. Event logs (one row per change, SPEC §12) must be gathered into one row per
  ticket first, since a batch holds whole rows and a ticket's changes may lie in several.
- **Output.** One row per ticket and metric, in the order of the input within each partition,
  with the columns of `slalang.runtime.tickets.result_schema()`; a skipped record is one row
  with only `id` and `problem`. Types (see `spark_schema`): instants `timestamp[us, UTC]` become
  `TimestampType` and durations `duration[us]` become `DayTimeIntervalType(DAY, SECOND)` —
  both exact to the microsecond, which is what Spark's Arrow path uses for these types, so no
  column is re-encoded as a number.
- **No record is lost, no task fails for a record.** Spark retries a failed task and then fails
  the whole job, so a record that cannot be evaluated must come back as a row with its
  `problem`. `evaluate_arrow` already words a bad record as a problem row; should it raise for
  a batch anyway, the batch is evaluated record by record and a record that still raises
  becomes a problem row naming the error. With `strict=True` the first bad record of a batch
  raises `RecordError` naming its id and problem instead, which fails the task and, after
  Spark's retries, the job.
- **The artifact** is a path (read on the driver: executors need not see the file), the
  artifact's bytes, or a loaded `slalang.runtime.Policy`. It is checked on the driver, shipped
  to the executors as bytes (inside the task closure, or as a broadcast variable when large),
  and loaded once per Python worker process, cached by the SHA-256 of those bytes.

Needs `pip install slalang[spark]` (pyspark, pandas, pyarrow) on the driver and in the
executors' Python (in local mode, point `PYSPARK_PYTHON` at the environment slalang is installed
in); `import slalang.spark` works without them, and `evaluate` says what to install when they
are missing.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Iterator, Union

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pyarrow as pa
    from pyspark.sql import DataFrame
    from pyspark.sql.types import DataType, StructType

    from slalang.runtime import Policy

__all__ = ["evaluate", "spark_schema", "TICKET_COLUMNS"]

# The SPEC §7 ticket columns evaluate reads; any other column of the input stays in Spark.
TICKET_COLUMNS = ("id", "severity", "opened", "customer", "service", "tier", "events")

# Artifacts larger than this ride to the executors as a broadcast variable rather than inside
# every task's closure (classic Spark only: Spark Connect has no SparkContext to broadcast with).
BROADCAST_ABOVE = 1 << 20

# Per Python worker process: artifact SHA-256 -> loaded Policy. Spark reuses Python workers
# across tasks (spark.python.worker.reuse), so a policy is parsed once per worker, not per task.
_LOADED: dict[str, "Policy"] = {}
_LOADED_MAX = 8

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

ArtifactLike = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, "Policy"]


def _require_pyspark():
    try:
        import pyspark  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"slalang.spark needs pyspark and pyarrow ({exc.name or exc} is missing): "
            "pip install 'slalang[spark]'") from None


def evaluate(df: "DataFrame", artifact: ArtifactLike, now: Any, *, strict: bool = False) -> "DataFrame":
    """Evaluate the tickets of `df` (SPEC §7 shape, one row per ticket) under a compiled policy,
    as of `now`, on the executors; return a DataFrame of result rows (one per ticket and metric,
    one with `id` and `problem` for a record that cannot be evaluated).

    `artifact`: a path to a compiled artifact (JSON), its bytes, or a loaded `Policy`.
    `now`: an aware `datetime` or an ISO 8601 string with an offset.
    `strict`: raise on the first bad record (failing the Spark job) instead of returning it as
    a problem row.

    Raises on the driver, before any task runs, for a missing pyspark, an unreadable or invalid
    artifact, a `now` that is not an instant, or a DataFrame without the `id`, `severity` and
    `opened` columns. The result is lazy like any DataFrame: nothing runs until an action.
    """
    _require_pyspark()
    from slalang.runtime import loads
    from slalang.runtime.instants import instant_us
    from slalang.runtime.tickets import result_schema

    raw = _artifact_bytes(artifact)
    loads(raw)  # check on the driver: a bad artifact is one clear error, not a failed task per partition
    key = hashlib.sha256(raw).hexdigest()
    now = _EPOCH + timedelta(microseconds=instant_us(now, "now"))  # one canonical form to ship

    columns = [c for c in TICKET_COLUMNS if c in df.columns]
    missing = [c for c in ("id", "severity", "opened") if c not in df.columns]
    if missing:
        raise ValueError(f"the tickets DataFrame has no {', '.join(missing)} column; "
                         f"SPEC §7 tickets have {', '.join(TICKET_COLUMNS)} (found {', '.join(df.columns)})")

    payload: Any = raw
    if len(raw) > BROADCAST_ABOVE:
        context = _spark_context(df)
        if context is not None:
            payload = context.broadcast(raw)

    out_schema = result_schema()
    fn = _PartitionEvaluator(key, payload, now, strict, out_schema)
    return df.select(*columns).mapInArrow(fn, spark_schema(out_schema))


def _artifact_bytes(artifact: ArtifactLike) -> bytes:
    """The artifact as bytes, from a path, bytes or a loaded Policy."""
    if isinstance(artifact, (bytes, bytearray, memoryview)):
        return bytes(artifact)
    if isinstance(artifact, (str, os.PathLike)):
        from slalang.runtime.errors import ArtifactError
        try:
            with open(artifact, "rb") as fh:
                return fh.read()
        except OSError as exc:
            raise ArtifactError(f"{os.fspath(artifact)}: cannot read: {exc.strerror or exc}") from None
    body = getattr(artifact, "artifact", None)
    if isinstance(body, dict):
        from slalang.runtime.artifact import canonical_json
        return canonical_json(body).encode("utf-8")
    raise TypeError(f"artifact must be a path, the artifact's bytes or a slalang Policy, "
                    f"not {type(artifact).__name__}")


def _spark_context(df: "DataFrame"):
    """The SparkContext behind df, or None (Spark Connect has none to broadcast with)."""
    try:
        return df.sparkSession.sparkContext
    except Exception:  # Spark Connect raises on .sparkContext
        return None


# -- types -------------------------------------------------------------------------------------

def spark_schema(schema: "pa.Schema") -> "StructType":
    """The Spark schema for an Arrow schema of evaluate's result.

    Instants `timestamp[us, tz]` -> `TimestampType` (an instant; Spark carries it as UTC
    microseconds, shown in the session time zone), `timestamp[us]` without a zone ->
    `TimestampNTZType`, `duration[us]` -> `DayTimeIntervalType(DAY, SECOND)` (microseconds,
    exact; Spark's Arrow path maps that type to `duration[us]` both ways), lists -> `ArrayType`,
    structs -> `StructType`, and the scalar types to their namesakes.
    """
    from pyspark.sql.types import StructField, StructType

    return StructType([StructField(f.name, _spark_type(f.type), f.nullable) for f in schema])


def _spark_type(t: "pa.DataType") -> "DataType":
    import pyarrow as pa
    from pyspark.sql import types as T

    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return T.StringType()
    if pa.types.is_boolean(t):
        return T.BooleanType()
    for test, spark in ((pa.types.is_int8, T.ByteType), (pa.types.is_int16, T.ShortType),
                        (pa.types.is_int32, T.IntegerType), (pa.types.is_int64, T.LongType),
                        (pa.types.is_float32, T.FloatType), (pa.types.is_float64, T.DoubleType)):
        if test(t):
            return spark()
    if pa.types.is_timestamp(t):
        if t.unit != "us":
            raise TypeError(f"Spark timestamps are microseconds; cannot map {t}")
        return T.TimestampType() if t.tz is not None else T.TimestampNTZType()
    if pa.types.is_duration(t):
        if t.unit != "us":
            raise TypeError(f"Spark day-time intervals are microseconds; cannot map {t}")
        return T.DayTimeIntervalType(T.DayTimeIntervalType.DAY, T.DayTimeIntervalType.SECOND)
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return T.ArrayType(_spark_type(t.value_type), t.value_field.nullable)
    if pa.types.is_struct(t):
        return T.StructType([T.StructField(t.field(i).name, _spark_type(t.field(i).type), t.field(i).nullable)
                             for i in range(t.num_fields)])
    raise TypeError(f"no Spark type for the Arrow type {t}")


# -- on the executors --------------------------------------------------------------------------

def _policy(key: str, payload: Any) -> "Policy":
    """The policy for `key`, loaded at most once per Python worker process."""
    policy = _LOADED.get(key)
    if policy is None:
        from slalang.runtime import loads
        raw = payload if isinstance(payload, (bytes, bytearray)) else payload.value  # a Broadcast
        policy = loads(raw)
        if len(_LOADED) >= _LOADED_MAX:
            _LOADED.clear()
        _LOADED[key] = policy
    return policy


class _PartitionEvaluator:
    """The function mapInArrow runs per partition: Arrow ticket batches in, result batches out.

    A plain picklable object (cloudpickle ships it to the executors with its fields): the
    artifact key and bytes (or broadcast), `now` as an aware UTC datetime, `strict`, and the
    result's Arrow schema, to which every output batch is cast so that Spark sees one schema.
    """

    def __init__(self, key: str, payload: Any, now: datetime, strict: bool, schema: "pa.Schema"):
        self.key, self.payload, self.now, self.strict, self.schema = key, payload, now, strict, schema

    def __call__(self, batches: Iterator["pa.RecordBatch"]) -> Iterator["pa.RecordBatch"]:
        import pyarrow as pa

        policy = _policy(self.key, self.payload)
        for batch in batches:
            if batch.num_rows == 0:
                continue
            table = self._evaluate(policy, _utc(pa.Table.from_batches([batch])))
            yield from _conform(table, self.schema).to_batches()

    def _evaluate(self, policy: "Policy", table: "pa.Table") -> "pa.Table":
        if self.strict:
            # evaluate, then raise for the first problem row: the engine's own strict error counts
            # tickets within this batch, which means nothing to a Spark user; the id does
            result = policy.evaluate_arrow(table, self.now)
            problems = result.column("problem")
            if problems.null_count < len(problems):
                from slalang.runtime.errors import RecordError
                first = next(i for i, p in enumerate(problems.to_pylist()) if p is not None)
                raise RecordError(f"ticket {result.column('id')[first].as_py()!r}: {problems[first].as_py()}")
            return result
        try:
            return policy.evaluate_arrow(table, self.now)
        except Exception:  # never fail a task for a record: find the record(s) and word them
            import pyarrow as pa
            parts = []
            for i in range(table.num_rows):
                one = table.slice(i, 1)
                try:
                    parts.append(_conform(policy.evaluate_arrow(one, self.now), self.schema))
                except Exception as exc:  # noqa: BLE001 - any failure becomes this record's problem
                    parts.append(_problem_row(one, f"cannot evaluate this record: {type(exc).__name__}: {exc}",
                                              self.schema))
            return pa.concat_tables(parts)


def _utc(table: "pa.Table") -> "pa.Table":
    """`table` with its zoned timestamps (opened, events.at) labelled UTC.

    Spark hands `TimestampType` columns over labelled with the session time zone
    (`spark.sql.session.timeZone`). The instants are the same UTC microseconds, so relabelling
    changes no clock; it makes the result independent of the session's zone, down to the
    wording of a problem that quotes an instant, and equal to the in-process result on the same
    data. Naive timestamps stay naive: the engine reports them as problems.
    """
    import pyarrow as pa

    target = pa.schema([f.with_type(_utc_type(f.type)) for f in table.schema])
    return table if target.equals(table.schema) else table.cast(target)


def _utc_type(t: "pa.DataType") -> "pa.DataType":
    import pyarrow as pa

    if pa.types.is_timestamp(t) and t.tz is not None and t.tz != "UTC":
        return pa.timestamp(t.unit, tz="UTC")
    if pa.types.is_list(t):
        return pa.list_(t.value_field.with_type(_utc_type(t.value_type)))
    if pa.types.is_struct(t):
        return pa.struct([t.field(i).with_type(_utc_type(t.field(i).type)) for i in range(t.num_fields)])
    return t


def _conform(table: "pa.Table", schema: "pa.Schema") -> "pa.Table":
    """`table` with exactly `schema` (the engine's result schema): Spark checks every batch."""
    if table.schema.equals(schema):
        return table
    return table.select(schema.names).cast(schema)


def _problem_row(one: "pa.Table", problem: str, schema: "pa.Schema") -> "pa.Table":
    """A result row with only `id` (as text) and `problem`, as the engine writes a skipped record
    (other columns null, list columns empty)."""
    import pyarrow as pa

    ident = one.column("id")[0].as_py() if "id" in one.column_names else None
    columns = []
    for field in schema:
        if field.name == "id":
            columns.append(pa.array([None if ident is None else str(ident)], field.type))
        elif field.name == "problem":
            columns.append(pa.array([problem], field.type))
        elif pa.types.is_list(field.type):
            columns.append(pa.array([[]], field.type))
        else:
            columns.append(pa.nulls(1, field.type))
    return pa.Table.from_arrays(columns, schema=schema)
