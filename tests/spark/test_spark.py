"""slalang.spark on Spark local[2]: the rows the executors give are, row for row and in input
order, the rows `Policy.evaluate_arrow` gives in-process — good tickets, bad records as problem
rows, instants as text or as warehouse timestamps — and the artifact may be a path, bytes or a
loaded Policy."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import slalang.spark as sls
from slalang.runtime import ArtifactError, InstantError
from slalang.runtime.tickets import result_schema

from spark_kit import NOW, bad_tickets, mixed, text_table, timestamp_table, tickets

N = 400

# pyspark 4 warns on pandas 3 whenever mapInArrow checks for pandas; mapInArrow converts no pandas
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")


def collect(df) -> pa.Table:
    """A Spark DataFrame's rows as one Arrow table, in order, with the engine's result schema."""
    table = df.toArrow() if hasattr(df, "toArrow") else pa.Table.from_batches(df._collect_as_arrow())
    return table.cast(result_schema())


def assert_same_rows(got: pa.Table, expected: pa.Table) -> None:
    """Row for row; on a difference, say which row and how."""
    assert got.schema.equals(expected.schema), f"{got.schema}\n!=\n{expected.schema}"
    a, b = got.to_pylist(), expected.to_pylist()
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"row {i} differs:\n spark:      {x}\n in-process: {y}"
    assert len(a) == len(b), f"spark gave {len(a)} rows, in-process {len(b)}"
    assert got.equals(expected)


@pytest.fixture(scope="module")
def text_input():
    return text_table(mixed(N))


@pytest.fixture(scope="module")
def timestamp_input():
    return timestamp_table(mixed(N))


@pytest.mark.parametrize("shape", ["text", "timestamp"])
def test_spark_gives_the_in_process_rows(spark, policy, policy_path, shape, text_input, timestamp_input):
    table = text_input if shape == "text" else timestamp_input
    expected = policy.evaluate_arrow(table, NOW)
    df = spark.createDataFrame(table)
    assert df.rdd.getNumPartitions() >= 3  # several partitions, several Arrow batches in each

    got = collect(sls.evaluate(df, policy_path, NOW))
    assert_same_rows(got, expected)

    # the data is what the test says it is: every kind of state, escalations, and every bad
    # record back as a row with only its id and problem — no record lost
    assert set(got.column("id").to_pylist()) == set(table.column("id").to_pylist())
    rows = got.to_pylist()
    states = {r["state"] for r in rows if r["problem"] is None}
    assert {"met", "missed", "breached", "running", "paused"} <= states
    assert sum(len(r["escalations"] or []) for r in rows) > 100
    assert len({r["tier"] for r in rows if r["tier"]}) >= 3
    problems = {r["id"]: r["problem"] for r in rows if r["problem"] is not None}
    bad = [b["id"] for b in bad_tickets() if shape == "text" or not b.get("text_only")]
    assert sorted(problems) == sorted(bad)
    for r in rows:
        if r["problem"] is not None:
            assert all(v in (None, []) for k, v in r.items() if k not in ("id", "problem")), r
    if shape == "text":
        assert "no offset" in problems["BAD-naive"]
    assert "P9" in problems["BAD-severity"]
    assert "out of order" in problems["BAD-order"]


def test_naive_warehouse_timestamps_are_problems_not_guesses(spark, policy, policy_path):
    """TimestampNTZ instants are local times of no known zone: each record is a problem row."""
    df = spark.createDataFrame(timestamp_table(tickets(20))).selectExpr(
        "id", "severity", "CAST(opened AS TIMESTAMP_NTZ) AS opened", "customer", "service", "tier", "events")
    assert df.schema["opened"].dataType.typeName() == "timestamp_ntz"
    naive = df.toArrow() if hasattr(df, "toArrow") else pa.Table.from_batches(df._collect_as_arrow())
    assert naive.schema.field("opened").type == pa.timestamp("us")  # as Spark holds it: no zone
    expected = policy.evaluate_arrow(naive, NOW)
    got = collect(sls.evaluate(df, policy_path, NOW))
    assert_same_rows(got, expected)
    assert got.num_rows == 20 and got.column("problem").null_count == 0


def test_artifact_as_path_bytes_or_policy(spark, policy, policy_path, monkeypatch):
    table = text_table(mixed(60, seed=5))
    expected = policy.evaluate_arrow(table, NOW)
    df = spark.createDataFrame(table)
    for artifact in (policy_path, str(policy_path), Path(policy_path).read_bytes(), policy):
        assert_same_rows(collect(sls.evaluate(df, artifact, NOW)), expected)
    # a large artifact rides as a broadcast variable
    monkeypatch.setattr(sls, "BROADCAST_ABOVE", 0)
    assert_same_rows(collect(sls.evaluate(df, policy, NOW)), expected)


def test_the_policy_is_loaded_once_per_worker_process(spark, policy_path):
    """Spark reuses Python workers: after a job of many tasks, the workers hold the loaded
    policy under the artifact's digest, and there are no more of them than cores."""
    import hashlib

    df = spark.createDataFrame(text_table(tickets(200)))
    tasks = df.rdd.getNumPartitions()
    assert sls.evaluate(df, policy_path, NOW).count() > 0
    key = hashlib.sha256(Path(policy_path).read_bytes()).hexdigest()

    def probe(batches):
        import os

        import slalang.spark as mod
        for _ in batches:
            pass
        yield pa.RecordBatch.from_pydict({"pid": [os.getpid()], "cached": [key in mod._LOADED]})

    seen = df.mapInArrow(probe, "pid long, cached boolean").collect()
    assert len(seen) == tasks >= 3
    assert len({r.pid for r in seen}) <= 2 and all(r.cached for r in seen)


def test_result_types_are_spark_instants_and_intervals(spark, policy_path):
    from pyspark.sql import types as T

    df = spark.createDataFrame(text_table(tickets(3)))
    schema = sls.evaluate(df, policy_path, NOW).schema
    assert schema.fieldNames() == result_schema().names
    assert isinstance(schema["deadline"].dataType, T.TimestampType)
    assert isinstance(schema["remaining"].dataType, T.DayTimeIntervalType)
    assert isinstance(schema["elapsed"].dataType, T.DayTimeIntervalType)
    step = schema["escalations"].dataType.elementType
    assert isinstance(step["due"].dataType, T.TimestampType)
    assert isinstance(step["notify"].dataType, T.ArrayType)


def test_extra_columns_and_empty_input(spark, policy, policy_path):
    table = text_table(tickets(10))
    df = spark.createDataFrame(table).selectExpr("*", "'x' AS warehouse_note")
    assert_same_rows(collect(sls.evaluate(df, policy_path, NOW)), policy.evaluate_arrow(table, NOW))
    empty = sls.evaluate(df.limit(0), policy_path, NOW)
    assert empty.count() == 0


def test_strict_fails_the_job(spark, policy_path):
    df = spark.createDataFrame(text_table(mixed(30)))
    with pytest.raises(Exception, match=r"RecordError: ticket 'BAD-[a-z-]+': ") as info:
        sls.evaluate(df, policy_path, NOW, strict=True).collect()
    problems = {b["id"]: None for b in bad_tickets()}
    assert any(f"ticket '{i}'" in str(info.value) for i in problems)


def test_driver_errors_before_any_task(spark, policy_path, tmp_path):
    df = spark.createDataFrame(text_table(tickets(3)))
    with pytest.raises(InstantError):
        sls.evaluate(df, policy_path, "2025-03-20T12:00:00")  # naive now
    with pytest.raises(ArtifactError):
        sls.evaluate(df, b"{not json", NOW)
    with pytest.raises(ArtifactError):
        sls.evaluate(df, tmp_path / "missing.json", NOW)
    with pytest.raises(TypeError):
        sls.evaluate(df, 42, NOW)
    with pytest.raises(ValueError, match="opened"):
        sls.evaluate(df.drop("opened"), policy_path, NOW)


class _Flaky:
    """A policy whose engine raises for any batch holding the id BOOM (and that row alone)."""

    def __init__(self, policy):
        self.policy = policy

    def evaluate_arrow(self, table, now, *, strict=False):
        if "BOOM" in table.column("id").to_pylist():
            raise RuntimeError("kaboom")
        return self.policy.evaluate_arrow(table, now, strict=strict)


def test_a_batch_that_raises_is_evaluated_record_by_record(policy, monkeypatch):
    """The executor function without Spark: a failing batch loses no record and raises nothing."""
    records = text_table(tickets(5)).to_pylist()
    records.insert(2, {**records[0], "id": "BOOM"})
    batch = pa.Table.from_pylist(records, schema=text_table([]).schema).to_batches()[0]
    monkeypatch.setitem(sls._LOADED, "flaky", _Flaky(policy))
    now = datetime(2025, 3, 20, 12, tzinfo=timezone.utc)  # NOW, as evaluate ships it
    fn = sls._PartitionEvaluator("flaky", b"", now, False, result_schema())
    got = pa.Table.from_batches(list(fn(iter([batch]))), schema=result_schema())
    good = policy.evaluate_arrow(pa.Table.from_batches([batch]).filter(pc.field("id") != "BOOM"), now)
    rows = got.to_pylist()
    assert [r["id"] for r in rows if r["id"] != "BOOM"] == good.column("id").to_pylist()
    boom = [r for r in rows if r["id"] == "BOOM"]
    assert len(boom) == 1 and "kaboom" in boom[0]["problem"]
    # worded as the engine words a skipped record: the same row but for the problem's text
    skipped = policy.evaluate_arrow(text_table([{**bad_tickets()[0], "id": "BOOM"}]), now).to_pylist()[0]
    assert {**boom[0], "problem": None} == {**skipped, "problem": None}


def test_module_imports_without_pyspark():
    code = ("import sys; sys.modules['pyspark'] = None\n"
            "import slalang.spark as s\n"
            "try:\n    s.evaluate(None, b'', '2025-01-01T00:00:00Z')\n"
            "except ImportError as e:\n    assert 'pip install' in str(e) and 'slalang[spark]' in str(e), e\n"
            "else:\n    raise SystemExit('no ImportError')\n")
    subprocess.run([sys.executable, "-c", code], check=True)
