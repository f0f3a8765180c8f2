"""Benchmark: slalang against the peer a warehouse user would pick, SQL over Parquet.

N generated tickets (default 200,000) with a pause each, on England business hours
(Europe/London, mon-fri 09:00-17:30, except holidays "GB-ENG", across both DST changes of
2025), written to Parquet in the SPEC §7 ticket shape. The same response and resolution
clocks are computed

  (a) in DuckDB SQL straight from the Parquet file, with a business-hours calendar table
      (open intervals in UTC with the cumulative open time at each start, built for the years
      involved, holidays from the `holidays` package for GB-ENG) and ASOF joins for the
      cumulative open time at each instant and for the deadline;
  (b) in Polars, the same plan with `join_asof`;
  (c) by slalang: `pq.read_table` -> `policy.evaluate_arrow` -> `pq.write_table`, and through
      dicts (`evaluate_tickets`) for reference.

Every ticket's elapsed time (to the second; the data is whole seconds, so compared exactly),
deadline and met/missed/running/paused/breached state must agree between the peers and
slalang; the run exits 1 if one does not. Times are end to end, from the Parquet file to a
result Parquet file, best of a few runs. Goal (issue 10): slalang end to end at least 1.5x
faster than DuckDB. Timing figures are printed against the goal, never pass/fail.

Run: .venv/bin/python benchmarks/bench_warehouse.py [N]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POLICY = '''policy "warehouse bench" {
  timezone "Europe/London"
  horizon 2024..2026
}
window business_hours {
  timezone "Europe/London"
  mon-fri 09:00-17:30
  except holidays "GB-ENG"
}
severity P1 "Critical"
severity P2 "High"
severity P3 "Normal"
severity P4 "Low"
contact lead "lead@example.com"
contact head "head@example.com"
escalation chain {
  at 50% notify lead
  at breach notify head via pager
}
tier standard {
  support business_hours via email
  pause when pending_customer
  response P1 within 1h
  response P2 within 4h
  response P3 within 8h
  response P4 within 16h
  resolution P1 within 8h
  resolution P2 within 16h
  resolution P3 within 24h
  resolution P4 within 40h
  escalate chain
}
'''
SEVERITIES = ["P1", "P2", "P3", "P4"]
GOAL_HOURS = {"response": [1, 4, 8, 16], "resolution": [8, 16, 24, 40]}
TZ = "Europe/London"
OPEN_AT, CLOSE_AT = (9, 0), (17, 30)
YEARS = (2024, 2025, 2026)         # the calendar table covers these (the policy's horizon)
NOW = datetime(2025, 12, 15, 12, 0, tzinfo=timezone.utc)
US = 1_000_000

# Event patterns, (status, type) per event; each has one pause (pending_customer), and the
# ones that stop early leave clocks running, breached or paused at `now`.
PATTERNS = [
    (0.55, [(None, "responded"), ("pending_customer", None), ("open", None), (None, "resolved")]),
    (0.14, [("pending_customer", None), (None, "responded"), ("open", None), (None, "resolved")]),
    (0.12, [("pending_customer", None), ("open", None), (None, "responded"), (None, "resolved")]),
    (0.08, [(None, "responded"), ("pending_customer", None), ("open", None)]),
    (0.06, [(None, "responded"), ("pending_customer", None)]),
    (0.05, [("pending_customer", None), ("open", None)]),
]
REPEATS = 3


# ---------------------------------------------------------------- data

def generate(n: int, seed: int = 2025):
    """The tickets as a pyarrow Table in the §7 ticket shape (instants timestamp[us, UTC])."""
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    start = int(datetime(2025, 1, 2, tzinfo=timezone.utc).timestamp())
    end = int(datetime(2025, 11, 25, tzinfo=timezone.utc).timestamp())
    opened = rng.integers(start, end, n)                      # whole seconds, any hour of the week
    # one ticket in 25 opened in the last four days before `now`, its later events not yet
    # happened, so some clocks are still running (or paused) at `now`
    now_s = int(NOW.timestamp())
    recent = rng.random(n) < 0.04
    opened[recent] = rng.integers(now_s - 4 * 86400, now_s - 3600, int(recent.sum()))
    weights = np.array([w for w, _ in PATTERNS])
    kind = rng.choice(len(PATTERNS), n, p=weights / weights.sum())
    lengths = np.array([len(p) for _, p in PATTERNS])[kind]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    total = int(offsets[-1])
    # gaps between events: log-uniform from a minute to three days, whole seconds
    gaps = np.exp(rng.uniform(np.log(60), np.log(3 * 86400), total)).astype(np.int64)
    owner = np.repeat(np.arange(n), lengths)
    position = np.arange(total) - offsets[:-1][owner]
    csum = np.cumsum(gaps)
    first = offsets[:-1][owner]
    at = opened[owner] + csum - csum[first] + gaps[first]        # running sum within each ticket
    statuses = np.array([[s for s, _ in p] + [None] * (4 - len(p)) for _, p in PATTERNS], dtype=object)
    types = np.array([[t for _, t in p] + [None] * (4 - len(p)) for _, p in PATTERNS], dtype=object)
    status = statuses[kind[owner], position]
    etype = types[kind[owner], position]
    keep = at <= now_s                                            # nothing after `now`
    at, status, etype, owner = at[keep], status[keep], etype[keep], owner[keep]
    total = len(at)
    np.cumsum(np.bincount(owner, minlength=n), out=offsets[1:])
    ts = pa.timestamp("us", tz="UTC")
    events = pa.StructArray.from_arrays(
        [pa.array(at * US, ts), pa.array(status, pa.string()), pa.nulls(total, pa.string()),
         pa.array(etype, pa.string())], names=["at", "status", "severity", "type"])
    severity = np.array(SEVERITIES, dtype=object)[rng.integers(0, 4, n)]
    return pa.table({
        "id": pa.array([f"T{i:07d}" for i in range(n)], pa.string()),
        "severity": pa.array(severity, pa.string()),
        "opened": pa.array(opened * US, ts),
        "customer": pa.nulls(n, pa.string()),
        "service": pa.nulls(n, pa.string()),
        "tier": pa.array(np.full(n, "standard", dtype=object), pa.string()),
        "events": pa.ListArray.from_arrays(pa.array(offsets), events),
    })


def calendar():
    """Business-hours open intervals in UTC µs, [s, e), with `cum` = open µs before s."""
    import holidays
    import pyarrow as pa

    tz = ZoneInfo(TZ)
    off = holidays.country_holidays("GB", subdiv="ENG", years=list(YEARS))
    starts, ends = [], []
    day, last = date(YEARS[0], 1, 1), date(YEARS[-1], 12, 31)
    while day <= last:
        if day.weekday() < 5 and day not in off:
            a = datetime(day.year, day.month, day.day, *OPEN_AT, tzinfo=tz)
            b = datetime(day.year, day.month, day.day, *CLOSE_AT, tzinfo=tz)
            starts.append(int(a.timestamp()) * US)
            ends.append(int(b.timestamp()) * US)
        day += timedelta(days=1)
    s, e = np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
    cum = np.concatenate([[0], np.cumsum(e - s)[:-1]])
    return pa.table({"s": s, "e": e, "cum": cum})


def goals_table():
    import pyarrow as pa

    return pa.table({"severity": SEVERITIES,
                     "response_goal": [h * 3600 * US for h in GOAL_HOURS["response"]],
                     "resolution_goal": [h * 3600 * US for h in GOAL_HOURS["resolution"]]})


# ---------------------------------------------------------------- (a) DuckDB

# O(x): cumulative open µs at instant x = the interval starting at or before x (ASOF), clamped.
# Oinv(T): the first instant at which cumulative open time reaches T = the interval whose
# cumulative start is strictly below T (ASOF on >), plus the rest.
DUCKDB_SQL = """
WITH raw AS (
  SELECT id, severity, epoch_us(opened) AS o,
         epoch_us(list_filter(events, lambda e: e.type = 'responded')[1].at) AS response_stop,
         epoch_us(list_filter(events, lambda e: e.type = 'resolved')[1].at) AS resolution_stop,
         epoch_us(list_filter(events, lambda e: e.status = 'pending_customer')[1].at) AS ps,
         epoch_us(list_filter(events, lambda e: e.status = 'open')[1].at) AS pe
  FROM read_parquet('{tickets}')
),
t AS (
  -- per metric: the end of counting (stop or now) and the pause clipped to it
  SELECT raw.*, g.response_goal, g.resolution_goal,
         coalesce(response_stop, {now}) AS r1_end,
         coalesce(resolution_stop, {now}) AS r2_end,
         CASE WHEN ps < coalesce(response_stop, {now}) THEN least(coalesce(pe, {now}), coalesce(response_stop, {now})) END AS r1_pe,
         CASE WHEN ps < coalesce(resolution_stop, {now}) THEN least(coalesce(pe, {now}), coalesce(resolution_stop, {now})) END AS r2_pe,
         ps <= {now} AND coalesce(pe, {now} + 1) > {now} AS paused_now
  FROM raw JOIN goals g USING (severity)
),
cum AS (
  SELECT t.*,
         c0.cum + least(t.o - c0.s, c0.e - c0.s) AS O_o,
         c1.cum + least(t.ps - c1.s, c1.e - c1.s) AS O_ps,
         c2.cum + least(t.r1_end - c2.s, c2.e - c2.s) AS O_r1_end,
         c3.cum + least(t.r2_end - c3.s, c3.e - c3.s) AS O_r2_end,
         c4.cum + least(t.r1_pe - c4.s, c4.e - c4.s) AS O_r1_pe,
         c5.cum + least(t.r2_pe - c5.s, c5.e - c5.s) AS O_r2_pe
  FROM t
  ASOF LEFT JOIN cal c0 ON t.o >= c0.s
  ASOF LEFT JOIN cal c1 ON t.ps >= c1.s
  ASOF LEFT JOIN cal c2 ON t.r1_end >= c2.s
  ASOF LEFT JOIN cal c3 ON t.r2_end >= c3.s
  ASOF LEFT JOIN cal c4 ON t.r1_pe >= c4.s
  ASOF LEFT JOIN cal c5 ON t.r2_pe >= c5.s
),
clocks AS (
  SELECT id, severity, response_goal, resolution_goal, response_stop, resolution_stop, paused_now,
         O_r1_end - O_o - coalesce(O_r1_pe - O_ps, 0) AS response_elapsed,
         O_r2_end - O_o - coalesce(O_r2_pe - O_ps, 0) AS resolution_elapsed,
         -- the cumulative open time at which each goal is reached: shifted by the pause when
         -- the goal falls after the pause began
         O_o + response_goal + CASE WHEN O_o + response_goal > O_ps THEN coalesce(O_r1_pe - O_ps, 0) ELSE 0 END AS r1_target,
         O_o + resolution_goal + CASE WHEN O_o + resolution_goal > O_ps THEN coalesce(O_r2_pe - O_ps, 0) ELSE 0 END AS r2_target
  FROM cum
)
SELECT k.id, k.severity,
       CASE WHEN response_stop IS NOT NULL THEN CASE WHEN response_elapsed <= response_goal THEN 'met' ELSE 'missed' END
            WHEN response_elapsed > response_goal THEN 'breached'
            WHEN paused_now THEN 'paused' ELSE 'running' END AS response_state,
       CASE WHEN response_stop IS NULL AND paused_now AND response_elapsed < response_goal THEN NULL
            ELSE make_timestamp(d1.s + k.r1_target - d1.cum) END AS response_deadline,
       response_elapsed,  -- µs
       CASE WHEN resolution_stop IS NOT NULL THEN CASE WHEN resolution_elapsed <= resolution_goal THEN 'met' ELSE 'missed' END
            WHEN resolution_elapsed > resolution_goal THEN 'breached'
            WHEN paused_now THEN 'paused' ELSE 'running' END AS resolution_state,
       CASE WHEN resolution_stop IS NULL AND paused_now AND resolution_elapsed < resolution_goal THEN NULL
            ELSE make_timestamp(d2.s + k.r2_target - d2.cum) END AS resolution_deadline,
       resolution_elapsed  -- µs
FROM clocks k
ASOF LEFT JOIN cal d1 ON k.r1_target > d1.cum
ASOF LEFT JOIN cal d2 ON k.r2_target > d2.cum
ORDER BY k.id
"""


def run_duckdb(con, tickets: Path, out: Path) -> float:
    t0 = time.perf_counter()
    sql = DUCKDB_SQL.format(tickets=tickets, now=int(NOW.timestamp()) * US)
    con.execute(f"COPY ({sql}) TO '{out}' (FORMAT parquet)")
    return time.perf_counter() - t0


# ---------------------------------------------------------------- (b) Polars

def run_polars(cal_pl, goals_pl, tickets: Path, out: Path) -> float:
    import polars as pl

    t0 = time.perf_counter()
    now = int(NOW.timestamp()) * US
    ev = pl.col("events")

    def first(pred):
        return ev.list.filter(pred).list.first().struct.field("at").dt.epoch("us")

    df = (pl.scan_parquet(tickets)
          .select("id", "severity", pl.col("opened").dt.epoch("us").alias("o"),
                  first(pl.element().struct.field("type") == "responded").alias("response_stop"),
                  first(pl.element().struct.field("type") == "resolved").alias("resolution_stop"),
                  first(pl.element().struct.field("status") == "pending_customer").alias("ps"),
                  first(pl.element().struct.field("status") == "open").alias("pe"))
          .with_row_index("row")
          .join(goals_pl.lazy(), on="severity", how="left")
          .collect())
    pause_end = pl.col("pe").fill_null(now)
    paused_now = (pl.col("ps") <= now) & (pl.col("pe").fill_null(now + 1) > now)
    cols = [paused_now.alias("paused_now")]
    for m in ("response", "resolution"):
        end = pl.col(f"{m}_stop").fill_null(now)
        cols += [end.alias(f"{m}_end"),
                 pl.when(pl.col("ps") < end).then(pl.min_horizontal(pause_end, end)).alias(f"{m}_pe")]
    df = df.with_columns(cols)

    def cum_at(frame, column):
        """Cumulative open µs at each instant of `column` (ASOF on the interval start)."""
        pts = frame.select("row", pl.col(column).alias("x")).drop_nulls("x").sort("x")
        j = pts.join_asof(cal_pl, left_on="x", right_on="s", strategy="backward")
        j = j.select("row", (pl.col("cum") + pl.min_horizontal(pl.col("x") - pl.col("s"), pl.col("e") - pl.col("s")))
                     .alias(f"O_{column}"))
        return frame.join(j, on="row", how="left")

    for column in ("o", "ps", "response_end", "resolution_end", "response_pe", "resolution_pe"):
        df = cum_at(df, column)
    outs = [pl.col("id"), pl.col("severity")]
    states = []
    for m in ("response", "resolution"):
        goal = pl.col(f"{m}_goal")
        paused = (pl.col(f"O_{m}_pe") - pl.col("O_ps")).fill_null(0)
        elapsed = pl.col(f"O_{m}_end") - pl.col("O_o") - paused
        target = pl.col("O_o") + goal + pl.when(pl.col("O_o") + goal > pl.col("O_ps")).then(paused).otherwise(0)
        df = df.with_columns(elapsed.alias(f"{m}_elapsed"), target.alias(f"{m}_target"))
        pts = df.select("row", pl.col(f"{m}_target").alias("T")).sort("T")
        j = (pts.join_asof(cal_pl, left_on="T", right_on="cum", strategy="backward", allow_exact_matches=False)
             .select("row", (pl.col("s") + pl.col("T") - pl.col("cum")).alias(f"{m}_reach")))
        df = df.join(j, on="row", how="left")
        stopped = pl.col(f"{m}_stop").is_not_null()
        el = pl.col(f"{m}_elapsed")
        states += [
            pl.when(stopped).then(pl.when(el <= goal).then(pl.lit("met")).otherwise(pl.lit("missed")))
            .when(el > goal).then(pl.lit("breached"))
            .when(pl.col("paused_now")).then(pl.lit("paused")).otherwise(pl.lit("running")).alias(f"{m}_state"),
            pl.when(~stopped & pl.col("paused_now") & (el < goal)).then(None)
            .otherwise(pl.col(f"{m}_reach")).cast(pl.Datetime("us", "UTC")).alias(f"{m}_deadline"),
            el.cast(pl.Duration("us")).alias(f"{m}_elapsed"),
        ]
    df.sort("row").select(*outs, *states).write_parquet(out)
    return time.perf_counter() - t0


# ---------------------------------------------------------------- (c) slalang

def run_slalang_arrow(policy, tickets: Path, out: Path) -> float:
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    result = policy.evaluate_arrow(pq.read_table(tickets), NOW)
    pq.write_table(result, out)
    return time.perf_counter() - t0


def as_dicts(table) -> list[dict]:
    """§7 records with ISO 8601 instants (text), as a JSON Lines reader would give them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def iso(col):
        return pc.strftime(col, format="%Y-%m-%dT%H:%M:%SZ")

    events = table["events"].combine_chunks()
    values = events.values
    values = pa.StructArray.from_arrays([iso(values.field("at"))] + [values.field(k) for k in ("status", "severity", "type")],
                                        names=["at", "status", "severity", "type"])
    table = table.set_column(table.schema.get_field_index("opened"), "opened", iso(table["opened"]))
    table = table.set_column(table.schema.get_field_index("events"), "events",
                             pa.ListArray.from_arrays(events.offsets, values))
    return table.to_pylist()


def run_slalang_dicts(policy, tickets: Path, out: Path) -> float:
    """Parquet -> dicts -> evaluate_tickets -> every metric read -> Parquet (for reference):
    (total, to dicts, evaluate_tickets, reading results and writing) seconds."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    records = as_dicts(pq.read_table(tickets))
    t1 = time.perf_counter()
    results = policy.evaluate_tickets(records, NOW)
    t2 = time.perf_counter()
    cols: dict[str, list] = {"id": [], "metric": [], "state": [], "deadline": [], "elapsed": []}
    for r in results:
        for name, m in r.metrics.items():
            cols["id"].append(r.id)
            cols["metric"].append(name)
            cols["state"].append(m.state)
            cols["deadline"].append(m.deadline)
            cols["elapsed"].append(m.elapsed)
    pq.write_table(pa.table(cols), out)
    t3 = time.perf_counter()
    return t3 - t0, t1 - t0, t2 - t1, t3 - t2


# ---------------------------------------------------------------- agreement

def slalang_wide(table):
    """slalang's long result (one row per ticket and metric) -> {metric: (state, deadline µs, elapsed µs)} columns keyed by id."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = {}
    for m in ("response", "resolution"):
        rows = table.filter(pc.equal(table["metric"], m))
        out[m] = pa.table({"id": rows["id"], "state": rows["state"],
                           "deadline": pc.cast(rows["deadline"], pa.int64()),
                           "elapsed": pc.cast(rows["elapsed"], pa.int64())})
    return out


def compare(name: str, peer, sla, n: int) -> int:
    """Tickets of `peer` (wide Arrow table) agreeing with `sla` (from slalang_wide) on both metrics."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ok = np.ones(n, dtype=bool)
    shown = 0
    ids = peer["id"].to_numpy(zero_copy_only=False)
    for m in ("response", "resolution"):
        s = sla[m]
        if s.num_rows != n or not pc.all(pc.equal(s["id"], peer["id"])).as_py():
            print(f"  {name}: slalang's {m} rows are not one per ticket in input order")
            return 0
        for what, a, b in (("state", peer[f"{m}_state"], s["state"]),
                           ("deadline", pc.cast(peer[f"{m}_deadline"], pa.int64()), s["deadline"]),
                           ("elapsed", pc.cast(peer[f"{m}_elapsed"], pa.int64()), s["elapsed"])):
            same = pc.fill_null(pc.or_kleene(pc.equal(a, b), pc.and_(pc.is_null(a), pc.is_null(b))), False)
            same = same.to_numpy(zero_copy_only=False)
            for i in np.flatnonzero(~same)[: max(0, 3 - shown)]:
                shown += 1
                print(f"  {name} disagrees on {ids[i]} {m} {what}: peer {a[int(i)].as_py()!r} slalang {b[int(i)].as_py()!r}")
            ok &= same
    return int(ok.sum())


def best_median(runs: list[float]) -> tuple[float, float]:
    return min(runs), statistics.median(runs)


def main() -> int:
    import duckdb
    import polars as pl
    import pyarrow.parquet as pq

    import slalang

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "policy").mkdir()
        (tmp / "policy" / "policy.sla").write_text(POLICY)
        policy = slalang.compile(tmp / "policy")

        t0 = time.perf_counter()
        table = generate(n)
        tickets = tmp / "tickets.parquet"
        pq.write_table(table, tickets)
        generated = time.perf_counter() - t0
        t0 = time.perf_counter()
        cal = calendar()
        built = time.perf_counter() - t0
        goals = goals_table()

        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.register("cal_arrow", cal)
        con.register("goals_arrow", goals)
        con.execute("CREATE TABLE cal AS SELECT * FROM cal_arrow")
        con.execute("CREATE TABLE goals AS SELECT * FROM goals_arrow")
        cal_pl, goals_pl = pl.from_arrow(cal), pl.from_arrow(goals)

        # results, once each (warm-up too), for the agreement check
        run_duckdb(con, tickets, tmp / "duckdb.parquet")
        run_polars(cal_pl, goals_pl, tickets, tmp / "polars.parquet")
        run_slalang_arrow(policy, tickets, tmp / "slalang.parquet")
        sla = slalang_wide(pq.read_table(tmp / "slalang.parquet"))
        source = "evaluate_arrow"
        agree = {name: compare(name, pq.read_table(tmp / f"{name}.parquet"), sla, n) for name in ("duckdb", "polars")}

        # rounds of one run each, so that load from elsewhere on the machine falls on every peer alike
        runs: dict[str, list[float]] = {"duckdb": [], "polars": [], "slalang": []}
        for _ in range(REPEATS):
            runs["duckdb"].append(run_duckdb(con, tickets, tmp / "duckdb.parquet"))
            runs["polars"].append(run_polars(cal_pl, goals_pl, tickets, tmp / "polars.parquet"))
            runs["slalang"].append(run_slalang_arrow(policy, tickets, tmp / "slalang.parquet"))
        duck, polr = best_median(runs["duckdb"]), best_median(runs["polars"])
        arrow = best_median(runs["slalang"])
        dicts = run_slalang_dicts(policy, tickets, tmp / "dicts.parquet")

        states = {}
        for m in ("response", "resolution"):
            for s in sla[m]["state"].to_pylist():
                states[s] = states.get(s, 0) + 1

    print("bench_warehouse")
    print(f"  tickets              {n:,} with a pause each, {len(table['events'].combine_chunks().values) / n:.1f} events "
          f"per ticket on average; England business hours (DST, GB-ENG holidays); now {NOW:%Y-%m-%dT%H:%MZ}")
    print(f"  clock states         {', '.join(f'{k} {v:,}' for k, v in sorted(states.items()))} (response + resolution)")
    print(f"  setup (untimed)      data + Parquet {generated:.2f} s; calendar table {cal.num_rows:,} open intervals "
          f"for {YEARS[0]}-{YEARS[-1]} in {built * 1000:.0f} ms")
    print(f"  agreement            against slalang via {source}: DuckDB {agree['duckdb']:,}/{n:,}, "
          f"Polars {agree['polars']:,}/{n:,} tickets agree (state, deadline, elapsed of both clocks)")
    print(f"  end to end, Parquet file -> result Parquet file (best / median of {REPEATS} rounds; "
          "the goal is judged on the best):")
    print(f"    DuckDB SQL (calendar table, ASOF joins)     {duck[0]:.2f} s / {duck[1]:.2f} s = {n / duck[0]:,.0f} tickets/s")
    print(f"    Polars (join_asof)                          {polr[0]:.2f} s / {polr[1]:.2f} s = {n / polr[0]:,.0f} tickets/s")
    ratio = duck[0] / arrow[0]
    print(f"    slalang read_table -> evaluate_arrow -> write_table "
          f"{arrow[0]:.2f} s / {arrow[1]:.2f} s = {n / arrow[0]:,.0f} tickets/s")
    print(f"    slalang via dicts, for reference (once)     {dicts[0]:.2f} s = {n / dicts[0]:,.0f} tickets/s: "
          f"Parquet -> dicts {dicts[1]:.2f} s, evaluate_tickets {dicts[2]:.2f} s,\n"
          f"{'':50}reading every metric and writing Parquet {dicts[3]:.2f} s")
    print(f"  goal                 slalang end to end >= 1.5x faster than DuckDB: {ratio:.2f}x "
          f"({'met' if ratio >= 1.5 else 'NOT met'}); vs Polars {polr[0] / arrow[0]:.2f}x")
    print("  what the SQL leaves out: severity changes (keep elapsed / restart), the escalation chain\n"
          "                       (50% and breach steps, repeats, fired by now), internal goals, update cycles,\n"
          "                       reopened, several pauses; slalang computes all of these in the same pass\n"
          "                       (here: escalations for every clock) and words bad records per row")
    return 0 if all(v == n for v in agree.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
