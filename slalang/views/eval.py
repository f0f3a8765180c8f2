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
from slalang.runtime.records import Problem, instant_us, parse_ticket, read_records
from slalang.runtime.terms import TicketResult

CSV_FIELDS = ["id", "severity", "tier", "customer", "service", "metric", "state", "deadline", "goal", "elapsed",
              "remaining", "internal_state", "internal_deadline", "problem"]


def open_records(path: Path) -> tuple[io.TextIOBase, str, str]:
    """(stream, format, display name) for a .jsonl / .csv file or `-` (stdin, JSON Lines)."""
    if str(path) == "-":
        return sys.stdin, "jsonl", "<stdin>"
    fmt = "csv" if path.suffix.lower() == ".csv" else "jsonl"
    try:
        return path.open(encoding="utf-8", newline="" if fmt == "csv" else None), fmt, str(path)
    except OSError as exc:
        typer.echo(f"error: cannot read {path}: {exc.strerror}", err=True)
        raise typer.Exit(2)


def iter_parsed(policy, path: Path, parse, strict: bool) -> Iterator[tuple[int, object]]:
    """(line, parsed record) for every good record; bad ones are reported on stderr with their
    line number (or stop the run with exit 2 under --strict). None is ever dropped silently."""
    stream, fmt, name = open_records(path)
    bad = 0
    try:
        for line, record, problem in read_records(stream, format=fmt, source=name):
            if problem is None:
                try:
                    yield line, parse(record)
                    continue
                except (RecordError, InstantError, LookupError) as exc:
                    problem = Problem(line, str(exc.args[0]) if exc.args else str(exc), name)
            bad += 1
            typer.echo(f"{problem}{'' if strict else ' (skipped)'}", err=True)
            if strict:
                raise typer.Exit(2)
    except UnicodeDecodeError:
        typer.echo(f"error: {name} is not UTF-8 text", err=True)
        raise typer.Exit(2)
    finally:
        if stream is not sys.stdin:
            stream.close()
    if bad:
        typer.echo(f"{bad} record{'s' * (bad != 1)} skipped", err=True)


def _progress(items: list, label: str):
    """Wrap a long list in a progress bar when a person is watching stderr."""
    if len(items) < 5000 or not sys.stderr.isatty():
        return items
    from rich.progress import track
    return track(items, description=label, console=None, transient=True)


def evaluate_file(policy, path: Path, *, now: Optional[str], format: str, strict: bool) -> int:
    try:
        now_us = instant_us(now, "--now") if now else instant_us(datetime.now(timezone.utc), "now")
    except InstantError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    severities = policy.severity_names

    def parse(record):
        ticket = parse_ticket(record, severities)
        return ticket, policy.terms_for_ticket(ticket)

    parsed = list(iter_parsed(policy, path, parse, strict))
    results: list[TicketResult] = []
    for line, (ticket, terms) in _progress(parsed, "evaluating"):
        try:
            results.append(terms.evaluate_parsed(ticket, now_us))
        except (RecordError, InstantError, LookupError) as exc:
            typer.echo(f"{path}:{line}: {exc.args[0] if exc.args else exc}", err=True)
            if strict:
                return 2
    if format == "json":
        for r in results:
            typer.echo(json.dumps(r.to_json(), ensure_ascii=False))
    elif format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in csv_rows(results):
            writer.writerow(row)
        typer.echo(out.getvalue(), nl=False)
    else:
        print_table(policy, results, now_us)
    return 0


def csv_rows(results: list[TicketResult]) -> Iterator[dict]:
    for r in results:
        base = {"id": r.id, "severity": r.severity, "tier": r.tier, "customer": r.customer, "service": r.service}
        for name, m in r.metrics.items():
            js = m.to_json()
            yield {**base, "metric": name, "state": m.state, "deadline": js["deadline"], "goal": js["goal"],
                   "elapsed": js["elapsed"], "remaining": js["remaining"], "internal_state": m.internal_state,
                   "internal_deadline": js.get("internal_deadline")}


def _when(value, tz) -> str:
    return "—" if value is None else value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _span(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(seconds))
    h, rest = divmod(seconds, 3600)
    return f"{sign}{h}h{rest // 60:02d}m"


def print_table(policy, results: list[TicketResult], now_us: int) -> None:
    from zoneinfo import ZoneInfo

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    tz = ZoneInfo(policy.timezone)
    console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160)
    table = Table(title=f"Tickets as of {_when(datetime.fromtimestamp(now_us / 1e6, timezone.utc), tz)} "
                        f"({policy.timezone})", show_lines=False)
    for col in ("ticket", "sev", "terms", "metric", "state", "deadline", "remaining", "internal"):
        table.add_column(col, no_wrap=True)
    styles = {"breached": "bold red", "missed": "red", "paused": "yellow", "met": "green", "running": ""}
    # Cells are Text objects, never markup: ticket ids and names may contain "[".
    for r in results:
        terms = f"{r.customer}/{r.service}" if r.customer else (r.tier or "")
        for name, m in r.metrics.items():
            table.add_row(Text(r.id), Text(r.severity), Text(terms), Text(name),
                          Text(m.state, style=styles.get(m.state, "")), Text(_when(m.deadline, tz)),
                          Text(_span(m.remaining.total_seconds())), Text(m.internal_state or ""))
    console.print(table)
    due = [(r, e) for r in results for e in r.escalations if e.fired]
    if due:
        esc = Table(title="Escalations fired", show_lines=False)
        for col in ("ticket", "metric", "step", "due", "notify", "via"):
            esc.add_column(col, no_wrap=True)
        for r, e in due:
            step = f"{e.step}" + (f" (repeat {e.repeat})" if e.repeat else "")
            esc.add_row(Text(r.id), Text(e.metric + (f" #{e.cycle}" if e.cycle else "")), Text(step),
                        Text(_when(e.due, tz)), Text(", ".join(e.notify)), Text(", ".join(e.channels)))
        console.print(esc)
