"""Benchmark: the ticket engine's figures of issue 10 (SPEC §13), 3 events per ticket, on the
business-hours policy of bench_tickets.py (pauses, severity changes, internal goal, update
cycles, escalation chain):

  - `Policy.evaluate_arrow` on a 1,000,000-ticket Arrow table     goal >= 1,000,000 tickets/s
  - `slalang eval` JSONL -> CSV, end to end as a real subprocess   goal >=   150,000 tickets/s
  - `slalang eval` Parquet -> Parquet, the same                    goal >=   500,000 tickets/s
  - peak RSS of `slalang eval` on 1,000,000 tickets               goal <= 400 MB,
    and its ratio to the peak on 100,000 tickets                   goal <= 1.5x
  - `Terms.evaluate_ticket` on one ticket, median                 goal <= 100 us

Each figure is printed with its goal and whether it is met; timing never fails the run (exit
status 1 only on a real error: a subprocess that fails, or problems in clean input). Peak RSS
is the child's own `ru_maxrss` (os.wait4 in a small launcher; see LAUNCHER). Data is generated
into a temporary directory.

Run: .venv/bin/python benchmarks/bench_engine.py [N_LARGE]   (default 1,000,000)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tickets import POLICY  # noqa: E402  (the same policy as bench_tickets)

NOW = "2025-12-01T00:00:00Z"
US = 1_000_000
SMALL = 100_000
SKIP_LARGE_AFTER_S = 15.0           # a 100k run slower than this: the 1M run would blow the budget
SKIP_LARGE_ABOVE_MB = 400.0         # ... or above the 1M goal already: 10x that would crowd the machine
TIMEOUT_S = 240
# event kinds as bench_tickets draws them: (status, severity, type)
KINDS = [("pending_customer", None, None), (None, None, "responded"), ("open", None, None),
         (None, None, "updated"), (None, "P1", None), (None, None, "resolved")]
KIND_JSON = ['"status": "pending_customer"', '"type": "responded"', '"status": "open"',
             '"type": "updated"', '"severity": "P1"', '"type": "resolved"']
SEVERITIES = np.array(["P1", "P2", "P3", "P4"])


def draw(n: int, seed: int = 7):
    """(opened s, event instants s (n, 3), event kinds (n, 3), severity index) for n tickets."""
    rng = np.random.default_rng(seed)
    base = int(datetime(2025, 1, 6, tzinfo=timezone.utc).timestamp())
    opened = base + 60 * rng.integers(0, 300 * 24 * 60, n)
    at = opened[:, None] + 60 * np.cumsum(rng.integers(1, 600, (n, 3)), axis=1)
    kinds = rng.integers(0, len(KINDS), (n, 3))
    return opened, at, kinds, rng.integers(0, 4, n)


def arrow_table(opened, at, kinds, sev):
    import pyarrow as pa

    n = len(opened)
    ts = pa.timestamp("us", tz="UTC")
    flat = kinds.ravel()
    cols = [pa.array(np.array([k[j] for k in KINDS], dtype=object)[flat], pa.string()) for j in range(3)]
    events = pa.StructArray.from_arrays([pa.array(at.ravel() * US, ts), *cols],
                                        names=["at", "status", "severity", "type"])
    return pa.table({
        "id": pa.array([f"T{i}" for i in range(n)], pa.string()),
        "severity": pa.array(SEVERITIES[sev], pa.string()),
        "opened": pa.array(opened * US, ts),
        "customer": pa.nulls(n, pa.string()),
        "service": pa.nulls(n, pa.string()),
        "tier": pa.array(np.full(n, "standard", dtype=object), pa.string()),
        "events": pa.ListArray.from_arrays(pa.array(np.arange(0, 3 * n + 1, 3, dtype=np.int32)), events),
    })


def iso(seconds) -> np.ndarray:
    return np.char.add(np.datetime_as_string(np.asarray(seconds).astype("datetime64[s]"), unit="s"), "Z")


def write_jsonl(path: Path, opened, at, kinds, sev) -> None:
    """§7 JSON Lines, each event with only its own keys (as bench_tickets' dicts)."""
    op, ats = iso(opened), iso(at)
    kj = np.array(KIND_JSON)[kinds]
    sv = SEVERITIES[sev]
    with open(path, "w") as f:
        step = 100_000
        for lo in range(0, len(opened), step):
            hi = min(lo + step, len(opened))
            f.writelines(
                f'{{"id": "T{i}", "severity": "{s}", "opened": "{o}", "tier": "standard", "events": ['
                f'{{"at": "{a[0]}", {k[0]}}}, {{"at": "{a[1]}", {k[1]}}}, {{"at": "{a[2]}", {k[2]}}}]}}\n'
                for i, s, o, a, k in zip(range(lo, hi), sv[lo:hi], op[lo:hi], ats[lo:hi], kj[lo:hi]))


def dicts(opened, at, kinds, sev, count: int) -> list[dict]:
    op, ats = iso(opened[:count]), iso(at[:count])
    out = []
    for i in range(count):
        events = []
        for j in range(3):
            status, severity, kind = KINDS[kinds[i, j]]
            e = {"at": ats[i, j]}
            e.update({k: v for k, v in (("status", status), ("severity", severity), ("type", kind)) if v})
            events.append(e)
        out.append({"id": f"T{i}", "severity": str(SEVERITIES[sev[i]]), "opened": op[i], "tier": "standard",
                    "events": events})
    return out


def slalang_cmd() -> list[str]:
    script = Path(sys.executable).parent / "slalang"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from slalang.cli import main; sys.argv[0] = 'slalang'; main()"]


# Peak RSS is measured by a small launcher process, not by this one: Linux folds the address
# space a process had before exec into its ru_maxrss, and a child forked (or vforked) from this
# process, which holds a million tickets, would report this process's size, not its own.
LAUNCHER = r"""
import os, subprocess, sys, time
report, stdout, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(stdout if stdout != "-" else os.devnull, "wb") as out:
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=out)
    _, status, usage = os.wait4(child.pid, 0)
    spent = time.perf_counter() - t0
with open(report, "w") as f:
    f.write(f"{spent} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def run_child(cmd: list[str], stdout_path: Path | None) -> tuple[float, float, int, str]:
    """(seconds, peak RSS MB, exit code, stderr tail) of one `slalang eval` child: its own wall
    time and ru_maxrss (KiB on Linux), as the launcher took them with os.wait4."""
    with tempfile.TemporaryDirectory() as side:
        report = Path(side) / "report"
        launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(report), str(stdout_path or "-"), *cmd],
                                    stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, err = launcher.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, 9)        # the launcher's own session: it and its child, by id
            _, err = launcher.communicate()
            return TIMEOUT_S, 0.0, -9, f"timed out after {TIMEOUT_S} s"
        tail = err.decode(errors="replace")[-600:]
        if launcher.returncode != 0 or not report.exists():
            return 0.0, 0.0, launcher.returncode or 1, tail
        spent, kib, code = report.read_text().split()
    return float(spent), int(kib) / 1024, int(code), tail


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> int:
    import pyarrow.parquet as pq

    import slalang

    large = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    failures: list[str] = []
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "policy").mkdir()
        (tmp / "policy" / "p.sla").write_text(POLICY)
        policy = slalang.compile(tmp / "policy")
        artifact = tmp / "policy.json"
        policy.save(artifact)

        t0 = time.perf_counter()
        drawn = draw(large)
        table = arrow_table(*drawn)
        files = {}
        for size in sorted({min(SMALL, large), large}):
            part = [x[:size] for x in drawn]
            files[size, "jsonl"] = tmp / f"t{size}.jsonl"
            write_jsonl(files[size, "jsonl"], *part)
            files[size, "parquet"] = tmp / f"t{size}.parquet"
            pq.write_table(table.slice(0, size), files[size, "parquet"])
        generated = time.perf_counter() - t0

        # 1. evaluate_arrow
        policy.evaluate_arrow(table.slice(0, 2000), NOW)            # warm: the kernel, the window's years
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            result = policy.evaluate_arrow(table, NOW)
            runs.append(time.perf_counter() - t0)
            rows = result.num_rows
            problems = result["problem"].null_count
            del result
        if problems != rows:
            failures.append(f"evaluate_arrow: {rows - problems:,} problem rows in clean input")
        rate = large / statistics.median(runs)
        lines.append(f"  evaluate_arrow       {large:,} tickets: best {min(runs):.2f} s, median "
                     f"{statistics.median(runs):.2f} s = {rate:,.0f} tickets/s ({rows:,} rows)   "
                     f"goal >= 1,000,000 tickets/s ({verdict(rate >= 1_000_000)} on the median)")

        # 2-4. slalang eval as a real subprocess
        formats = [("jsonl", "csv", 150_000), ("parquet", "parquet", 500_000)]
        for src, fmt, goal in formats:
            peaks: dict[int, float] = {}
            label = f"eval {src.upper() if src == 'jsonl' else 'Parquet'}->{fmt.upper() if fmt == 'csv' else 'Parquet'}"
            for size in sorted({min(SMALL, large), large}):
                if size == large and size != SMALL and peaks:
                    small_s, small_mb = last
                    if small_s > SKIP_LARGE_AFTER_S or small_mb > SKIP_LARGE_ABOVE_MB:
                        lines.append(f"  {label:20} {large:,} tickets skipped: {SMALL:,} took {small_s:.1f} s and "
                                     f"{small_mb:,.0f} MB, so {large:,} would not fit the run's budget")
                        break
                out = tmp / f"out{size}.{fmt}"
                cmd = slalang_cmd() + ["eval", str(files[size, src]), "--policy", str(artifact), "--now", NOW,
                                       "--format", fmt]
                if fmt == "parquet":
                    cmd += ["-o", str(out)]
                spent, mb, code, tail = run_child(cmd, None if fmt == "parquet" else out)
                if code != 0:
                    failures.append(f"{label} on {size:,} tickets exited {code}: {tail.strip()}")
                    break
                peaks[size] = mb
                last = (spent, mb)
                rate = size / spent
                lines.append(f"  {label:20} {size:,} tickets: {spent:.2f} s = {rate:,.0f} tickets/s, peak RSS "
                             f"{mb:,.0f} MB ({out.stat().st_size / 1e6:,.0f} MB out)   goal >= {goal:,} tickets/s "
                             f"({verdict(rate >= goal)})")
            if large in peaks and SMALL in peaks and large != SMALL:
                ratio = peaks[large] / peaks[SMALL]
                lines.append(f"  {'peak RSS ' + src:20} {large:,} tickets {peaks[large]:,.0f} MB   goal <= 400 MB "
                             f"({verdict(peaks[large] <= 400)}); {ratio:.2f}x the peak on {SMALL:,}   goal <= 1.5x "
                             f"({verdict(ratio <= 1.5)})")
            elif SMALL in peaks:
                lines.append(f"  {'peak RSS ' + src:20} on {large:,} tickets not measured; {peaks[SMALL]:,.0f} MB on "
                             f"{SMALL:,} ({peaks[SMALL] * 1024 / SMALL:,.1f} KB a ticket)   goal <= 400 MB on 1,000,000 "
                             f"and <= 1.5x the 100,000 peak (not measured)")

        # 5. evaluate_ticket on one ticket
        terms = policy.tier("standard")
        sample = dicts(*drawn, count=2000)
        for t in sample[:200]:
            terms.evaluate_ticket(t, NOW)                                 # warm
        times = []
        for t in sample:
            t0 = time.perf_counter_ns()
            r = terms.evaluate_ticket(t, NOW)
            times.append(time.perf_counter_ns() - t0)
            if r.problem:
                failures.append(f"evaluate_ticket: {t['id']}: {r.problem}")
                break
        med = statistics.median(times) / 1000
        lines.append(f"  evaluate_ticket      one ticket: median {med:,.1f} us, p90 "
                     f"{sorted(times)[int(len(times) * 0.9)] / 1000:,.1f} us over {len(times):,} tickets   "
                     f"goal <= 100 us ({verdict(med <= 100)})")

    print("bench_engine")
    print(f"  tickets              3 events each, business-hours window, pauses, severity changes, escalation "
          f"chain; data for {' and '.join(f'{k:,}' for k in sorted({large, min(SMALL, large)}, reverse=True))} "
          f"generated in {generated:.1f} s")
    for line in lines:
        print(line)
    for f in failures:
        print(f"  ERROR: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
