"""Formatter (a view over the AST): `slalang fmt` — canonical layout, idempotent, keeps every comment.

The layout rules are the docstring of `slalang.fmt.printer`. The CLI command is
`slalang.fmt.command.fmt_command` (imported from there, so that this package stays free of typer).
"""

from slalang.fmt.formatter import FormatError, format_source, is_formatted

__all__ = ["FormatError", "format_source", "is_formatted"]
