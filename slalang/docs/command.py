"""Docs stage: the `slalang docs` command — compile (or load) a policy and write its SLA documents."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import List, Optional
from zoneinfo import ZoneInfo

import typer

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class DocFormat(str, Enum):
    md = "md"
    html = "html"


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _policy(paths: List[Path]):
    """A compiled artifact (one .json path) is loaded; sources are compiled. Errors exit 1 or 2."""
    import slalang

    artifacts = [p for p in paths if p.suffix == ".json"]
    if artifacts:
        if len(paths) != 1:
            _err("error: give either one compiled artifact (.json) or policy sources, not both")
            raise typer.Exit(EXIT_USAGE)
        try:
            return slalang.load(artifacts[0])
        except slalang.ArtifactError as exc:
            _err(f"error: {exc}")
            raise typer.Exit(EXIT_USAGE)
    from slalang.compiler import check
    from slalang.diagnostics import render

    result = check(paths)
    for diag in result.diagnostics:
        _err(render(diag, result.texts) + "\n")
    if any(d.code == "SLA100" for d in result.errors):
        raise typer.Exit(EXIT_USAGE)
    if result.failed():
        raise typer.Exit(EXIT_FAIL)
    from slalang.ir.build import build_artifact
    from slalang.runtime import Policy
    return Policy(build_artifact(result.model))


def docs_command(
        paths: Optional[List[Path]] = typer.Argument(
            None, help="Policy files or directories, or one compiled artifact (.json); default: the current "
                       "directory.", show_default=False),
        output: Path = typer.Option(Path("build/docs"), "-o", "--output", help="Directory to write the documents to."),
        format: DocFormat = typer.Option(DocFormat.md, "--format", "-f", help="md, or html (self-contained pages)."),
        year: Optional[int] = typer.Option(None, "--year", help="Year whose holidays, closures and month lengths "
                                                                "are shown; default: the current year."),
        internal: bool = typer.Option(False, "--internal", help="Show internal goals too (not for customers).")
) -> None:
    """Write customer-readable SLA documents: one per customer contract and per tier, and an index."""
    from slalang.docs.render import render_documents
    from slalang.runtime.artifact import write_atomic

    policy = _policy(paths or [Path(".")])
    if year is None:
        year = datetime.now(ZoneInfo(policy.timezone)).year
    try:
        documents = render_documents(policy, year=year, internal=internal, format=format.value)
    except ValueError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_USAGE)
    try:
        for name, text in documents.items():
            write_atomic(output / name, text)
    except OSError as exc:
        _err(f"error: cannot write to {output}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_USAGE)
    edition = " (internal edition)" if internal else ""
    _err(f"wrote {len(documents)} documents to {output}{edition} for {year}")
    raise typer.Exit(EXIT_OK)
