"""Benchmark: a year of monthly availability reports for 1,000 services (12 x 1,000 = 12,000 reports).

Run: .venv/bin/python benchmarks/bench_availability.py [--services 1000] [--outages 10000] [--profile]

The headline is `outages = policy.outages(records)` once (parsed and grouped by service),
then `policy.tier(T).availability(outages, period="2025-MM", service=S)` per report.

A generated policy (Europe/London) with four tiers — 99.99% / 99.9% / 99.9% end to end / 99.5%
during business hours — exclusions (a Sunday maintenance window with notice, categories),
`ignore outages under`, credit tables, and serial and redundant dependencies on 50 core
services; 10,000 outages spread over 2025. Every report goes through the public API,
`policy.tier(T).availability(outages, period="2025-MM", service=S)`, five ways:

  all outages, dicts          every call gets the whole list of §7 dicts (the simplest call);
                              timed on a sample of calls and extrapolated (far from the goal)
  all outages, parsed         the same list parsed once up front (Terms.availability accepts
                              Outage records); sampled and extrapolated too
  per service, dicts          each call gets only the dicts of its service and its dependencies
                              (the headline: what a caller grouping its data would write)
  per service, parsed         the same, parsed once up front
  per service, parsed+Period  the same with the months parsed once too (Period objects are
                              accepted): what the availability engine itself costs

Goal: the whole year (12,000 reports) in under 2 seconds. Measured runs are the best of
`--repeat` (the spread comes from other processes on the machine). `--profile` runs cProfile
on the per-service runs and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import slalang  # noqa: E402
from slalang.runtime.periods import parse_period  # noqa: E402
from slalang.runtime.records import parse_outage  # noqa: E402

GOAL_S = 2.0
YEAR = 2025
MONTHS = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
CORE = 50  # services 0..CORE-1 have no dependencies; the others may depend on them

HEADER = '''policy "Benchmark platform" {
  version "1"
  timezone "Europe/London"
}

severity P1 "Critical"
severity P2 "Normal"

exclusion customer_caused "Caused by the customer"
exclusion force_majeure "Beyond the provider's control"

window business_hours {
  timezone "Europe/London"
  mon-fri 09:00-17:30
}

window maintenance {
  timezone "UTC"
  sun 02:00-04:00
}

tier gold {
  support always via email, phone
  response P1 within 15m
  response P2 within 1h
  availability 99.99% monthly
  exclude maintenance with notice 72h, customer_caused, force_majeure
  ignore outages under 1m
  credits {
    below 99.99% credit 10%
    below 99.0% credit 30%
    below 95.0% credit 100%
  }
}

tier silver {
  support always via email
  response P1 within 1h
  response P2 within 4h
  availability 99.9% monthly
  exclude maintenance, customer_caused
  ignore outages under 1m
  credits {
    below 99.9% credit 10%
    below 99.0% credit 25%
    cap 50%
  }
}

tier end_to_end {
  support always via email
  response P1 within 1h
  response P2 within 4h
  availability 99.9% monthly including dependencies
  exclude maintenance with notice 72h, customer_caused
  credits {
    below 99.9% credit 10%
    at or below 99.0% credit 25%
  }
}

tier bronze {
  support business_hours via email
  response P1 within 4h
  response P2 within 1d
  availability 99.5% monthly during business_hours
  exclude customer_caused
  credits {
    below 99.5% credit 5%
  }
}
'''
TIERS = ("gold", "silver", "end_to_end", "bronze")


def make_policy_text(services: int, rng: random.Random) -> tuple[str, dict[str, str], dict[str, list[str]]]:
    """Policy source, the tier of each service, and each service's direct dependencies."""
    parts = [HEADER]
    tier_of: dict[str, str] = {}
    deps_of: dict[str, list[str]] = {}
    for i in range(services):
        name = f"svc{i:04d}"
        tier = TIERS[i % len(TIERS)]
        tier_of[name] = tier
        lines = [f"  offers {tier}"]
        deps: list[str] = []
        if i >= CORE:
            roll = rng.random()
            if roll < 0.3:  # serial dependencies on one or two core services
                serial = rng.sample(range(CORE), rng.choice((1, 2)))
                lines.append("  depends on " + ", ".join(f"svc{d:04d}" for d in serial))
                deps += [f"svc{d:04d}" for d in serial]
            elif roll < 0.4:  # a redundant pair
                pair = rng.sample(range(CORE), 2)
                lines.append("  depends on any of " + ", ".join(f"svc{d:04d}" for d in pair))
                deps += [f"svc{d:04d}" for d in pair]
        deps_of[name] = deps
        parts.append(f"service {name} {{\n" + "\n".join(lines) + "\n}\n")
    return "\n".join(parts), tier_of, deps_of


def make_outages(count: int, names: list[str], rng: random.Random) -> list[dict]:
    """§7 outage dicts over the year: mostly short, some long; some tagged, announced or partial."""
    year_start = datetime(YEAR, 1, 1, tzinfo=timezone.utc)
    year_s = 365 * 86_400
    out = []
    for _ in range(count):
        start = year_start + timedelta(seconds=rng.randrange(year_s))
        duration = timedelta(seconds=int(min(6 * 3600, rng.expovariate(1 / 900)) + 5))
        record = {"service": rng.choice(names), "start": iso(start), "end": iso(start + duration)}
        roll = rng.random()
        if roll < 0.10:
            record["tags"] = ["customer_caused"]
        elif roll < 0.13:
            record["tags"] = ["force_majeure"]
        if rng.random() < 0.2:
            record["announced"] = iso(start - timedelta(days=rng.choice((1, 4, 7))))
        if rng.random() < 0.05:
            record["impact"] = 0.5
        out.append(record)
    return out


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def closure(name: str, deps_of: dict[str, list[str]]) -> list[str]:
    """The service and everything it depends on, transitively."""
    seen, stack = [], [name]
    while stack:
        s = stack.pop()
        if s not in seen:
            seen.append(s)
            stack.extend(deps_of.get(s, []))
    return seen


def run_year(policy, tier_of, outages_for, periods=None) -> tuple[float, list]:
    """All 12 x N reports; `outages_for(service)` gives what to pass for that service; `periods`
    maps a month's name to a parsed Period (else the name is passed)."""
    began = time.perf_counter()
    reports = []
    for month in MONTHS:
        period = periods[month] if periods else month
        for service, tier in tier_of.items():
            reports.append(policy.tier(tier).availability(outages_for(service), period=period, service=service))
    return time.perf_counter() - began, reports


def timed(run) -> float:
    began = time.perf_counter()
    run()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--outages", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=30, help="calls timed for the all-outages way")
    parser.add_argument("--repeat", type=int, default=3, help="measured runs are the best of this many")
    parser.add_argument("--seed", type=int, default=20250301)
    parser.add_argument("--profile", action="store_true", help="cProfile the per-service run")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    text, tier_of, deps_of = make_policy_text(args.services, rng)
    outages = make_outages(args.outages, list(tier_of), rng)

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bench.sla").write_text(text)
        began = time.perf_counter()
        policy = slalang.compile(tmp)
        compile_s = time.perf_counter() - began

    # Warm up: windows materialise per year on first use; not part of the reports' cost.
    for tier in TIERS:
        policy.tier(tier).availability([], period=MONTHS[0], service="svc0000")

    own = defaultdict(list)
    for record in outages:
        own[record["service"]].append(record)
    relevant = {s: [o for d in closure(s, deps_of) for o in own[d]] for s in tier_of}
    services = set(policy.artifact["services"])
    parsed_own = defaultdict(list)
    for record in outages:
        parsed_own[record["service"]].append(parse_outage(record, services))
    relevant_parsed = {s: [o for d in closure(s, deps_of) for o in parsed_own[d]] for s in tier_of}

    periods = {m: parse_period(m, policy.timezone) for m in MONTHS}
    all_parsed = [o for group in parsed_own.values() for o in group]

    # 1. the whole list on every call: a sample, extrapolated to 12 x N
    sample = [(MONTHS[i % 12], s) for i, s in enumerate(rng.sample(list(tier_of), min(args.sample, len(tier_of))))]

    def extrapolate(given) -> float:
        began = time.perf_counter()
        for month, service in sample:
            policy.tier(tier_of[service]).availability(given, period=month, service=service)
        return (time.perf_counter() - began) / len(sample) * 12 * len(tier_of)

    all_dicts_s = extrapolate(outages)
    all_parsed_s = extrapolate(all_parsed)

    # 2.-4. only the relevant outages per service
    def best(*run_args) -> tuple[float, list]:
        # best of --repeat: the machine (other processes), not the code, makes the spread
        runs = [run_year(policy, tier_of, *run_args) for _ in range(max(1, args.repeat))]
        return min(r[0] for r in runs), runs[0][1]

    # 0. the intended way for many reports: parse and group once with policy.outages(...)
    began = time.perf_counter()
    outage_set = policy.outages(outages)
    set_parse_s = time.perf_counter() - began
    set_s, reports_set = best(lambda s: outage_set)
    set_s += set_parse_s
    per_dicts_s, reports = best(lambda s: relevant[s])
    per_parsed_s, reports_parsed = best(lambda s: relevant_parsed[s])
    engine_s, reports_engine = best(lambda s: relevant_parsed[s], periods)
    assert [r.availability for r in reports] == [r.availability for r in reports_parsed] == \
        [r.availability for r in reports_engine] == [r.availability for r in reports_set]

    # what the per-service dicts run spends outside the engine, timed on its own (best of --repeat)
    def parse_all_outages() -> None:
        for _month in MONTHS:
            for service in tier_of:
                for record in relevant[service]:
                    parse_outage(record, services)

    def parse_all_periods() -> None:
        for month in MONTHS:
            for _service in tier_of:
                parse_period(month, policy.timezone)

    parse_outages_s = min(timed(parse_all_outages) for _ in range(max(1, args.repeat)))
    parse_periods_s = min(timed(parse_all_periods) for _ in range(max(1, args.repeat)))

    n = len(reports)
    rows = [
        ("policy.outages(all), once", set_s, f"best of {args.repeat}, parse included (the headline)"),
        ("all outages, dicts", all_dicts_s, f"extrapolated from {len(sample)} calls"),
        ("all outages, parsed", all_parsed_s, f"extrapolated from {len(sample)} calls"),
        ("per service, dicts", per_dicts_s, f"best of {args.repeat}"),
        ("per service, parsed", per_parsed_s, f"best of {args.repeat}"),
        ("per service, parsed+Period", engine_s, f"best of {args.repeat}: the engine alone"),
    ]
    missed = sum(1 for r in reports if r.met is False)
    owed = sum(1 for r in reports if r.credit > 0)
    print(f"policy: {args.services} services ({len(TIERS)} tiers), {args.outages} outages in {YEAR}, "
          f"compiled in {compile_s:.2f} s")
    print(f"reports: {n} (12 months x {len(tier_of)} services); targets missed in {missed}, credit owed in {owed}; "
          f"{sum(len(v) for v in relevant.values())} outage records passed per month (with dependencies')")
    print()
    print(f"| {'way':<26} | {'total s':>8} | {'per report':>11} | {'goal < 2 s':<12} | note")
    print(f"|{'-' * 28}|{'-' * 10}|{'-' * 13}|{'-' * 14}|{'-' * 34}")
    for name, secs, note in rows:
        verdict = "met" if secs < GOAL_S else f"{secs / GOAL_S:.1f}x over"
        print(f"| {name:<26} | {secs:>8.2f} | {secs / n * 1e6:>8.0f} µs | {verdict:<12} | {note}")
    print()
    print("where the per-service dicts run's time goes (each part timed alone, no profiler):")
    print(f"| {'part':<47} | {'s':>6} | {'share':>6}")
    print(f"|{'-' * 49}|{'-' * 8}|{'-' * 8}")
    for name, secs in [("parse_outage on every record of every call", parse_outages_s),
                       ("parse_period on every call (12 distinct names)", parse_periods_s),
                       ("AvailabilityEngine.report and the rest", max(0.0, per_dicts_s - parse_outages_s - parse_periods_s))]:
        print(f"| {name:<47} | {secs:>6.2f} | {100 * secs / per_dicts_s:>5.1f}%")

    if args.profile:
        profile("per service, dicts", lambda: run_year(policy, tier_of, lambda s: relevant[s]))
        profile("per service, parsed+Period (inside the engine)",
                lambda: run_year(policy, tier_of, lambda s: relevant_parsed[s], periods))


def profile(title: str, run) -> None:
    """cProfile one run; print the functions with at least 2% of the time, by cumulative time."""
    print()
    print(f"cProfile of the '{title}' run:")
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    print(f"total {total:.2f} s (under the profiler)")
    print(f"| {'function':<58} | {'self s':>7} | {'self %':>6} | {'cum s':>7} | {'cum %':>6} | {'calls':>9}")
    print(f"|{'-' * 60}|{'-' * 9}|{'-' * 8}|{'-' * 9}|{'-' * 8}|{'-' * 10}")
    entries = sorted(stats.stats.items(), key=lambda kv: -kv[1][3])  # by cumulative time
    shown = 0
    for (file, line, func), (cc, nc, tt, ct, _callers) in entries:
        if ct / total < 0.02 and tt / total < 0.02:
            continue
        where = f"{Path(file).name}:{line}({func})" if line else func
        print(f"| {where[:58]:<58} | {tt:>7.2f} | {100 * tt / total:>5.1f}% | {ct:>7.2f} | "
              f"{100 * ct / total:>5.1f}% | {nc:>9}")
        shown += 1
        if shown >= 30:
            break


if __name__ == "__main__":
    main()
