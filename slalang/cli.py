"""CLI: the `slalang` command (typer). Thin: each command calls one stage and prints its result."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(
    name="slalang",
    help="SLA-as-code: check, compile and evaluate service level agreements written in .sla files.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class DiagFormat(str, Enum):
    text = "text"
    json = "json"


class GraphFormat(str, Enum):
    dot = "dot"
    mermaid = "mermaid"
    json = "json"


PathsArg = typer.Argument(None, help="Policy files or directories (default: the current directory).",
                          show_default=False)


def _echo_err(message: str) -> None:
    typer.echo(message, err=True)


def _report(result, fmt: DiagFormat, *, stream=None) -> None:
    """Print diagnostics: carets and help as text, or one JSON document."""
    from slalang.diagnostics import render

    if fmt is DiagFormat.json:
        payload = {"diagnostics": [d.to_json() for d in result.diagnostics],
                   "errors": len(result.errors), "warnings": len(result.warnings)}
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    for diag in result.diagnostics:
        typer.echo(render(diag, result.texts) + "\n", err=stream is sys.stderr)
    n_err, n_warn = len(result.errors), len(result.warnings)
    summary = f"{n_err} error{'s' * (n_err != 1)}, {n_warn} warning{'s' * (n_warn != 1)}"
    _echo_err(("ok: " if not n_err else "failed: ") + summary)


def _usage_problem(result) -> bool:
    return any(d.code == "SLA100" for d in result.errors)


@app.command()
def check(paths: Optional[List[Path]] = PathsArg,
          format: DiagFormat = typer.Option(DiagFormat.text, "--format", "-f", help="Diagnostics as text or JSON."),
          strict: bool = typer.Option(False, "--strict", help="Fail on warnings too.")) -> None:
    """Parse and validate policies. Exit 0 when clean, 1 on errors (or warnings with --strict)."""
    from slalang.compiler import check as run_check

    result = run_check(paths or [Path(".")])
    _report(result, format)
    if _usage_problem(result):
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_FAIL if result.failed(strict) else EXIT_OK)


@app.command("compile")
def compile_(paths: Optional[List[Path]] = PathsArg,
             output: Path = typer.Option(Path("build/policy.json"), "--output", "-o", help="Artifact to write."),
             strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
             format: DiagFormat = typer.Option(DiagFormat.text, "--format", "-f", help="Diagnostics format.")) -> None:
    """Compile policies to a JSON artifact (written atomically; nothing is written on errors)."""
    from slalang.compiler import check as run_check
    from slalang.ir.build import build_artifact
    from slalang.runtime.artifact import save_artifact

    result = run_check(paths or [Path(".")])
    if result.diagnostics or format is DiagFormat.json:
        _report(result, format)
    if _usage_problem(result):
        raise typer.Exit(EXIT_USAGE)
    if result.failed(strict):
        raise typer.Exit(EXIT_FAIL)
    artifact = build_artifact(result.model)
    try:
        save_artifact(artifact, output)
    except OSError as exc:
        _echo_err(f"error: cannot write {output}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_USAGE)
    _echo_err(f"wrote {output} ({output.stat().st_size:,} bytes, {artifact['digest'][:19]})")


@app.command()
def graph(paths: Optional[List[Path]] = PathsArg,
          format: GraphFormat = typer.Option(GraphFormat.dot, "--format", "-f", help="dot, mermaid or json."),
          output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout.")) -> None:
    """Print the policy graph: declarations and how they refer to each other."""
    from slalang.compiler import check as run_check
    from slalang.graph.export import to_dot, to_json, to_mermaid

    result = run_check(paths or [Path(".")])
    if result.model is None or _usage_problem(result):
        _report(result, DiagFormat.text)
        raise typer.Exit(EXIT_USAGE if _usage_problem(result) else EXIT_FAIL)
    render = {GraphFormat.dot: to_dot, GraphFormat.mermaid: to_mermaid, GraphFormat.json: to_json}[format]
    text = render(result.model.graph)
    if output is None:
        typer.echo(text)
    else:
        from slalang.runtime.artifact import write_atomic
        write_atomic(output, text + "\n")
        _echo_err(f"wrote {output}")
    if result.errors:   # the graph of what could be read is still drawn, but the run failed
        _echo_err(f"note: the policy has {len(result.errors)} errors; run `slalang check` to see them")
        raise typer.Exit(EXIT_FAIL)


class EvalFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    parquet = "parquet"


def _load_policy(path: Path):
    """An artifact (.json) is loaded; sources are compiled (errors print and exit 1)."""
    import slalang
    from slalang.compiler import check as run_check

    if path.suffix == ".json":
        try:
            return slalang.load(path), None
        except slalang.ArtifactError as exc:
            _echo_err(f"error: {exc}")
            raise typer.Exit(EXIT_USAGE)
    result = run_check([path])
    if result.failed() or _usage_problem(result):
        _report(result, DiagFormat.text)
        raise typer.Exit(EXIT_USAGE if _usage_problem(result) else EXIT_FAIL)
    from slalang.ir.build import build_artifact
    from slalang.runtime import Policy
    return Policy(build_artifact(result.model)), result.model.sources.root


@app.command("test")
def test_(paths: Optional[List[Path]] = PathsArg) -> None:
    """Run the `test` blocks of policies (or of a compiled artifact). Exit 1 if any fails."""
    import os

    from slalang.testing import run_tests

    total = failed = 0
    for path in paths or [Path(".")]:
        policy, root = _load_policy(path)
        for outcome in run_tests(policy):
            total += 1
            where = outcome.span or ""
            if root is not None and where:
                where = os.path.relpath(root / where.split(":")[0]) + where[len(where.split(":")[0]):]
            if outcome.passed:
                typer.echo(f"PASS  {outcome.name}")
                continue
            failed += 1
            typer.echo(f"FAIL  {outcome.name}  ({where})")
            if outcome.error:
                typer.echo(f"      error: {outcome.error}")
            for f in outcome.failures:
                loc = f.span or ""
                if root is not None and loc:
                    loc = os.path.relpath(root / loc.split(":")[0]) + loc[len(loc.split(":")[0]):]
                typer.echo(f"      {loc}: expected {f.expected}")
                typer.echo(f"      {' ' * len(loc)}  got      {f.got}")
    typer.echo(f"{total - failed} passed, {failed} failed")
    raise typer.Exit(EXIT_FAIL if failed else EXIT_OK)


@app.command("eval")
def eval_(tickets: Path = typer.Argument(..., help="Tickets as JSON Lines (.jsonl), CSV (.csv) or Parquet "
                                                     "(.parquet); - for JSON Lines on stdin."),
          policy_path: Path = typer.Option(..., "--policy", "-p", help="Policy sources or a compiled artifact."),
          now: Optional[str] = typer.Option(None, "--now", help="Evaluate as of this instant (ISO 8601 with offset); "
                                                                "default: the current time."),
          format: EvalFormat = typer.Option(EvalFormat.table, "--format", "-f",
                                            help="table (the first 200 tickets, then a summary of all), "
                                                 "or every record: json (one object per ticket), csv or "
                                                 "parquet (one row per ticket and metric; a skipped record "
                                                 "is a row with its problem)."),
          output: Optional[Path] = typer.Option(None, "--output", "-o",
                                                help="Write here (whole or not at all) instead of stdout."),
          strict: bool = typer.Option(False, "--strict", help="Stop at the first malformed record (exit 2)."),
          source: Optional[str] = typer.Option(None, "--source", "-s",
                                               help="Read the file through this source of the policy: the "
                                                    "ticket system's own export (tickets, events, jira, "
                                                    "zendesk or servicenow)."),
          max_skipped: Optional[str] = typer.Option(None, "--max-skipped",
                                                    help="Exit 2 when more records than this were skipped: a "
                                                         "count (10) or a share of those read (5%).")) -> None:
    """Ticket states, deadlines and due escalations, each ticket under the terms in force when it opened.

    Streams the input in batches of 10,000 records: memory does not grow with the number of
    tickets. A source groups a ticket's rows wherever they are in the file: an events CSV is
    read in parts of whole tickets, other formats are grouped in memory. The summary on stderr
    gives records read, evaluated and skipped (by reason); a run that could evaluate no record
    exits 2."""
    from slalang.views.eval import evaluate_file

    policy, _ = _load_policy(policy_path)
    code = evaluate_file(policy, tickets, now=now, format=format.value, strict=strict, output=output,
                         source=source, max_skipped=max_skipped)
    raise typer.Exit(code)


class ReportFormat(str, Enum):
    md = "md"
    html = "html"
    json = "json"


@app.command()
def report(policy_path: Path = typer.Option(..., "--policy", "-p", help="Policy sources or a compiled artifact."),
           outages: Path = typer.Option(..., "--outages", help="Outages as JSON Lines (.jsonl) or CSV (.csv)."),
           tickets: Optional[Path] = typer.Option(None, "--tickets", help="Tickets as JSON Lines or CSV."),
           period: str = typer.Option(..., "--period", help="2025-03-04, 2025-W10, 2025-03, 2025-Q1 or 2025."),
           format: ReportFormat = typer.Option(ReportFormat.md, "--format", "-f", help="md, html or json."),
           output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
           strict: bool = typer.Option(False, "--strict", help="Stop at the first malformed record (exit 2)."),
           source: Optional[str] = typer.Option(None, "--source", "-s",
                                                help="Read --tickets through this source of the policy.")) -> None:
    """Compliance and credits per customer contract for a period: availability, budget, tickets, breaches."""
    from slalang.report import build_report, render_report
    from slalang.runtime.periods import PeriodError, parse_period
    from slalang.runtime.records import parse_outage, parse_ticket
    from slalang.views.eval import iter_parsed

    policy, _ = _load_policy(policy_path)
    if source is not None and tickets is None:
        _echo_err("error: --source reads --tickets: give --tickets FILE")
        raise typer.Exit(EXIT_USAGE)
    try:
        the_period = parse_period(period, policy.timezone)
    except PeriodError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(EXIT_USAGE)
    services, severities = set(policy.artifact["services"]), policy.severity_names
    outage_records = [o for _, o in iter_parsed(policy, outages, lambda r: parse_outage(r, services), strict)]
    _warn_unknown_tags(policy, outage_records)
    ticket_records = [t for _, t in iter_parsed(policy, tickets, lambda r: parse_ticket(r, severities), strict,
                                                source)] if tickets else []
    from slalang.runtime.errors import SlalangError

    try:
        built = build_report(policy, outages=outage_records, tickets=ticket_records, period=the_period)
    except SlalangError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(EXIT_USAGE)
    text = render_report(built, format.value)
    if output is None:
        typer.echo(text, nl=False)
    else:
        from slalang.runtime.artifact import write_atomic
        write_atomic(output, text)
        _echo_err(f"wrote {output}")


def _warn_unknown_tags(policy, outages) -> None:
    """Once per outage tag that is no exclusion of the policy: such an outage counts as downtime
    (SPEC §18: a tag is never ignored without a word)."""
    from slalang.diagnostics import did_you_mean

    known = set(policy.artifact["exclusions"])
    seen: dict[str, int] = {}
    for outage in outages:
        for tag in outage.tags:
            if tag not in known:
                seen[tag] = seen.get(tag, 0) + 1
    for tag, count in sorted(seen.items()):
        hint = did_you_mean(tag, known)
        _echo_err(f'warning: outage tag "{tag}" is no exclusion of this policy: {count} outage'
                  f'{"s" * (count != 1)} counted as downtime' + (f" ({hint})" if hint else ""))


@app.command()
def version() -> None:
    """Print the slalang version."""
    from slalang.version import __version__
    typer.echo(f"slalang {__version__}")


def _register_views() -> None:
    """Commands whose code lives in their own packages (views over the artifact and the AST)."""
    from slalang.diff.command import diff_command
    from slalang.docs.command import docs_command
    from slalang.fmt.command import fmt_command

    app.command("fmt", help="Format .sla files canonically (idempotent, keeps comments); --check, --diff.")(
        fmt_command)
    app.command("docs", help="Customer-readable SLA documents per contract and per tier (md or html).")(
        docs_command)
    app.command("diff", help="Semantic diff of two policies (or of the working tree against --base REF), "
                             "each change classified from the customer's side.")(diff_command)


_register_views()


def main() -> None:
    """Console entry point: no traceback ever reaches the user for bad input."""
    from slalang.runtime.errors import SlalangError

    try:
        app()  # standalone: typer turns its own usage errors and exits into exit codes
    except KeyboardInterrupt:
        _echo_err("interrupted")
        sys.exit(130)
    except SlalangError as exc:  # the outer edge: input the runtime refuses (horizon, instants, records)
        _echo_err(f"error: {exc}")
        sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    main()
