"""The Arrow door and the columnar outputs (SPEC §13): `evaluate_arrow` gives, row for row, what the
result views give; every record read is in every output, a skipped one with its problem; eval
streams Parquet in and out."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import slalang
from slalang.cli import app
from slalang.runtime.tickets import result_schema

from ticket_kit import OFFICE

UTC = timezone.utc
NOW = "2025-03-05T12:00:00Z"
TS = pa.timestamp("us", tz="UTC")
EVENT = pa.struct([("at", TS), ("status", pa.string()), ("severity", pa.string()), ("type", pa.string())])
SCHEMA = pa.schema([("id", pa.string()), ("severity", pa.string()), ("opened", TS), ("tier", pa.string()),
                    ("customer", pa.string()), ("service", pa.string()), ("events", pa.list_(EVENT))])


def records() -> list[dict]:
    """A mixed batch: pauses, a severity change, responses, a customer contract, two bad records."""
    t0 = datetime(2025, 3, 3, 9, tzinfo=UTC)
    out = []
    for i in range(60):
        opened = t0 + timedelta(minutes=37 * i)
        events = [{"at": opened + timedelta(minutes=20), "status": "pending_customer"},
                  {"at": opened + timedelta(minutes=80), "status": "open"}]
        if i % 3 == 0:
            events.append({"at": opened + timedelta(minutes=95), "severity": "P1"})
        if i % 4 == 0:
            events.append({"at": opened + timedelta(minutes=130), "type": "responded"})
        if i % 5 == 0:
            events.append({"at": opened + timedelta(hours=5), "type": "resolved"})
        row = {"id": f"T{i}", "severity": ["P1", "P2", "P3", "P4"][i % 4], "opened": opened, "events": events}
        row.update({"tier": "keep"} if i % 2 else {"customer": "acme", "service": "api"})
        out.append(row)
    out.insert(7, {"id": "BAD1", "severity": "P9", "opened": t0, "tier": "keep", "events": []})
    out.insert(12, {"id": "EARLY", "severity": "P2", "opened": t0 - timedelta(days=1), "customer": "acme",
                    "service": "api", "events": []})   # under the first contract
    out.insert(20, {"id": "BAD2", "severity": "P2", "opened": t0, "tier": "keep",
                    "events": [{"at": t0 - timedelta(hours=1), "type": "responded"}]})
    return out


def as_dicts(rows: list[dict]) -> list[dict]:
    def iso(v):
        return v.isoformat().replace("+00:00", "Z") if isinstance(v, datetime) else v
    return [{**r, "opened": iso(r["opened"]), "events": [{k: iso(v) for k, v in e.items()} for e in r["events"]]}
            for r in rows]


# the office policy of the ticket kit, with a customer whose contract changes tier on 3 March 13:00
POLICY = OFFICE + '''
service api { offers keep, restart24 }
customer acme {
  contract api restart24 from 2025-01-01 to 2025-03-02
  contract api keep from 2025-03-03
}
'''


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    d = tmp_path_factory.mktemp("arrow")
    (d / "policy.sla").write_text(POLICY)
    return slalang.compile(d)


def expected_rows(policy, rows) -> list[dict]:
    """What the result views say, flattened to one row per ticket and metric."""
    out = []
    for r in policy.evaluate_tickets(as_dicts(rows), now=NOW):
        if r.problem is not None:
            out.append({"id": r.id, "metric": None, "state": None, "problem": r.problem})
            continue
        for name, m in r.metrics.items():
            out.append({"id": r.id, "metric": name, "state": m.state, "problem": None, "severity": m.severity,
                        "deadline": m.deadline, "elapsed": m.elapsed, "internal_state": m.internal_state,
                        "escalations": [e for e in r.escalations if e.metric == name]})
    return out


def test_evaluate_arrow_gives_the_views_row_for_row(policy):
    rows = records()
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    got = policy.evaluate_arrow(table, now=NOW)
    assert got.schema == result_schema()
    want = expected_rows(policy, rows)
    assert got.num_rows == len(want)
    for g, w in zip(got.to_pylist(), want):
        assert (g["id"], g["metric"], g["state"], g["problem"]) == (w["id"], w["metric"], w["state"], w["problem"])
        if w["problem"] is None:
            assert (g["severity"], g["deadline"], g["elapsed"], g["internal_state"]) == (
                w["severity"], w["deadline"], w["elapsed"], w["internal_state"])
            assert [(e["step"], e["repeat"], e["due"], e["fired"], e["cycle"], e["notify"]) for e in g["escalations"]] \
                == [(e.step, e.repeat, e.due, e.fired, e.cycle, e.notify) for e in w["escalations"]]
        else:   # a skipped record is its id and its problem, nothing more
            assert all(g[k] is None for k in g if k not in ("id", "problem", "escalations"))


def test_batches_readers_and_iso_strings_give_the_same_table(policy):
    rows = records()
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    whole = policy.evaluate_arrow(table, now=NOW)
    reader = pa.RecordBatchReader.from_batches(SCHEMA, table.to_batches(max_chunksize=7))
    assert policy.evaluate_arrow(reader, now=NOW).equals(whole)
    assert policy.evaluate_arrow(table.slice(3, 10).to_batches()[0], now=NOW).equals(
        policy.evaluate_arrow(table.slice(3, 10), now=NOW))
    text_event = pa.struct([(f.name, pa.string()) for f in EVENT])
    text_schema = pa.schema([(f.name, pa.list_(text_event) if f.name == "events" else pa.string()) for f in SCHEMA])
    as_text = pa.Table.from_pylist(as_dicts(rows), schema=text_schema)   # instants as ISO strings
    assert policy.evaluate_arrow(as_text, now=NOW).to_pylist() == whole.to_pylist()


def test_a_naive_warehouse_timestamp_is_a_problem_of_its_row_never_a_guess(policy):
    naive = pa.schema([("id", pa.string()), ("severity", pa.string()), ("opened", pa.timestamp("us")),
                       ("tier", pa.string())])
    table = pa.table({"id": ["N1"], "severity": ["P2"], "opened": [datetime(2025, 3, 3, 9)], "tier": ["keep"]},
                     schema=naive)
    [row] = policy.evaluate_arrow(table, now=NOW).to_pylist()
    assert row["id"] == "N1" and "no timezone" in row["problem"]
    with pytest.raises(slalang.RecordError, match="no timezone"):
        policy.evaluate_arrow(table, now=NOW, strict=True)


def test_eval_streams_parquet_in_and_out_like_evaluate_arrow(policy, tmp_path, compiled):
    rows = records()
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    src, out, artifact = tmp_path / "t.parquet", tmp_path / "out" / "r.parquet", tmp_path / "p.json"
    pq.write_table(table, src, row_group_size=16)
    policy.save(artifact)
    result = CliRunner().invoke(app, ["eval", str(src), "--policy", str(artifact), "--now", NOW,
                                      "--format", "parquet", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{len(rows)} records read, {len(rows) - 2} evaluated, 2 skipped" in result.stderr, result.stderr
    assert f"{src}:8: unknown severity" in result.stderr   # the row number names a Parquet record
    assert pq.read_table(out).equals(policy.evaluate_arrow(table, now=NOW))
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]


def test_eval_csv_lists_every_record_with_skipped_ones_in_place(policy, tmp_path):
    rows = as_dicts(records())
    src, artifact = tmp_path / "t.jsonl", tmp_path / "p.json"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    policy.save(artifact)
    result = CliRunner().invoke(app, ["eval", str(src), "--policy", str(artifact), "--now", NOW, "--format", "csv"])
    assert result.exit_code == 0, result.output
    got = list(csv.DictReader(io.StringIO(result.stdout)))
    want = expected_rows(policy, records())
    assert [(g["id"], g["metric"], g["problem"]) for g in got] == [
        (w["id"], w["metric"] or "", w["problem"] or "") for w in want]


def test_a_run_that_evaluates_nothing_exits_2(policy, tmp_path):
    src, artifact = tmp_path / "t.jsonl", tmp_path / "p.json"
    src.write_text('{"id": "X", "severity": "P9", "opened": "2025-03-03T09:00:00Z", "tier": "keep"}\n')
    policy.save(artifact)
    result = CliRunner().invoke(app, ["eval", str(src), "--policy", str(artifact), "--now", NOW, "--format", "csv"])
    assert result.exit_code == 2
    assert "no record could be evaluated" in result.stderr
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))   # the record is still in the output
    assert (row["id"], row["problem"]) == ("X", 'unknown severity "P9"')


def test_runtime_loads_an_artifact_from_bytes(policy, tmp_path):
    artifact = tmp_path / "p.json"
    policy.save(artifact)
    again = slalang.runtime.loads(artifact.read_bytes())
    assert again.digest == policy.digest
    with pytest.raises(slalang.ArtifactError, match="not valid JSON"):
        slalang.runtime.loads(b"{")


def test_the_kernel_gives_the_same_results_in_threads(policy, monkeypatch):
    """Large groups run in one thread per core; each stretch of tickets must come out as if run alone."""
    from slalang.runtime.tickets import kernel

    rows = as_dicts(records()) * 5
    alone = [r.to_json() for r in policy.evaluate_tickets(rows, now=NOW)]
    monkeypatch.setattr(kernel, "_PER_THREAD", 7)
    monkeypatch.setattr(kernel, "CORES", 3)
    threaded = policy.evaluate_tickets(rows, now=NOW)
    assert [r.to_json() for r in threaded] == alone
    table = policy.evaluate_arrow(pa.Table.from_pylist(records() * 5, schema=SCHEMA), now=NOW)
    monkeypatch.setattr(kernel, "_PER_THREAD", 10**9)
    assert policy.evaluate_arrow(pa.Table.from_pylist(records() * 5, schema=SCHEMA), now=NOW).equals(table)


def test_batches_side_by_side_come_out_in_input_order(policy, monkeypatch):
    """Many small batches run one per core at a time; the table is the one a single batch gives,
    in input order, and the first bad record under strict is the one reported."""
    from slalang.runtime.tickets import arrow, engine

    table = pa.Table.from_pylist(records() * 9, schema=SCHEMA)
    whole = policy.evaluate_arrow(table, now=NOW)
    monkeypatch.setattr(arrow, "BATCH_ROWS", 5)
    monkeypatch.setattr(engine, "CORES", 2)
    assert policy.evaluate_arrow(table, now=NOW).equals(whole)
    with pytest.raises(slalang.RecordError) as first:
        policy.evaluate_arrow(table, now=NOW, strict=True)
    monkeypatch.setattr(engine, "CORES", 1)
    with pytest.raises(slalang.RecordError) as alone:
        policy.evaluate_arrow(table, now=NOW, strict=True)
    assert str(first.value) == str(alone.value)


def test_in_order_keeps_order_and_reads_ahead_a_little(monkeypatch):
    from slalang.runtime.tickets import engine

    monkeypatch.setattr(engine, "CORES", 2)
    pulled = []

    def items():
        for i in range(50):
            pulled.append(i)
            yield i

    got = []
    for k, (value, threads) in enumerate(engine.in_order(lambda i, threads: (i * i, threads), items())):
        got.append(value)
        assert len(pulled) <= k + 2 + 2   # at most one batch per core plus one ahead of the consumer
        assert threads == 1
    assert got == [i * i for i in range(50)]
    assert list(engine.in_order(lambda i, threads: threads, iter([7]))) == [None]   # alone: the kernel's threads


def test_evaluating_and_writing_never_import_pandas(policy, tmp_path):
    """pyarrow imports pandas when handed Python values; slalang's Arrow door never does (it
    cost `slalang eval` 0.2 s and 40 MB)."""
    import subprocess
    import sys

    pq.write_table(pa.Table.from_pylist(records(), schema=SCHEMA), tmp_path / "t.parquet")
    policy.save(tmp_path / "p.json")
    script = f"""
import sys
import pyarrow.parquet as pq
import slalang
from slalang.runtime.tickets.writers import WRITERS
policy = slalang.load({str(tmp_path / 'p.json')!r})
table = pq.ParquetFile({str(tmp_path / 't.parquet')!r}).read()
assert "pandas" not in sys.modules
policy.evaluate_arrow(table, now={NOW!r})
from slalang.views.eval import evaluate_file
from pathlib import Path
for fmt in ("csv", "parquet", "json"):
    evaluate_file(policy, Path({str(tmp_path / 't.parquet')!r}), now={NOW!r}, format=fmt, strict=False,
                  output=Path({str(tmp_path)!r}) / ("out." + fmt))
print("pandas" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stderr
