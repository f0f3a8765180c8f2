"""The compiler pipeline: sources -> AST -> scope -> graph -> passes -> artifact. One edge catches everything."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional

from slalang.diagnostics import Diagnostic, error, sort_diagnostics


@dataclass
class CheckResult:
    """Diagnostics of a policy, the source texts (for carets) and the model when one was built."""

    diagnostics: list[Diagnostic]
    texts: dict[str, str] = field(default_factory=dict)
    model: Optional[object] = None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings))


def check(paths: list[str | os.PathLike]) -> CheckResult:
    """Parse, resolve and validate; never raises for bad input."""
    from slalang.graph.model import build_model
    from slalang.graph.passes import PASSES
    from slalang.resolve.loader import load_sources

    sources = None
    try:
        sources = load_sources(paths)
        model = build_model(sources)
        diags = list(sources.diagnostics) + list(model.diagnostics)
        for _name, run in PASSES:
            diags.extend(run(model))
        return CheckResult(sort_diagnostics(diags), sources.texts(), model)
    except RecursionError:
        return CheckResult([error("SLA000", "input is nested too deeply to process", None)],
                           sources.texts() if sources else {})
    except OSError as exc:
        return CheckResult([error("SLA100", f"cannot read {exc.filename}: {exc.strerror}", None)])
    except Exception as exc:  # the outer edge: a compiler bug is reported, never a traceback
        return CheckResult([error("SLA000", f"internal error: {type(exc).__name__}: {exc}", None,
                                  "this is a slalang bug; please report it with the policy that caused it")],
                           sources.texts() if sources else {})


def compile_policy(paths: list[str | os.PathLike], strict: bool = False):
    """Compile to a runtime Policy; raises PolicyError carrying every diagnostic."""
    from slalang.diagnostics import PolicyError
    from slalang.ir.build import build_artifact
    from slalang.runtime import Policy
    from slalang.runtime.artifact import check_artifact

    result = check(paths)
    if result.failed(strict):
        raise PolicyError(result.diagnostics, result.texts)
    # The jsonschema library checks the artifact when it is written (Policy.save); in-process
    # the compiled validator of the same schema answers the same question in milliseconds.
    artifact = check_artifact(build_artifact(result.model), source="compiled artifact")
    policy = Policy(artifact)
    policy.diagnostics = result.diagnostics
    return policy
