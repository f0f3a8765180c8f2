"""Odd input a warehouse or a hand-made file really holds: every record still comes out, worded,
and nothing crashes the run (each case was once a traceback, a lost record or a wrong word)."""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import slalang
from slalang.cli import app

from ticket_kit import OFFICE

NOW = "2025-03-05T12:00:00Z"
GOOD = {"id": "G", "severity": "P1", "opened": "2025-03-03T10:00:00Z", "tier": "keep"}


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    d = tmp_path_factory.mktemp("odd")
    (d / "policy.sla").write_text(OFFICE)
    return slalang.compile(d)


@pytest.fixture(scope="module")
def artifact(policy, tmp_path_factory):
    path = tmp_path_factory.mktemp("odd-artifact") / "policy.json"
    policy.save(path)
    return path


def run_eval(*args):
    return CliRunner().invoke(app, ["eval", *map(str, args)])


def test_timestamps_in_any_unit_are_read_and_out_of_range_ones_are_problems(policy):
    us = 1741003200_000_000   # 2025-03-03T12:00:00Z
    base = {"id": ["A", "B"], "severity": ["P1", "P1"], "tier": ["keep", "keep"]}
    ns = pa.table({**base, "opened": pa.array([us * 1000, us * 1000 + 999], pa.timestamp("ns", tz="UTC"))})
    as_us = pa.table({**base, "opened": pa.array([us, us], pa.timestamp("us", tz="UTC"))})
    assert policy.evaluate_arrow(ns, now=NOW).equals(policy.evaluate_arrow(as_us, now=NOW))  # ns floored
    far = pa.table({"id": ["F"], "severity": ["P1"], "tier": ["keep"],
                    "opened": pa.array([10 ** 15], pa.timestamp("s", tz="UTC"))})
    [row] = policy.evaluate_arrow(far, now=NOW).to_pylist()
    assert row["id"] == "F" and "opened" in row["problem"]


def test_a_list_or_bytes_where_a_name_belongs_is_a_problem_of_its_row(policy):
    base = {"id": ["A", "B"], "severity": ["P1", "P1"], "opened": ["2025-03-03T10:00:00Z"] * 2}
    for odd in (pa.array([["acme"], None]), pa.array([b"\xff", None], pa.binary())):
        got = policy.evaluate_arrow(pa.table({**base, "customer": odd, "tier": ["keep", "keep"]}), now=NOW)
        rows = got.to_pylist()
        assert rows[0]["id"] == "A" and rows[0]["problem"] == '"customer" must be a string'
        assert all(r["problem"] is None for r in rows[1:])


def test_bytes_that_are_no_utf8_are_their_line_s_problem(artifact, tmp_path):
    """SPEC §18: the line is named and the rest of the file read; with nothing else to evaluate,
    the run exits 2."""
    src = tmp_path / "bad.jsonl"
    src.write_bytes(b'{"id": "\xff", "severity": "P1", "opened": "2025-03-03T10:00:00Z", "tier": "keep"}\n')
    for fmt in ("csv", "parquet"):
        result = run_eval(src, "--policy", artifact, "--now", NOW, "--format", fmt, "-o", tmp_path / f"o.{fmt}")
        assert result.exit_code == 2 and "bad.jsonl:1: not UTF-8 text (byte 9 of the line)" in result.stderr
        assert "no record could be evaluated" in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert not list(tmp_path.glob(".*.tmp"))


def test_an_output_that_cannot_be_written_is_refused_before_any_work(artifact, tmp_path):
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps(GOOD) + "\n")
    for target in (src / "o.csv", tmp_path):   # below a file; a directory
        result = run_eval(src, "--policy", artifact, "--now", NOW, "--format", "csv", "-o", target)
        assert result.exit_code == 2 and "cannot write" in result.stderr, result.output
        assert "records read" not in result.stderr
    assert not list(tmp_path.glob(".*.tmp"))
    result = run_eval(src, "--policy", artifact, "--now", NOW, "-o", tmp_path / "table.txt")
    assert result.exit_code == 2 and "--format csv, json or parquet" in result.stderr
    assert not (tmp_path / "table.txt").exists()


def test_tickets_whose_escalations_overrun_the_first_buffer_are_evaluated_whole(tmp_path):
    policy_text = OFFICE.replace("repeat every 30m up to 2 times", "repeat every 1m up to 400 times")
    (tmp_path / "policy.sla").write_text(policy_text)
    policy = slalang.compile(tmp_path)
    flips = [{"at": f"2025-03-03T{9 + k // 60:02d}:{k % 60:02d}:30Z",
              "status": "open" if k % 2 else "pending_customer"} for k in range(300)]
    records = [{**GOOD, "id": f"T{i}", "opened": "2025-03-03T09:00:00Z", "events": flips} for i in range(12)]
    results = policy.evaluate_tickets(records, now="2025-03-10T12:00:00Z")
    alone = policy.tier("keep").evaluate_ticket(records[0], now="2025-03-10T12:00:00Z")
    assert all(r.to_json()["escalations"] == alone.to_json()["escalations"] for r in results)
    assert sum(e.fired for e in alone.escalations) > 400


def test_positions_count_across_the_batches_of_the_input(policy):
    unnamed = {**GOOD, "id": None}
    table = pa.concat_tables([pa.Table.from_pylist([GOOD, unnamed]), pa.Table.from_pylist([GOOD, unnamed])])
    assert [r["id"] for r in policy.evaluate_arrow(table, now=NOW).to_pylist() if r["problem"]] == ["#2", "#4"]
    bad = {**GOOD, "severity": "P9"}
    chunked = pa.concat_tables([pa.Table.from_pylist([GOOD, GOOD]), pa.Table.from_pylist([bad, GOOD])])
    with pytest.raises(slalang.RecordError, match="ticket 3:"):
        policy.evaluate_arrow(chunked, now=NOW, strict=True)


def test_csv_writes_fractional_seconds_as_json_does(artifact, tmp_path):
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps(GOOD) + "\n")
    now = "2025-03-03T10:00:00.000003Z"
    as_csv = run_eval(src, "--policy", artifact, "--now", now, "--format", "csv")
    as_json = run_eval(src, "--policy", artifact, "--now", now, "--format", "json")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    metrics = json.loads(as_json.stdout.splitlines()[0])["metrics"]
    assert [r["elapsed"] for r in rows] == [str(metrics[r["metric"]]["elapsed"]) for r in rows] == ["3e-06"] * 3


def test_a_real_id_that_starts_with_a_hash_is_kept(artifact, tmp_path):
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps({**GOOD, "id": "#A-7", "severity": "P9"}) + "\n" + json.dumps(GOOD) + "\n")
    result = run_eval(src, "--policy", artifact, "--now", NOW, "--format", "json")
    assert json.loads(result.stdout.splitlines()[0])["id"] == "#A-7"


def test_problem_rows_keep_the_severity_the_record_gave(policy):
    late = {**GOOD, "id": "L", "opened": "2025-03-06T10:00:00Z"}
    no_terms = {**GOOD, "id": "N", "tier": "platinum"}
    results = policy.evaluate_tickets([late, no_terms], now=NOW)
    assert [(r.severity, r.problem is not None) for r in results] == [("P1", True), ("P1", True)]


def test_an_integer_tier_is_worded_alike_alone_and_in_a_batch(policy):
    odd = {**GOOD, "tier": 5}
    [alone] = policy.evaluate_tickets([odd], now=NOW)
    mixed = policy.evaluate_tickets([GOOD, odd], now=NOW)[1]
    assert alone.problem == mixed.problem == "unknown tier '5'; this policy has: keep, keep24, restart, restart24"


def test_parquet_in_nanoseconds_through_eval(artifact, tmp_path):
    us = 1741003200_000_000
    table = pa.table({"id": ["A"], "severity": ["P1"], "tier": ["keep"],
                      "opened": pa.array([us * 1000], pa.timestamp("ns", tz="UTC"))})
    pq.write_table(table, tmp_path / "ns.parquet")
    result = run_eval(tmp_path / "ns.parquet", "--policy", artifact, "--now", NOW, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "1 records read, 1 evaluated" in result.stderr or "1 record read, 1 evaluated" in result.stderr


def test_json_lines_comments_are_counted_and_a_bad_byte_is_its_line_s_problem(tmp_path):
    """SPEC §18: `#` lines vanished without a word, and one byte that is not UTF-8 stopped the
    whole file with no line number."""
    from typer.testing import CliRunner

    from slalang.cli import app

    (tmp_path / "p.sla").write_text('policy "H" { timezone "UTC" }\nseverity P1 "x"\n'
                                    'tier t {\n  support always\n  response P1 within 1h\n}\n')
    good = b'{"id":"%s","severity":"P1","opened":"2025-01-01T00:00:00Z","tier":"t"}\n'
    data = b"# exported 2025-03\n" + good % b"a" + b'{"id":"b","opened":"\xe9"}\n' + good % b"c"
    (tmp_path / "t.jsonl").write_bytes(data)
    result = CliRunner().invoke(app, ["eval", str(tmp_path / "t.jsonl"), "--policy", str(tmp_path / "p.sla"),
                                      "--now", "2025-02-01T00:00:00Z", "--format", "csv"])
    assert result.exit_code == 0
    assert "3 records read, 2 evaluated, 1 skipped" in result.stderr
    assert "t.jsonl:3: not UTF-8 text (byte 21 of the line)" in result.stderr
    assert "1 comment line (starting with #) read as no record" in result.stderr
    assert [line.split(",")[0] for line in result.stdout.splitlines()[1:]] == ["a", "#3", "c"]
