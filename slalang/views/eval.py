"""View: `slalang eval` — stream ticket records (JSON Lines, CSV, Parquet) through the engine and write a
table, JSON Lines, CSV or Parquet."""

from __future__ import annotations

import io
import os
import re
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterator, Optional

import typer

from slalang.runtime.errors import InstantError, RecordError
from slalang.runtime.records import Problem, instant_us, jsonl_records, read_records
from slalang.runtime.tickets.results import TicketResult


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


@contextmanager
def _reading(name: str):
    """What ends a run while a file is read: a whole file that is not text, or a CSV header that
    names a column twice (exit 2, with the file's name)."""
    try:
        yield
    except UnicodeDecodeError:
        typer.echo(f"error: {name} is not UTF-8 text", err=True)
        raise typer.Exit(2)
    except RecordError as exc:
        typer.echo(f"error: {name}: {exc}", err=True)
        raise typer.Exit(2)


def _read(path: Path) -> Iterator[tuple[int, object, Optional[Problem]]]:
    """(line, record, problem) of every record of the file (`read_records`), closing it after;
    a file that is not UTF-8 ends the run with exit 2."""
    stream, fmt, name = open_records(path)
    if fmt == "csv":   # read as bytes: a line that is not UTF-8 is that line's problem
        stream.close()
        stream = _open_binary(path)
    try:
        with _reading(name):
            yield from read_records(stream, format=fmt, source=name)
    finally:
        if stream is not sys.stdin:
            stream.close()


def _skip(problem: Problem, strict: bool) -> None:
    """Report a bad record on stderr: skipped, or (--strict) the end of the run with exit 2."""
    own = f"line {problem.line}: "   # a source's problem names its line; the location says it already
    if problem.message.startswith(own):
        problem = Problem(problem.line, problem.message[len(own):], problem.source)
    typer.echo(f"{problem}{'' if strict else ' (skipped)'}", err=True)
    if strict:
        raise typer.Exit(2)


def _skipped(bad: int) -> None:
    if bad:
        typer.echo(f"{bad} record{'s' * (bad != 1)} skipped", err=True)


def iter_parsed(policy, path: Path, parse, strict: bool, source: Optional[str] = None) -> Iterator[tuple[int, object]]:
    """(line, parsed record) for every good record; bad ones are reported on stderr with their
    line number (or stop the run with exit 2 under --strict). None is ever dropped silently.
    With `source`, the file is read through that source of the policy (SPEC §12)."""
    name = _name(path)
    bad = 0
    found = _read(path)
    if source is not None:
        try:
            reader = policy.source(source)
        except LookupError as exc:
            typer.echo(f"error: {exc.args[0]}", err=True)
            raise typer.Exit(2)
        with _reading(name):
            found = [(line, record, None if problem is None else Problem(line, problem, name))
                     for line, record, problem in reader.records(_source_input(path), name=name)]
    for line, record, problem in found:
        if problem is None:
            try:
                yield line, parse(record)
                continue
            except (RecordError, InstantError, LookupError) as exc:
                problem = Problem(line, str(exc.args[0]) if exc.args else str(exc), name)
        bad += 1
        _skip(problem, strict)
    _skipped(bad)



CHUNK = 10_000  # tickets per engine call: the step of streaming and of the progress display
JSON_BLOCK = 10_000  # JSON Lines read by Arrow in blocks of this many lines (as CHUNK: memory stays bounded)
TABLE_TICKETS = 200  # the table is for people: beyond this, a summary (`eval --help` names the number)


def _progress(chunks, label: str):
    """Show progress on stderr when a person is watching."""
    if not sys.stderr.isatty():
        return chunks
    from rich.progress import track
    return track(chunks, description=label, console=None, transient=True)


def _source_input(path: Path):
    """What a source reads: the path, or stdin's bytes for `-`."""
    if str(path) == "-":
        return sys.stdin.buffer
    if not path.is_file():
        typer.echo(f"error: cannot read {path}: no such file", err=True)
        raise typer.Exit(2)
    return path


def _source_chunks(source, path: Path) -> Iterator[tuple[list[int], object, dict[int, Problem]]]:
    """The tickets a `source` reads from the file (SPEC §12) as the engine's columns, CHUNK
    tickets at a time; a ticket it cannot read keeps its place with its id and its problem."""
    name = _name(path)
    parts = source.tickets(_source_input(path), name=name)
    while True:
        with _reading(name):
            found = next(parts, None)
        if found is None:
            return
        cols, lines = found.columns, found.lines.tolist()
        for lo in range(0, cols.n, CHUNK):
            part = cols.rows(lo, min(lo + CHUNK, cols.n))
            part.unnamed = {r for r, ticket in enumerate(part.ids) if not ticket}
            yield lines[lo:lo + CHUNK], part, {}


def _block_lines(block: list[bytes], first: int, name: str, notes: dict) -> Iterator[tuple[int, object,
                                                                                         Optional[Problem]]]:
    """(line, record, problem) of a block of JSON Lines read line by line (`jsonl_records`); its
    comment lines are counted in `notes` for the run's summary."""
    for line, record, problem in jsonl_records(block, first=first, comments=notes):
        yield line, record, None if problem is None else Problem(line, problem, name)


def _chunks(path: Path, notes: Optional[dict] = None) -> Iterator[tuple[list[int], object, dict[int, Problem]]]:
    """(line numbers, records, problems by position), CHUNK records at a time. A line that holds
    no record (not JSON) keeps its place, as an empty record whose problem is the line's own.
    JSON Lines in the common shape come as Arrow batches (read in C++); any other block is read
    line by line. `notes` gathers what the summary says besides records (comment lines)."""
    notes = {} if notes is None else notes
    if str(path) != "-" and path.suffix.lower() == ".parquet":
        yield from _parquet_chunks(path)
        return
    if str(path) != "-" and path.suffix.lower() == ".csv":
        yield from _record_chunks(_read(path))
        return
    from itertools import islice

    from slalang.runtime.tickets.arrow import json_lines_batch

    name = _name(path)
    stream = sys.stdin.buffer if str(path) == "-" else _open_binary(path)
    first = 1
    try:
        while True:
            block = list(islice(stream, JSON_BLOCK))
            if not block:
                break
            batch = json_lines_batch(block)
            if batch is not None:
                yield list(range(first, first + len(block))), batch, {}
            else:
                for part in _record_chunks(_block_lines(block, first, name, notes)):
                    yield part
            first += len(block)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _open_binary(path: Path):
    try:
        return path.open("rb")
    except OSError as exc:
        typer.echo(f"error: cannot read {path}: {exc.strerror}", err=True)
        raise typer.Exit(2)


def _record_chunks(found, keep_record: bool = False) -> Iterator[tuple[list[int], list, dict[int, Problem]]]:
    """(line, record, problem) triples in chunks of CHUNK records (a problem's record is kept
    with `keep_record`: a source's problem record still names its ticket)."""
    lines: list[int] = []
    records: list = []
    problems: dict[int, Problem] = {}
    for line, record, problem in found:
        if problem is not None:
            problems[len(records)] = problem
            record = {"id": record["id"]} if keep_record and isinstance(record, dict) and record.get("id") else {}
        lines.append(line)
        records.append(record)
        if len(records) == CHUNK:
            yield lines, records, problems
            lines, records, problems = [], [], {}
    if records:
        yield lines, records, problems


def _parquet_chunks(path: Path):
    """Record batches of a Parquet file; a row's "line" is its row number (1-based)."""
    import pyarrow.parquet as pq

    try:
        # buffered and not pre-buffered: pages are read as batches need them, so even a file written
        # as one huge row group streams through in bounded memory
        reader = pq.ParquetFile(path, buffer_size=1 << 20, pre_buffer=False)
    except (OSError, ValueError) as exc:
        typer.echo(f"error: cannot read {path}: {exc}", err=True)
        raise typer.Exit(2)
    first = 1
    for batch in reader.iter_batches(batch_size=CHUNK):
        yield list(range(first, first + batch.num_rows)), batch, {}
        first += batch.num_rows


class _Output:
    """Where results go: stdout, or a file written whole or not at all (temp file + rename),
    with the mode the user's umask gives."""

    def __init__(self, output: Optional[Path]):
        """Opens the temp file at once, so a path that cannot be written fails before any work."""
        self.path, self.tmp = output, None
        if output is None:
            self.sink = sys.stdout.buffer
            return
        import tempfile

        if output.is_dir():
            raise OSError(f"{output} is a directory")
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
        self.sink = os.fdopen(fd, "wb")

    def finish(self, ok: bool) -> None:
        """Put the file in place (ok) or remove every trace of it; raises OSError if it cannot."""
        if self.tmp is None:
            self.sink.flush()
            return
        self.sink.close()
        try:
            if ok:
                mask = os.umask(0)
                os.umask(mask)
                os.chmod(self.tmp, 0o666 & ~mask)
                os.replace(self.tmp, self.path)
        finally:
            if os.path.exists(self.tmp):
                os.unlink(self.tmp)


def max_skipped_limit(text: Optional[str]) -> Optional[tuple]:
    """`--max-skipped N` or `P%`: (N, False) or (P, True); None for no limit. ValueError if bad."""
    if text is None:
        return None
    raw = text.strip()
    share = raw.endswith("%")
    number = raw[:-1].strip() if share else raw
    if not re.fullmatch(r"[0-9]+" + (r"(\.[0-9]+)?" if share else ""), number) or \
            (share and Decimal(number) > 100):
        raise ValueError(f"--max-skipped takes a count (10) or a share of the records read (5%, 0.5%), "
                         f"not {text!r}")
    return (Decimal(number) if share else int(number)), share


def evaluate_file(policy, path: Path, *, now: Optional[str], format: str, strict: bool,
                  output: Optional[Path] = None, source: Optional[str] = None,
                  max_skipped: Optional[str] = None) -> int:
    """`slalang eval`: stream the file through the engine in batches and write every record's
    result (a skipped one's with its problem); the summary goes to stderr. Exit 2 when a record
    is bad under --strict, when no record could be evaluated, or when more were skipped than
    `max_skipped` allows. With `source`, the file is read through that source of the policy."""
    from slalang.runtime.tickets.api import evaluate_records
    from slalang.runtime.tickets.arrow import from_arrow
    from slalang.runtime.tickets.columns import TicketColumns
    from slalang.runtime.tickets.engine import evaluate_columns, in_order
    from slalang.runtime.tickets.writers import WRITERS, Tally

    try:
        now_us = instant_us(now, "--now") if now else instant_us(datetime.now(timezone.utc), "now")
        limit = max_skipped_limit(max_skipped)
    except (InstantError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    reader = None
    if source is not None:
        try:
            reader = policy.source(source)
        except LookupError as exc:
            typer.echo(f"error: {exc.args[0]}", err=True)
            return 2
    if format == "parquet" and output is None and sys.stdout.isatty():
        typer.echo("error: --format parquet writes binary: give -o FILE (or redirect stdout)", err=True)
        return 2
    import pyarrow as pa

    # batches come and go: the system allocator gives their memory back, where Arrow's default
    # pool keeps it (430 MB against 380 MB peak on a million tickets)
    pa.set_memory_pool(pa.system_memory_pool())
    if format == "table" and output is not None:
        typer.echo("error: the table is for the terminal; with -o give --format csv, json or parquet", err=True)
        return 2
    name = _name(path)
    tally = Tally()
    shown: list[TicketResult] = []
    try:
        out = _Output(output) if format != "table" else None
    except OSError as exc:
        typer.echo(f"error: cannot write {output}: {exc.strerror or exc}", err=True)
        return 2
    writer = WRITERS[format](out.sink) if out is not None else None
    def work(chunk, threads):
        """One chunk through the engine and its writer's encoding (on the engine's threads)."""
        lines, records, line_problems = chunk
        if isinstance(records, list):
            res = evaluate_records(policy, records, now_us, threads=threads)
        elif isinstance(records, TicketColumns):   # what a source read
            res = evaluate_columns(policy, records, now_us, threads=threads)
        else:  # an Arrow batch
            res = evaluate_columns(policy, from_arrow(records, policy.severity_list), now_us, threads=threads)
        for pos, problem in line_problems.items():   # the line's own problem, not "missing id"
            res.problems[pos] = problem.message
        ids = res.id_list() if res.problems else []
        for pos in res.problems:
            named = pos in line_problems and isinstance(records, list) and records[pos].get("id")
            if (pos in line_problems and not named) or pos in res.unnamed:
                ids[pos] = f"#{lines[pos]}"   # a record with no id is named by its line
        return lines, res, writer.encode(res) if writer is not None else None

    read, ok = 0, False
    notes: dict = {}
    try:
        chunks = _chunks(path, notes) if reader is None else _source_chunks(reader, path)
        for lines, res, encoded in in_order(work, _progress(chunks, "evaluating")):
            read += res.n
            tally.add(res, {pos: _reason(text) for pos, text in res.problems.items()})
            for pos in sorted(res.problems):
                _skip(Problem(lines[pos], res.problems[pos], name), strict)
            if writer is not None:
                writer.put(encoded)
            elif len(shown) < TABLE_TICKETS:
                shown.extend(v for v in res.views()[:TABLE_TICKETS] if v.problem is None)
                del shown[TABLE_TICKETS:]
        if writer is not None:
            writer.close()
        ok = True
    finally:
        if out is not None:
            if not ok and writer is not None:
                writer.abandon()
            try:
                out.finish(ok)
            except OSError as exc:
                typer.echo(f"error: cannot write {output}: {exc.strerror or exc}", err=True)
                raise typer.Exit(2)
    if format == "table" and read:
        print_table(policy, shown, now_us, tally)
    _summary(read, tally)
    if notes.get("comments"):
        count = notes["comments"]
        typer.echo(f"  {count:,} comment line{'s' * (count != 1)} (starting with #) read as no record", err=True)
    if reader is None:
        _unknown_statuses(policy, tally)
    if output is not None:
        typer.echo(f"wrote {output}", err=True)
    if not read:
        typer.echo(f"error: {name} holds no ticket records", err=True)
        return 2
    if tally.evaluated == 0:
        typer.echo("error: no record could be evaluated", err=True)
        return 2
    skipped = sum(tally.skipped.values())
    if limit is not None:
        bound, share = limit
        if (skipped * 100 > bound * read) if share else skipped > bound:
            typer.echo(f"error: {skipped:,} of {read:,} records skipped, more than --max-skipped {max_skipped}",
                       err=True)
            return 2
    return 0


_VARYING = re.compile(r"\"[^\"]*\"|'[^']*'|\d{4}-\d\d-\d\d[T ][\d:.]+(?:Z|[+-]\d\d:\d\d)?|(?<![-\w])\d+\b")


def _reason(problem: str) -> str:
    """A problem's reason for the summary: its text with the values that vary per record elided."""
    return _VARYING.sub("…", re.sub(r"^line \d+: ", "", problem))


def _summary(read: int, tally) -> None:
    skipped = sum(tally.skipped.values())
    typer.echo(f"{read:,} record{'s' * (read != 1)} read, {tally.evaluated:,} evaluated, {skipped:,} skipped",
               err=True)
    for reason, count in sorted(tally.skipped.items(), key=lambda kv: -kv[1])[:10]:
        typer.echo(f"  {count:,} skipped: {reason}", err=True)
    if len(tally.skipped) > 10:
        typer.echo(f"  … and {len(tally.skipped) - 10} more reasons", err=True)


def policy_statuses(policy) -> set[str]:
    """The statuses a policy speaks of: declared, built in, or named by some `pause when`."""
    art = policy.artifact
    known = set(art.get("statuses", {})) | {"open", "resolved", "cancelled"}
    holders = list(art["tiers"].values()) + [c.get("overrides", {}) for cust in art["customers"].values()
                                              for c in cust["contracts"]]
    for holder in holders:
        known.update(holder.get("pause_when", ()))
    return known


def _unknown_statuses(policy, tally) -> None:
    """Once per status the input names that the policy does not: it never paused a clock (a
    misspelt or raw status moves attainment silently otherwise). Input read through a source
    has no such status: the source words it as a problem of its ticket."""
    known = policy_statuses(policy)
    for name, (events, tickets) in sorted(tally.statuses.items(), key=lambda kv: -kv[1][0]):
        if name == "resolved":   # built in for sources; in a §7 record a resolution is a type
            typer.echo(f'warning: status "resolved" resolves nothing in a ticket record ({events:,} event'
                       f'{"s" * (events != 1)} in {tickets:,} ticket{"s" * (tickets != 1)}): write '
                       f'{{"type": "resolved"}}, or read the data through a source that maps it', err=True)
        elif name not in known:
            typer.echo(f'warning: status "{name}" is not a status of this policy: {events:,} event'
                       f'{"s" * (events != 1)} in {tickets:,} ticket{"s" * (tickets != 1)} never paused a clock',
                       err=True)


def _when(value, tz) -> str:
    return "—" if value is None else value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _span(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(seconds))
    h, rest = divmod(seconds, 3600)
    return f"{sign}{h}h{rest // 60:02d}m"


def print_table(policy, shown: list[TicketResult], now_us: int, tally) -> None:
    """The first tickets as a table, their fired escalations, and (beyond them) every ticket by state."""
    from zoneinfo import ZoneInfo

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from slalang.runtime.tickets.rules import METRICS, STATE_NAMES

    tz = ZoneInfo(policy.timezone)
    console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160)
    hidden = tally.evaluated - len(shown)
    table = Table(title=f"Tickets as of {_when(datetime.fromtimestamp(now_us / 1e6, timezone.utc), tz)} "
                        f"({policy.timezone})", show_lines=False)
    for col in ("ticket", "sev", "terms", "metric", "state", "deadline", "remaining", "internal"):
        table.add_column(col, no_wrap=True)
    styles = {"breached": "bold red", "missed": "red", "paused": "yellow", "met": "green", "running": "", "cancelled": "dim"}
    # Cells are Text objects, never markup: ticket ids and names may contain "[".
    for r in shown:
        terms = f"{r.customer}/{r.service}" if r.customer else (r.tier or "")
        for name, m in r.metrics.items():
            table.add_row(Text(r.id), Text(m.severity), Text(terms), Text(name),
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
        summary = Table(title=f"All {tally.evaluated:,} tickets by state", show_lines=False)
        order = ["running", "paused", "breached", "met", "missed", "cancelled"]
        summary.add_column("metric", no_wrap=True)
        for state in order:
            summary.add_column(state, justify="right", style=styles[state], no_wrap=True)
        for c, metric in enumerate(METRICS):
            if tally.states[c].any():
                summary.add_row(metric, *(f"{int(tally.states[c, STATE_NAMES.index(s)]):,}" for s in order))
        console.print(summary)
        console.print(f"{tally.fired:,} escalation notifications fired in all. {hidden:,} tickets are not listed "
                      "above; --format csv, json or parquet lists every one.")
