"""Benchmark: ticket sources (SPEC §12), `slalang eval FILE --policy P --source NAME` end to end
as a real subprocess, on event logs as ticket systems write them.

  (a) the two whole real logs of ../shared/realdata/raw, when that directory is present (a clone
      without it skips this part): the Volvo IT incidents of the BPI Challenge 2013 (65,533
      rows) and the UCI ServiceNow incident log, labelled copy (119,998 rows), through the
      policies and sources of tests/fixtures/realdata (see ATTRIBUTION.md there). Printed per
      log: rows/s, tickets, peak RSS, the verdict mix (tickets per state of each metric, from
      the CSV output) and the records skipped by reason (from the summary on stderr). These
      figures have no goal: the logs are small; they show the reader on real data.
  (b) a generated `events` CSV of 1,000,000 rows (ticket, at, status, severity, tier; 3 to 7
      rows a ticket, tickets interleaved as a time-ordered export interleaves them, raw status
      and priority names that the source maps, naive local instants):
        rows/s end to end on 1,000,000 rows                        goal >= 300,000 rows/s
        peak RSS on 1,000,000 rows against 100,000 ("memory flat")  goal <= 1.5x

Each figure is printed with its goal and whether it is met; timing never fails the run (exit
status 1 only on a real error: a subprocess that fails, problems in the clean generated input,
or an `eval` that does not accept --source yet). Peak RSS is the child's own ru_maxrss, taken
with os.wait4 by the small launcher of bench_engine.py (LAUNCHER). An untimed run on the Volvo
excerpt in tests/fixtures/realdata comes first (the engine's kernel is compiled once and cached
on disk). Data goes to a temporary directory.

The generated data has a `tier` column besides the four of the issue: a ticket needs a tier (or
a customer and a service) and §12 gives a source no tier of its own, so, as in the real logs'
policies, a column names it.

Run: .venv/bin/python benchmarks/bench_sources.py [N_ROWS]   (default 1,000,000)
     SLALANG_REALDATA=DIR to read the raw logs from elsewhere than ../shared/realdata/raw.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import LAUNCHER, slalang_cmd, verdict  # noqa: E402  (the same launcher and wording)

FIXTURES = ROOT / "tests" / "fixtures" / "realdata"
RAW = Path(os.environ.get("SLALANG_REALDATA", ROOT.parent / "shared" / "realdata" / "raw"))
SMALL = 100_000
GOAL_ROWS_S = 300_000
GOAL_FLAT = 1.5
TIMEOUT_S = 600
SKIP_LARGE_AFTER_S = 40.0           # a 100k run slower than this: the 1M run would not fit the budget

# (title, raw file, policy, source, --now after the log's last instant)
REAL_LOGS = [
    ("Volvo IT incidents (BPI Challenge 2013)", "VINST-new.csv.gz", "volvo.sla", "vinst",
     "2012-06-01T00:00:00Z"),
    ("ServiceNow incidents (UCI, labelled copy)", "servicenow_incident_event_log_labelled_first119998.csv.gz",
     "servicenow.sla", "uci_incidents", "2017-03-01T00:00:00Z"),
]

SYNTH_NOW = "2025-12-01T00:00:00Z"
SYNTH_POLICY = '''policy "bench sources" { timezone "Europe/London" }
window business_hours {
  mon-fri 09:00-17:30
  except holidays "GB-ENG"
}
severity P1 "Critical"
severity P2 "High"
severity P3 "Medium"
severity P4 "Low"
status pending_customer "Waiting on the customer"
status awaiting_vendor "Waiting on a vendor"
contact lead "lead@example.com"
contact head "head@example.com"
escalation chain {
  at 50% notify lead
  at breach notify head via pager
}
tier standard {
  support business_hours via email
  pause when pending_customer, awaiting_vendor
  response P1 within 1h
  response P2 within 4h internal 2h
  response P3 within 8h
  response P4 within 16h
  resolution P1 within 24h during always
  resolution P2 within 27h
  resolution P3 within 45h
  resolution P4 within 90h
  update P1 every 2h
  escalate chain
}
tier premium extends standard {
  support always via phone, email
  response P1 within 15m
  response P2 within 1h
}
service desk { offers standard, premium }
source export {
  format events
  timezone "Europe/London"
  severity "Critical" as P1
  severity "High" as P2
  severity "Medium" as P3
  severity "Low" as P4
  status "New" as open
  status "In Progress" as open responds
  status "Waiting on Customer" as pending_customer
  status "Waiting on Vendor" as awaiting_vendor
  status "Resolved", "Closed" as resolved
  status "Canceled" as cancelled
}
'''
# Raw status sequences, by rows a ticket has: resolved, reopened, waiting, cancelled, still open.
TEMPLATES = {
    3: [["New", "In Progress", "Resolved"], ["New", "Resolved", "Closed"], ["New", "In Progress", "Canceled"],
        ["New", "In Progress", "Waiting on Customer"]],
    4: [["New", "In Progress", "Resolved", "Closed"], ["New", "Waiting on Customer", "In Progress", "Resolved"]],
    5: [["New", "In Progress", "Waiting on Customer", "In Progress", "Resolved"],
        ["New", "In Progress", "Resolved", "In Progress", "Resolved"]],
    6: [["New", "In Progress", "Waiting on Vendor", "In Progress", "Resolved", "Closed"],
        ["New", "In Progress", "Waiting on Customer", "Resolved", "In Progress", "Resolved"]],
    7: [["New", "In Progress", "Waiting on Customer", "In Progress", "Waiting on Vendor", "In Progress", "Resolved"],
        ["New", "In Progress", "Waiting on Customer", "In Progress", "Resolved", "In Progress", "Closed"]],
}
PRIORITIES = np.array(["Critical", "High", "Medium", "Low"])


class Unsupported(Exception):
    """`slalang eval` has no --source yet."""


def check_source_option() -> None:
    """Fail clearly, before any data is made, when `slalang eval` does not take --source yet."""
    done = subprocess.run(slalang_cmd() + ["eval", "--help"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"})
    if done.returncode != 0 or "--source" not in done.stdout:
        raise Unsupported("`slalang eval` does not accept --source yet (SPEC §12: `slalang eval FILE --policy P "
                          "--source NAME`): this benchmark needs the source readers; nothing was measured")


# ---- running one child ---------------------------------------------------------------------------

def run_eval(cmd: list[str], stderr_path: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS MB, exit code) of one `slalang eval` child, as bench_engine's launcher
    takes them with os.wait4; the child's stderr (the run's summary) goes to stderr_path."""
    with tempfile.TemporaryDirectory() as side, open(stderr_path, "wb") as err:
        report = Path(side) / "report"
        launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(report), "-", *cmd],
                                    stderr=err, start_new_session=True)
        try:
            launcher.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, 9)        # the launcher's own session: it and its child, by id
            launcher.wait()
            return TIMEOUT_S, 0.0, -9
        if launcher.returncode != 0 or not report.exists():
            return 0.0, 0.0, launcher.returncode or 1
        spent, kib, code = report.read_text().split()
    return float(spent), int(kib) / 1024, int(code)


def eval_cmd(data: Path, policy: Path, source: str, now: str, out: Path) -> list[str]:
    return slalang_cmd() + ["eval", str(data), "--policy", str(policy), "--source", source, "--now", now,
                            "--format", "csv", "-o", str(out)]


def summary(stderr_text: str) -> tuple[str, list[tuple[int, str]]]:
    """(the 'N records read, ...' line, [(count, reason)]) from an eval's stderr."""
    head = next((line.strip() for line in stderr_text.splitlines() if " records read, " in line
                 or " record read, " in line), "(no summary line on stderr)")
    reasons = [(int(m.group(1).replace(",", "")), m.group(2))
               for m in re.finditer(r"^\s+([\d,]+) skipped: (.*)$", stderr_text, re.M)]
    return head, reasons


def verdict_mix(out_csv: Path) -> tuple[int, int, dict[str, Counter]]:
    """(tickets, skipped records, {metric: Counter(state)}) of an `eval --format csv` output."""
    tickets = skipped = 0
    mix: dict[str, Counter] = {}
    last = None
    with open(out_csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["id"] != last:
                tickets += 1
                last = row["id"]
                if row.get("problem"):
                    skipped += 1
            if row.get("problem"):
                continue
            mix.setdefault(row.get("metric") or "(no metric)", Counter())[row.get("state") or "-"] += 1
    return tickets, skipped, mix


def tail(path: Path, chars: int = 600) -> str:
    return path.read_text(errors="replace")[-chars:].strip()


# ---- (a) the real logs -----------------------------------------------------------------------------

def volvo_status_column(raw: bytes) -> bytes:
    """The Volvo log with its status in one column. The IBM/processmining copy already has it
    (`Activity` = `Status`-`Sub Status` on every row), so its bytes go through unchanged; a copy
    without `Activity` gets it appended, joined as a spreadsheet would (=C2&"-"&D2)."""
    text = raw.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    if "Activity" in header:
        return raw
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=[*header, "Activity"], lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "Activity": f"{row['Status']}-{row['Sub Status']}"})
    return buf.getvalue().encode("utf-8-sig")


def warm(tmp: Path, failures: list[str]) -> None:
    """One untimed run on the Volvo excerpt of the repository: the engine's compiled kernel is
    cached on disk, and a first run after a change would charge its compilation to a figure."""
    out, err = tmp / "warm.out.csv", tmp / "warm.err"
    _, _, code = run_eval(eval_cmd(FIXTURES / "volvo_incidents.csv", FIXTURES / "volvo.sla", "vinst",
                                   "2012-06-01T00:00:00Z", out), err)
    if code != 0:
        failures.append(f"warm-up on tests/fixtures/realdata/volvo_incidents.csv: slalang eval exited {code}: "
                        f"{tail(err)}")


def real_logs(tmp: Path, lines: list[str], failures: list[str]) -> None:
    if not RAW.is_dir():
        lines.append(f"  real logs            skipped: {RAW} is not here (the raw logs live outside the repository)")
        return
    for title, name, policy, source, now in REAL_LOGS:
        raw_path = RAW / name
        if not raw_path.is_file():
            lines.append(f"  {title}: skipped, {raw_path} is missing")
            continue
        raw = gzip.decompress(raw_path.read_bytes())
        if name.startswith("VINST"):
            raw = volvo_status_column(raw)
        data = tmp / name.removesuffix(".gz")
        data.write_bytes(raw)
        rows = raw.count(b"\n") + (not raw.endswith(b"\n")) - 1     # lines after the header
        out, err = tmp / f"{source}.out.csv", tmp / f"{source}.err"
        spent, mb, code = run_eval(eval_cmd(data, FIXTURES / policy, source, now, out), err)
        err_text = err.read_text(errors="replace")
        if code != 0 or not out.exists():
            failures.append(f"{title}: slalang eval exited {code}: {err_text[-600:].strip()}")
            continue
        tickets, skipped, mix = verdict_mix(out)
        head, reasons = summary(err_text)
        lines.append(f"  {title}")
        lines.append(f"    {rows:,} rows, {tickets:,} tickets in {spent:.2f} s = {rows / spent:,.0f} rows/s, "
                     f"peak RSS {mb:,.0f} MB   (--policy {policy}, compiled in the run; --source {source}; "
                     f"--now {now})")
        lines.append(f"    summary: {head}")
        for metric, states in mix.items():
            lines.append(f"    {metric:12} " + ", ".join(f"{state} {n:,}" for state, n in states.most_common()))
        if reasons:
            for n, reason in reasons:
                lines.append(f"    skipped      {n:,}: {reason}")
        elif skipped:
            lines.append(f"    skipped      {skipped:,} (no reasons on stderr)")
        else:
            lines.append("    skipped      none")


# ---- (b) the generated events ------------------------------------------------------------------------

def write_events(path: Path, n_rows: int, seed: int = 12) -> tuple[int, int]:
    """A time-ordered `events` CSV of n_rows rows (ticket,at,status,severity,tier); returns
    (rows, tickets). Every row carries the ticket's status and priority in force, as the
    snapshots of a real export do; a tenth of the tickets change priority on one row."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(3, 8, n_rows // 3 + 1)
    ends = np.cumsum(counts)
    n_tickets = int(np.searchsorted(ends, n_rows)) + 1
    counts = counts[:n_tickets].copy()
    drawn = counts.copy()
    counts[-1] -= int(ends[n_tickets - 1]) - n_rows                  # the last ticket cut to fit exactly
    ticket = np.repeat(np.arange(n_tickets), counts)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(n_rows) - np.repeat(start, counts)                 # row index within its ticket

    # instants: opened Apr-Sep 2025 (London summer time throughout: no naive instant in a DST
    # gap or fold), then 1 minute to 36 hours between rows
    base = int(np.datetime64("2025-04-01T00:00:00", "s").astype(np.int64))
    opened = base + rng.integers(0, 150 * 86400, n_tickets)
    gaps = np.where(pos == 0, 0, rng.integers(60, 36 * 3600, n_rows))
    at = np.repeat(opened, counts) + np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[start], counts)

    # statuses: one template per ticket for its drawn length; the cut ticket keeps a prefix of it
    full = np.repeat(drawn, counts)
    draw_t = np.repeat(rng.random(n_tickets), counts)
    status = np.empty(n_rows, dtype=object)
    for k, templates in TEMPLATES.items():
        which = np.floor(draw_t * len(templates)).astype(int)
        for j, template in enumerate(templates):
            sel = (full == k) & (which == j)
            status[sel] = np.array(template, dtype=object)[pos[sel]]

    # priorities: the opening one, and for a tenth of the tickets another from a later row on
    sev0 = rng.choice(4, n_tickets, p=[0.05, 0.15, 0.6, 0.2])
    sev1 = rng.integers(0, 4, n_tickets)
    change_at = np.where(rng.random(n_tickets) < 0.1, rng.integers(1, 7, n_tickets), 99)
    sev = np.where(pos >= np.repeat(change_at, counts), np.repeat(sev1, counts), np.repeat(sev0, counts))
    tier = np.where(rng.random(n_tickets) < 0.2, "premium", "standard")

    order = np.argsort(at, kind="stable")                              # tickets interleave, as exported
    stamps = np.char.replace(np.datetime_as_string(at[order].astype("datetime64[s]"), unit="s"), "T", " ")
    ids = np.char.add("INC", np.char.zfill(ticket[order].astype(str), 7))
    with open(path, "w", newline="") as f:
        f.write("ticket,at,status,severity,tier\n")
        step = 100_000
        for lo in range(0, n_rows, step):
            hi = min(lo + step, n_rows)
            o = order[lo:hi]
            f.writelines(f"{i},{a},{s},{p},{t}\n" for i, a, s, p, t in
                         zip(ids[lo:hi], stamps[lo:hi], status[o], PRIORITIES[sev[o]], tier[ticket[o]]))
    return n_rows, n_tickets


def generated(tmp: Path, large: int, lines: list[str], failures: list[str]) -> None:
    import slalang

    (tmp / "policy").mkdir()
    (tmp / "policy" / "p.sla").write_text(SYNTH_POLICY)
    artifact = tmp / "policy.json"
    slalang.compile(tmp / "policy").save(artifact)

    sizes = sorted({min(SMALL, large), large})
    t0 = time.perf_counter()
    files = {}
    for size in sizes:
        files[size] = tmp / f"events{size}.csv"
        files[size, "tickets"] = write_events(files[size], size)[1]
    lines.append(f"  generated events     ticket,at,status,severity,tier; 3-7 rows a ticket, interleaved by time, "
                 f"raw names mapped by `source export`; {' and '.join(f'{s:,}' for s in reversed(sizes))} rows "
                 f"written in {time.perf_counter() - t0:.1f} s")

    peaks: dict[int, float] = {}
    for size in sizes:
        if size == large and peaks and last[0] > SKIP_LARGE_AFTER_S:
            lines.append(f"  eval --source        {large:,} rows skipped: {SMALL:,} took {last[0]:.1f} s, so {large:,} "
                         f"would not fit the run's budget")
            break
        out, err = tmp / f"events{size}.out.csv", tmp / f"events{size}.err"
        spent, mb, code = run_eval(eval_cmd(files[size], artifact, "export", SYNTH_NOW, out), err)
        if code != 0 or not out.exists():
            failures.append(f"generated events, {size:,} rows: slalang eval exited {code}: {tail(err)}")
            break
        tickets, skipped, _ = verdict_mix(out)
        if skipped or tickets != files[size, "tickets"]:
            head, reasons = summary(err.read_text(errors="replace"))
            failures.append(f"generated events, {size:,} rows: {skipped:,} skipped and {tickets:,} tickets out of "
                            f"{files[size, 'tickets']:,} in clean input ({head}; "
                            + "; ".join(f"{n:,}: {r}" for n, r in reasons[:3]) + ")")
        peaks[size] = mb
        last = (spent, mb)
        rate = size / spent
        goal = f"goal >= {GOAL_ROWS_S:,} rows/s ({verdict(rate >= GOAL_ROWS_S)})" if size == large else \
            "(the 100,000-row point of the memory figure)"
        lines.append(f"  eval --source        {size:,} rows ({tickets:,} tickets): {spent:.2f} s = "
                     f"{rate:,.0f} rows/s, peak RSS {mb:,.0f} MB   {goal}")
    if large in peaks and SMALL in peaks and large != SMALL:
        ratio = peaks[large] / peaks[SMALL]
        lines.append(f"  peak RSS             {peaks[large]:,.0f} MB on {large:,} rows, {ratio:.2f}x the "
                     f"{peaks[SMALL]:,.0f} MB on {SMALL:,}   goal <= {GOAL_FLAT}x, memory flat "
                     f"({verdict(ratio <= GOAL_FLAT)})")
    elif SMALL in peaks:
        lines.append(f"  peak RSS             {peaks[SMALL]:,.0f} MB on {SMALL:,} rows; {large:,} not measured   "
                     f"goal <= {GOAL_FLAT}x from {SMALL:,} to 1,000,000 rows (not measured)")


def main() -> int:
    large = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    try:
        check_source_option()
    except Unsupported as exc:
        print(f"bench_sources: {exc}", file=sys.stderr)
        return 1
    failures: list[str] = []
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "real").mkdir()
        warm(tmp / "real", failures)
        real_logs(tmp / "real", lines, failures)
        shutil.rmtree(tmp / "real")
        generated(tmp, large, lines, failures)

    print("bench_sources")
    for line in lines:
        print(line)
    for f in failures:
        print(f"  ERROR: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
