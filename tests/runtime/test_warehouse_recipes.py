"""The recipes of docs/warehouse.md run as written, so the page stays true.

Each test takes the fenced blocks of one section of the page (```python blocks are run in one
namespace, in order; ```console lines are run as commands), in a scratch directory laid out as
the page assumes: `build/policy.json` (compiled here from a small .sla text) and
`policies/samples/tickets.jsonl` (tickets made for that policy, one of them malformed). Every
recipe's result is then compared with `Policy.evaluate_arrow` on the same tickets.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

import slalang

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

DOC = Path(__file__).resolve().parents[2] / "docs" / "warehouse.md"
NOW = "2025-03-31T23:00:00Z"

POLICY = '''policy "Warehouse recipes" {
  version "1"
  timezone "Europe/London"
  horizon 2024..2026
}
window office {
  timezone "Europe/London"
  mon-fri 09:00-17:30
  except holidays "GB-ENG"
}
severity P1 "Critical"
severity P2 "High"
severity P3 "Normal"
contact lead "lead@example.test"
contact head "head@example.test"
escalation chain {
  at 50% notify lead via email
  at breach notify head via pager
}
tier standard {
  support office via email
  pause when pending_customer
  response P1 within 1h internal 30m
  response P2 within 4h
  response P3 within 8h
  resolution P1 within 8h during always
  resolution P2 within 16h
  resolution P3 within 40h
  update P1 every 2h
  escalate chain
}
service api { offers standard }
customer acme {
  contract api standard from 2024-01-01 to 2026-12-31 {
    response P2 within 2h
  }
}
'''

TICKETS = [
    {"id": "W-1", "severity": "P2", "opened": "2025-03-03T08:42:00Z", "customer": "acme", "service": "api",
     "events": [{"at": "2025-03-03T09:10:00Z", "type": "responded"},
                {"at": "2025-03-03T11:00:00Z", "type": "updated"},
                {"at": "2025-03-03T14:35:00Z", "type": "resolved"}]},
    {"id": "W-2", "severity": "P3", "opened": "2025-03-07T16:00:00Z", "tier": "standard",
     "events": [{"at": "2025-03-07T16:30:00Z", "status": "pending_customer"},
                {"at": "2025-03-10T09:30:00Z", "status": "open"},
                {"at": "2025-03-10T10:00:00Z", "severity": "P1"},
                {"at": "2025-03-10T11:00:00Z", "type": "responded"},
                {"at": "2025-03-11T09:00:00Z", "type": "resolved"}]},
    {"id": "W-3", "severity": "P1", "opened": "2025-03-31T13:00:00Z", "tier": "standard", "events": []},
    {"id": "W-4", "severity": "P2", "opened": "2025-03-28T10:00:00Z", "customer": "acme", "service": "api",
     "events": [{"at": "2025-03-28T10:20:00Z", "status": "pending_customer"}]},
    {"id": "W-5", "severity": "P9", "opened": "2025-03-12T10:00:00Z", "tier": "standard", "events": []},
    {"id": "W-6", "severity": "P1", "opened": "2025-03-29T23:30:00Z", "tier": "standard",
     "events": [{"at": "2025-03-30T01:30:00Z", "type": "responded"}]},   # across the clocks going forward
]


def sections() -> dict[str, list[tuple[str, str]]]:
    """'## heading' -> [(language, code)] of the fenced blocks under it."""
    out: dict[str, list[tuple[str, str]]] = {}
    heading = ""
    for part in re.split(r"^(## .*)$", DOC.read_text(), flags=re.M):
        if part.startswith("## "):
            heading = part[3:].strip()
            out[heading] = []
        elif heading:
            out[heading] += re.findall(r"^```(\w+)\n(.*?)^```", part, flags=re.M | re.S)
    return out


def blocks(prefix: str, language: str) -> list[str]:
    found = [code for heading, bs in sections().items() if heading.startswith(prefix)
             for lang, code in bs if lang == language]
    assert found, f"docs/warehouse.md has no ```{language} block under a '## {prefix}' heading"
    return found


def run_python(prefix: str, namespace: dict | None = None) -> dict:
    namespace = {"__name__": "__recipe__"} if namespace is None else namespace
    for i, code in enumerate(blocks(prefix, "python")):
        exec(compile(code, f"docs/warehouse.md [{prefix} #{i + 1}]", "exec"), namespace)
    return namespace


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    """The layout the page assumes, with the Arrow section's first block run (tickets.parquet)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "policy.sla").write_text(POLICY)
    (tmp_path / "build").mkdir()
    slalang.compile(src).save(tmp_path / "build" / "policy.json")
    samples = tmp_path / "policies" / "samples"
    samples.mkdir(parents=True)
    (samples / "tickets.jsonl").write_text("".join(json.dumps(t) + "\n" for t in TICKETS))
    monkeypatch.chdir(tmp_path)
    exec(compile(blocks("Arrow", "python")[0], "docs/warehouse.md [Arrow #1]", "exec"), {"__name__": "__recipe__"})
    assert (tmp_path / "tickets.parquet").exists()
    return tmp_path


def expected():
    """What the engine gives in process for the page's tickets (run inside `workdir`)."""
    policy = slalang.load("build/policy.json")
    return policy.evaluate_arrow(pq.read_table("tickets.parquet"), NOW)


def test_the_expected_result_has_every_ticket_and_the_bad_one_as_a_problem(workdir: Path) -> None:
    want = expected()
    ids = want["id"].to_pylist()
    assert list(dict.fromkeys(ids)) == [t["id"] for t in TICKETS]
    problems = {r["id"]: r["problem"] for r in want.to_pylist() if r["problem"]}
    assert set(problems) == {"W-5"}


def test_arrow_recipe(workdir: Path) -> None:
    ns = run_python("Arrow")
    want = expected()
    assert ns["result"].equals(want)
    assert pq.read_table("results.parquet").to_pylist() == want.to_pylist()
    assert pq.read_table("results-streamed.parquet").to_pylist() == want.to_pylist()


def test_eval_recipe(workdir: Path) -> None:
    script = Path(sys.executable).parent / "slalang"
    cli = [str(script)] if script.exists() else [sys.executable, "-c", "from slalang.cli import main; main()"]
    help_text = subprocess.run(cli + ["eval", "--help"], capture_output=True, text=True,
                               env={**os.environ, "COLUMNS": "200"}).stdout
    assert "parquet" in help_text, "slalang eval has no parquet format yet"
    commands = [line.split() for code in blocks("Parquet files", "console") for line in code.splitlines()
                if line.startswith("slalang ")]
    assert commands
    for words in commands:
        done = subprocess.run(cli + words[1:], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    want = expected().to_pylist()
    assert pq.read_table("results.parquet").to_pylist() == want
    assert pq.read_table("results-from-jsonl.parquet").to_pylist() == want
    with open("results.csv", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header == [c for c in expected().column_names if c != "escalations"]
    assert [(r[0], r[header.index("metric")], r[header.index("state")]) for r in rows] == \
        [(w["id"], w["metric"] or "", w["state"] or "") for w in want]


def _digest(rows) -> list[tuple]:
    """(id, metric, state, deadline, problem, elapsed µs, escalation steps), sorted."""
    return sorted(rows, key=lambda r: (r[0], r[1] or ""))


def test_duckdb_recipe(workdir: Path) -> None:
    pytest.importorskip("duckdb")
    ns = run_python("DuckDB")
    got = ns["con"].sql("""
        SELECT id, metric, state, deadline, problem,
               CAST(epoch(elapsed) * 1000000 AS BIGINT), len(escalations)
        FROM sla""").fetchall()
    want = [(r["id"], r["metric"], r["state"], r["deadline"], r["problem"],
             None if r["elapsed"] is None else r["elapsed"] // timedelta(microseconds=1),
             None if r["escalations"] is None else len(r["escalations"]))
            for r in expected().to_pylist()]
    assert _digest(got) == _digest(want)


def test_polars_recipe(workdir: Path, capsys) -> None:
    pl = pytest.importorskip("polars")
    ns = run_python("Polars")
    assert ns["results"].equals(pl.from_arrow(expected()))
    assert isinstance(ns["late"], pl.DataFrame)
    assert "late" in capsys.readouterr().out
