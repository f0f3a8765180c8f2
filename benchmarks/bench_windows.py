"""Benchmark: open time of a business-hours window — slalang scalar and batch vs businesstimedelta.

Run: .venv/bin/python benchmarks/bench_windows.py [--pairs 20000] [--batch-pairs 1000000]

All three measure the same random pairs within 2025 (the batch run uses more of them) for a
Mon-Fri 09:00-17:00 Europe/London window with the GB-ENG bank holidays, and are checked to agree.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from slalang.runtime.windows import WindowSet  # noqa: E402

ZONE = "Europe/London"
HOLIDAYS = [
    "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25",
    "2025-12-25", "2025-12-26", "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04",
    "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
]  # fmt: skip
YEAR_START_S = int(dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc).timestamp())
YEAR_S = 365 * 86400
SCALAR_GOAL_RATIO = 1000
BATCH_GOAL = 2_000_000


def office_window():
    ir = {
        "timezone": ZONE,
        "weekly": [[day, 9 * 3600, 17 * 3600] for day in range(5)],
        "holidays": [{"region": "GB-ENG", "days": {d: "bank holiday" for d in HOLIDAYS}}],
    }
    return WindowSet({"office": ir}, (2020, 2040)).get("office")


def random_pairs_s(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, YEAR_S, count) + YEAR_START_S
    y = rng.integers(0, YEAR_S, count) + YEAR_START_S
    return np.minimum(x, y), np.maximum(x, y)


def as_datetimes(seconds: np.ndarray) -> list[dt.datetime]:
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    return [epoch + dt.timedelta(seconds=int(s)) for s in seconds]


def bench_scalar(window, starts, ends) -> tuple[float, list[float]]:
    open_time = window.open_time
    for a, b in zip(starts[:1000], ends[:1000]):  # warm up: materialise, fill caches
        open_time(a, b)
    began = time.perf_counter()
    results = [open_time(a, b) for a, b in zip(starts, ends)]
    elapsed = time.perf_counter() - began
    return len(starts) / elapsed, [r.total_seconds() for r in results]


def bench_batch(window, starts_s, ends_s) -> tuple[float, np.ndarray]:
    starts = (starts_s * 1_000_000).astype("datetime64[us]")
    ends = (ends_s * 1_000_000).astype("datetime64[us]")
    window.open_time_many(starts[:1000], ends[:1000])
    best, result = float("inf"), None
    for _ in range(3):  # best of three: the machine, not the code, makes the spread
        began = time.perf_counter()
        result = window.open_time_many(starts, ends)
        best = min(best, time.perf_counter() - began)
    return len(starts) / best, result


def bench_add(window, starts, starts_s, amounts_s) -> tuple[float, float]:
    add = window.add
    amounts = [dt.timedelta(seconds=int(s)) for s in amounts_s]
    began = time.perf_counter()
    scalar = [add(a, d) for a, d in zip(starts, amounts)]
    scalar_rate = len(starts) / (time.perf_counter() - began)
    batch_starts = (starts_s * 1_000_000).astype("datetime64[us]")
    window.add_many(batch_starts[:1000], amounts_s[:1000])
    began = time.perf_counter()
    batch = window.add_many(batch_starts, amounts_s)
    batch_rate = len(batch_starts) / (time.perf_counter() - began)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    assert [epoch + dt.timedelta(microseconds=int(u)) for u in batch[: len(scalar)].view(np.int64)] == scalar
    return scalar_rate, batch_rate


def bench_businesstimedelta(starts, ends, max_pairs: int, max_seconds: float):
    try:
        import businesstimedelta as btd
        import pytz
    except ImportError:
        return None, 0, []
    zone = pytz.timezone(ZONE)
    working = btd.WorkDayRule(start_time=dt.time(9), end_time=dt.time(17), working_days=[0, 1, 2, 3, 4], tz=zone)
    holidays = btd.HolidayRule([dt.date.fromisoformat(d) for d in HOLIDAYS], tz=zone)
    rules = btd.Rules([working, holidays])
    results = []
    began = time.perf_counter()
    for a, b in zip(starts[:max_pairs], ends[:max_pairs]):
        results.append(rules.difference(a, b).timedelta.total_seconds())
        if time.perf_counter() - began > max_seconds:
            break
    elapsed = time.perf_counter() - began
    return len(results) / elapsed, len(results), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20_000, help="pairs for the scalar run")
    parser.add_argument("--batch-pairs", type=int, default=1_000_000, help="pairs for the batch run")
    parser.add_argument("--btd-pairs", type=int, default=2_000, help="at most this many businesstimedelta pairs")
    parser.add_argument("--btd-seconds", type=float, default=15.0, help="time budget for businesstimedelta")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()

    starts_s, ends_s = random_pairs_s(max(args.batch_pairs, args.pairs), args.seed)
    starts, ends = as_datetimes(starts_s[: args.pairs]), as_datetimes(ends_s[: args.pairs])

    began = time.perf_counter()
    window = office_window()
    window.is_open(starts[0])
    cold_ms = (time.perf_counter() - began) * 1000

    scalar_rate, scalar = bench_scalar(window, starts, ends)
    batch_rate, batch = bench_batch(window, starts_s[: args.batch_pairs], ends_s[: args.batch_pairs])
    assert batch[: args.pairs].tolist() == scalar, "batch and scalar disagree"
    amounts_s = np.random.default_rng(args.seed + 1).integers(1, 200 * 3600, len(starts_s))[: args.batch_pairs]
    add_rate, add_many_rate = bench_add(window, starts, starts_s[: args.batch_pairs], amounts_s)
    btd_rate, btd_count, btd_results = bench_businesstimedelta(starts, ends, args.btd_pairs, args.btd_seconds)
    if btd_results:
        assert btd_results == scalar[:btd_count], "businesstimedelta and slalang disagree"

    rows = [
        ("slalang open_time (scalar)", args.pairs, scalar_rate),
        ("slalang open_time_many (batch)", args.batch_pairs, batch_rate),
        ("slalang add (scalar)", args.pairs, add_rate),
        ("slalang add_many (batch)", args.batch_pairs, add_many_rate),
    ]
    if btd_rate:
        rows.append(("businesstimedelta difference", btd_count, btd_rate))
    print(f"Mon-Fri 09:00-17:00 {ZONE} with {len(HOLIDAYS)} holidays; random pairs within 2025")
    print(f"first use (parse + materialise 2025): {cold_ms:.1f} ms\n")
    print(f"{'run':<34}{'pairs':>10}{'pairs/s':>16}{'us/pair':>10}{'x btd':>10}")
    for name, count, rate in rows:
        ratio = f"{rate / btd_rate:,.0f}" if btd_rate else "-"
        print(f"{name:<34}{count:>10,}{rate:>16,.0f}{1e6 / rate:>10.3f}{ratio:>10}")
    print("\nresults: batch == scalar" + (f" == businesstimedelta (first {btd_count} pairs)" if btd_rate else ""))
    print("goals:")
    if btd_rate:
        met = "met" if scalar_rate >= SCALAR_GOAL_RATIO * btd_rate else "NOT met"
        print(f"  scalar >= {SCALAR_GOAL_RATIO}x businesstimedelta: {scalar_rate / btd_rate:,.0f}x  ({met})")
    else:
        print("  scalar >= 1000x businesstimedelta: businesstimedelta not installed")
    met = "met" if batch_rate >= BATCH_GOAL else "NOT met"
    print(f"  batch >= {BATCH_GOAL:,} pairs/s: {batch_rate:,.0f}  ({met})")


if __name__ == "__main__":
    main()
