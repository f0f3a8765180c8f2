"""Diff stage: the `slalang diff` command (typer). Registered by the CLI as
`app.command("diff")(diff_command)`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Callable, List, Optional

import typer

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class DiffFormat(str, Enum):
    md = "md"
    json = "json"
    text = "text"


class FailOn(str, Enum):
    looser = "looser"
    breaking = "breaking"


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _artifact(what: str, load: Callable[[], object], shown_as: Optional[tuple[Path, str]] = None) -> dict:
    """Load or compile one side; a policy that does not compile prints its diagnostics (exit 1).
    `shown_as` (directory, prefix) names files of a revision's temporary copy as `REF:path`."""
    import slalang
    from slalang.diff.sources import SourceError

    try:
        return load().artifact
    except SourceError as exc:
        raise _fail(str(exc), EXIT_USAGE)
    except slalang.PolicyError as exc:
        text = exc.render()
        if shown_as is not None:
            for form in {str(shown_as[0]), str(shown_as[0].resolve())}:
                text = text.replace(form + "/", shown_as[1])
        typer.echo(text + "\n", err=True)
        usage = any(d.code == "SLA100" for d in exc.diagnostics)
        raise _fail(f"{what} does not compile", EXIT_USAGE if usage else EXIT_FAIL)


def diff_command(
    paths: Optional[List[Path]] = typer.Argument(
        None, metavar="OLD NEW | PATHS", show_default=False,
        help="Without --base: the OLD and NEW policy (directory, .sla file or .json artifact). "
             "With --base: the policy files or directories to compare (default: the current directory)."),
    base: Optional[str] = typer.Option(
        None, "--base", metavar="GIT_REF",
        help="Compare PATHS in the work tree with the same paths at this git revision (read with git; "
             "nothing is checked out)."),
    format: DiffFormat = typer.Option(DiffFormat.md, "--format", "-f",
                                      help="md (a pull-request comment), json or text."),
    fail_on: Optional[FailOn] = typer.Option(
        None, "--fail-on", help="Exit 1 on a `looser` (or breaking) change, or only on a `breaking` one."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
) -> None:
    """Compare two policies semantically: each change is stricter, looser, neutral, added, removed or
    breaking, from the customer's side. Exit 0; 1 when --fail-on is hit; 2 on bad input."""
    from slalang.diff.change import fails
    from slalang.diff.comparison import compare, empty_artifact
    from slalang.diff.render import RENDERERS
    from slalang.diff.sources import Revision, SourceError, compile_many, load_policy_any

    paths = list(paths or [])
    if base is None:
        if len(paths) != 2:
            raise _fail("give OLD and NEW, or --base GIT_REF [PATHS]...", EXIT_USAGE)
        old = _artifact(str(paths[0]), lambda: load_policy_any(paths[0]))
        new = _artifact(str(paths[1]), lambda: load_policy_any(paths[1]))
    else:
        targets = paths or [Path(".")]
        new = _artifact("the work tree", lambda: compile_many(targets))
        try:
            with Revision(base, targets) as revision:
                old_paths = revision.materialise()
                if old_paths is None:
                    typer.echo(f"note: {base} has no policy at {', '.join(map(str, targets))}; "
                               "everything is new", err=True)
                    old = empty_artifact(new["policy"])
                else:
                    old = _artifact(f"the policy at {base}", lambda: compile_many(old_paths),
                                    shown_as=(revision.root, f"{base}:"))
        except SourceError as exc:
            raise _fail(str(exc), EXIT_USAGE)

    changes = compare(old, new)
    text = RENDERERS[format.value](changes)
    if output is None:
        typer.echo(text, nl=False)
    else:
        from slalang.runtime.artifact import write_atomic

        try:
            write_atomic(output, text)
        except OSError as exc:
            raise _fail(f"cannot write {output}: {exc.strerror or exc}", EXIT_USAGE)
    raise typer.Exit(EXIT_FAIL if fails(changes, fail_on.value if fail_on else None) else EXIT_OK)
