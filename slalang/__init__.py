"""slalang: SLA-as-code. Compile `.sla` policies; load the artifact; evaluate tickets and outages.

`import slalang` stays light: the compiler (lark, networkx, holidays) loads only when
`slalang.compile` is called.
"""

from __future__ import annotations

from slalang.diagnostics import PolicyError
from slalang.runtime.errors import ArtifactError, InstantError, RecordError, SlalangError
from slalang.version import __version__


def compile(*paths, strict: bool = False):
    """Compile policy sources (files or directories) in-process; raises PolicyError on errors."""
    from slalang.compiler import compile_policy
    return compile_policy(list(paths), strict=strict)


def load(path):
    """Load a compiled artifact; raises ArtifactError on a newer format, schema violation or bad digest."""
    from slalang.runtime import load as _load
    return _load(path)


def loads(data):
    """Load a compiled artifact from memory (its bytes or text); raises ArtifactError like `load`."""
    from slalang.runtime import loads as _loads
    return _loads(data)


__all__ = ["ArtifactError", "InstantError", "PolicyError", "RecordError", "SlalangError", "compile", "load", "loads",
           "__version__"]
