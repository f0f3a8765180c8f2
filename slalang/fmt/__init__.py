"""Formatter: canonical layout for .sla sources (a view over the AST); comments kept, idempotent.

Re-exports are resolved on first use, so `slalang fmt`'s command can be registered without
loading the parser at CLI start-up.
"""

from __future__ import annotations

__all__ = ["FormatError", "format_source", "is_formatted"]


def __getattr__(name: str):
    if name in __all__:
        from slalang.fmt import formatter
        return getattr(formatter, name)
    raise AttributeError(f"module 'slalang.fmt' has no attribute {name!r}")
