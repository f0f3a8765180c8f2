"""View: `slalang eval` — read ticket records, evaluate them, print a table, JSON Lines or CSV."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Optional

import typer

from slalang.runtime.errors import InstantError, RecordError
from slalang.runtime.records import Problem, from_us, instant_us, iso_z, read_records
from slalang.runtime.terms import TicketResult, json_seconds

CSV_FIELDS = ["id", "severity", "tier", "customer", "service", "metric", "state", "deadline", "goal", "elapsed",
              "remaining", "internal_state", "internal_deadline", "problem"]


def _name(path: Path) -> str:
    """How messages name the input: its path, or <stdin> for `-`."""
    return "<stdin>" if str(path) == "-" else str(path)


def open_records(path: Path) -> tuple[io.TextIOBase, str, str]:
    """(stream, format, display name) for a .jsonl / .csv file or `-` (stdin, JSON Lines)."""
    if str(path) == "-":
        return sys.stdin, "jsonl", _name(path)
    fmt = "csv" if path.suffix.lower() == ".csv" else "jsonl"
    try:
        return path.open(encoding="utf-8", newline="" if fmt == "csv" else None), fmt, _name(path)
    except OSError as exc:
        typer.echo(f"error: cannot read {path}: {exc.strerror}", err=True)
        raise typer.Exit(2)


def _read(path: Path) -> Iterator[tuple[int, object, Optional[Problem]]]:
    """(line, record, problem) of every record of the file (`read_records`), closing it after;
    a file that is not UTF-8 ends the run with exit 2."""
    stream, fmt, name = open_records(path)
    try:
        yield from read_records(stream, format=fmt, source=name)
    except UnicodeDecodeError:
        typer.echo(f"error: {name} is not UTF-8 text", err=True)
        raise typer.Exit(2)
    finally:
        if stream is not sys.stdin:
            stream.close()


def _skip(problem: Problem, strict: bool) -> None:
    """Report a bad record on stderr: skipped, or (--strict) the end of the run with exit 2."""
    typer.echo(f"{problem}{'' if strict else ' (skipped)'}", err=True)
    if strict:
        raise typer.Exit(2)


def _skipped(bad: int) -> None:
    if bad:
        typer.echo(f"{bad} record{'s' * (bad != 1)} skipped", err=True)


def iter_parsed(policy, path: Path, parse, strict: bool) -> Iterator[tuple[int, object]]:
    """(line, parsed record) for every good record; bad ones are reported on stderr with their
    line number (or stop the run with exit 2 under --strict). None is ever dropped silently."""
    name = _name(path)
    bad = 0
    for line, record, problem in _read(path):
        if problem is None:
            try:
                yield line, parse(record)
                continue
            except (RecordError, InstantError, LookupError) as exc:
                problem = Problem(line, str(exc.args[0]) if exc.args else str(exc), name)
        bad += 1
        _skip(problem, strict)
    _skipped(bad)


CHUNK = 20_000  # tickets per evaluate_tickets call: the step of the progress bar


def _progress(steps: range, total: int, label: str):
    """Wrap the evaluation steps in a progress bar when a person is watching a large file."""
    if total < 5 * CHUNK // 4 or not sys.stderr.isatty():
        return steps
    from rich.progress import track
    return track(steps, description=label, console=None, transient=True)


def evaluate_file(policy, path: Path, *, now: Optional[str], format: str, strict: bool) -> int:
    try:
        when = from_us(instant_us(now, "--now")) if now else datetime.now(timezone.utc)
    except InstantError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    name = _name(path)
    lines: list[int] = []
    records: list = []
    problems: list[Problem] = []
    for line, record, problem in _read(path):
        if problem is None:
            lines.append(line)
            records.append(record)
        else:
            problems.append(problem)
    # the batch path: every record's result in place, a bad one's with its problem
    results: list[TicketResult] = []
    for start in _progress(range(0, len(records), CHUNK), len(records), "evaluating"):
        results.extend(policy.evaluate_tickets(records[start:start + CHUNK], now=when))
    problems += [Problem(line, r.problem, name) for line, r in zip(lines, results) if r.problem is not None]
    for problem in sorted(problems, key=lambda p: p.line):
        _skip(problem, strict)
    _skipped(len(problems))
    results = [r for r in results if r.problem is None]
    if format == "json":
        for start in range(0, len(results), 1000):  # a thousand lines per write
            typer.echo("\n".join(json.dumps(r.to_json(), ensure_ascii=False) for r in results[start:start + 1000]))
    elif format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_FIELDS)
        writer.writerows(csv_rows(results))
        typer.echo(out.getvalue(), nl=False)
    else:
        print_table(policy, results, instant_us(when, "now"))
    return 0


def csv_rows(results: list[TicketResult]) -> Iterator[list]:
    """One row (in CSV_FIELDS order) per metric of each good result."""
    for r in results:
        base = [r.id, r.severity, r.tier, r.customer, r.service]
        for name, m in r.metrics.items():
            yield [*base, name, m.state, iso_z(m.deadline), json_seconds(m.goal), json_seconds(m.elapsed),
                   json_seconds(m.remaining), m.internal_state, iso_z(m.internal_deadline), None]


def _when(value, tz) -> str:
    return "—" if value is None else value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _span(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(seconds))
    h, rest = divmod(seconds, 3600)
    return f"{sign}{h}h{rest // 60:02d}m"


TABLE_TICKETS = 200  # the table is for people: beyond this, a summary (`eval --help` names the number)


def print_table(policy, results: list[TicketResult], now_us: int) -> None:
    from collections import Counter
    from zoneinfo import ZoneInfo

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    tz = ZoneInfo(policy.timezone)
    console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160)
    shown, hidden = results[:TABLE_TICKETS], len(results) - TABLE_TICKETS
    table = Table(title=f"Tickets as of {_when(datetime.fromtimestamp(now_us / 1e6, timezone.utc), tz)} "
                        f"({policy.timezone})", show_lines=False)
    for col in ("ticket", "sev", "terms", "metric", "state", "deadline", "remaining", "internal"):
        table.add_column(col, no_wrap=True)
    styles = {"breached": "bold red", "missed": "red", "paused": "yellow", "met": "green", "running": ""}
    # Cells are Text objects, never markup: ticket ids and names may contain "[".
    for r in shown:
        terms = f"{r.customer}/{r.service}" if r.customer else (r.tier or "")
        for name, m in r.metrics.items():
            table.add_row(Text(r.id), Text(r.severity), Text(terms), Text(name),
                          Text(m.state, style=styles.get(m.state, "")), Text(_when(m.deadline, tz)),
                          Text(_span(m.remaining.total_seconds())), Text(m.internal_state or ""))
    console.print(table)
    due = [(r, e) for r in shown for e in r.escalations if e.fired]
    if due:
        esc = Table(title="Escalations fired", show_lines=False)
        for col in ("ticket", "metric", "step", "due", "notify", "via"):
            esc.add_column(col, no_wrap=True)
        for r, e in due:
            step = f"{e.step}" + (f" (repeat {e.repeat})" if e.repeat else "")
            esc.add_row(Text(r.id), Text(e.metric + (f" #{e.cycle}" if e.cycle else "")), Text(step),
                        Text(_when(e.due, tz)), Text(", ".join(e.notify)), Text(", ".join(e.channels)))
        console.print(esc)
    if hidden > 0:
        # every ticket still counts: a summary of all of them, by metric and state
        states = Counter((name, m.state) for r in results for name, m in r.metrics.items())
        fired = sum(e.fired for r in results for e in r.escalations)
        summary = Table(title=f"All {len(results):,} tickets by state", show_lines=False)
        order = ["running", "paused", "breached", "met", "missed"]
        summary.add_column("metric", no_wrap=True)
        for state in order:
            summary.add_column(state, justify="right", style=styles[state], no_wrap=True)
        for metric in dict.fromkeys(name for name, _ in states):
            summary.add_row(metric, *(f"{states[(metric, state)]:,}" for state in order))
        console.print(summary)
        console.print(f"{fired:,} escalation notifications fired in all. {hidden:,} tickets are not listed "
                      "above; --format csv or json lists every one.")
