"""CLI (formatter): `slalang fmt [PATHS] [--check] [--diff]` — format .sla files in place, atomically."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Iterable, List, Optional

import typer

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def fmt_command(paths: Optional[List[Path]] = typer.Argument(
                    None, help="Policy files or directories (default: the current directory).", show_default=False),
                check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if a file would change."),
                diff: bool = typer.Option(False, "--diff", help="Write nothing; print what would change.")) -> None:
    """Format .sla files in place: canonical layout, every comment kept. Files that do not parse are left alone."""
    from slalang.diagnostics import render
    from slalang.fmt.formatter import FormatError, format_source
    from slalang.runtime.artifact import write_atomic
    from slalang.syntax.parser import decode_source

    targets = paths or [Path(".")]
    missing = [p for p in targets if not p.exists()]
    for p in missing:
        typer.echo(f"error: {p}: no such file or directory", err=True)
    if missing:
        raise typer.Exit(EXIT_USAGE)

    changed: list[Path] = []
    failed = unreadable = 0
    files = sla_files(targets)
    for path in files:
        name = str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            typer.echo(f"error: cannot read {name}: {exc.strerror or exc}", err=True)
            unreadable += 1
            continue
        text, diagnostics = decode_source(data, name)
        try:
            if text is None:
                raise FormatError(diagnostics, {})
            formatted = format_source(text, name)
        except FormatError as exc:
            for d in exc.diagnostics:
                typer.echo(render(d, {name: text} if text is not None else {}) + "\n", err=True)
            failed += 1
            continue
        if formatted.encode("utf-8") == data:
            continue
        changed.append(path)
        if diff:
            typer.echo(unified_diff(text, formatted, name), nl=False)
        if check:
            typer.echo(f"would reformat {name}", err=True)
        elif not diff:
            try:
                write_atomic(path, formatted)
            except OSError as exc:
                typer.echo(f"error: cannot write {name}: {exc.strerror or exc}", err=True)
                unreadable += 1
                changed.pop()

    typer.echo(_summary(len(files), len(changed), failed + unreadable, check or diff), err=True)
    if unreadable:
        raise typer.Exit(EXIT_USAGE)
    if failed or (check and changed):
        raise typer.Exit(EXIT_FAIL)
    raise typer.Exit(EXIT_OK)


def sla_files(targets: Iterable[Path]) -> list[Path]:
    """Every file named, and every .sla file under the directories named (hidden directories skipped)."""
    out: list[Path] = []
    seen: set[Path] = set()
    for target in targets:
        if target.is_dir():
            found = sorted(p for p in target.rglob("*.sla")
                           if p.is_file() and not any(part.startswith(".") for part in p.relative_to(target).parts))
        else:
            found = [target]
        for p in found:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                out.append(p)
    return out


def unified_diff(before: str, after: str, name: str) -> str:
    """A unified diff that `patch -p0` applies (a missing final newline is marked as git marks it)."""
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=name, tofile=name)
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    if not out:  # only the encoding changes (a byte order mark dropped)
        return f"--- {name}\n+++ {name}\n# only a UTF-8 byte order mark is removed\n"
    return "".join(out)


def _summary(total: int, changed: int, failed: int, dry_run: bool) -> str:
    verb = "would be reformatted" if dry_run else "reformatted"
    parts = [f"{changed} file{'s' * (changed != 1)} {verb}", f"{total - changed - failed} unchanged"]
    if failed:
        parts.append(f"{failed} not formatted (errors above)")
    return ", ".join(parts)
