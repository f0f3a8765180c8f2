"""slalang: SLA-as-code. Compile `.sla` policies; load the artifact; evaluate tickets and outages.

`import slalang` stays light: the compiler (lark, networkx, holidays) loads only when
`slalang.compile` is called.
"""

from __future__ import annotations

__version__ = "0.1.0"

from slalang.runtime.errors import ArtifactError, InstantError, RecordError, SlalangError  # noqa: E402


class PolicyError(SlalangError):
    """Policy sources have errors; `.diagnostics` holds every one, sorted."""

    def __init__(self, diagnostics, sources=None):
        self.diagnostics = list(diagnostics)
        self.sources = sources or {}
        errors = [d for d in self.diagnostics if d.is_error]
        first = errors[0] if errors else None
        where = f"{first.span.file}:{first.span.line}:{first.span.column}: " if first and first.span else ""
        head = f"{where}{first.message}" if first else "policy has errors"
        more = f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""
        super().__init__(head + more)

    def render(self) -> str:
        from slalang.diagnostics import render
        return "\n\n".join(render(d, self.sources) for d in self.diagnostics)


def compile(*paths, strict: bool = False):
    """Compile policy sources (files or directories) in-process; raises PolicyError on errors."""
    from slalang.compiler import compile_policy
    return compile_policy(list(paths), strict=strict)


def load(path):
    """Load a compiled artifact; raises ArtifactError on a newer format, schema violation or bad digest."""
    from slalang.runtime import load as _load
    return _load(path)


__all__ = ["ArtifactError", "InstantError", "PolicyError", "RecordError", "SlalangError", "compile", "load",
           "__version__"]
