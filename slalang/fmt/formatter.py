"""Formatter stage: source text -> canonical source text, refusing invalid code and checking its own work."""

from __future__ import annotations

import dataclasses
from typing import Any

from slalang.diagnostics import PolicyError
from slalang.diagnostics import Diagnostic, Span, error
from slalang.fmt.layout import build
from slalang.fmt.printer import print_document
from slalang.fmt.spelling import spell_duration
from slalang.syntax import ast
from slalang.syntax.parser import parse_text


class FormatError(PolicyError):
    """The text was not formatted: `.diagnostics` says why (a syntax error, or a bad literal)."""


def format_source(text: str, file: str = "<input>") -> str:
    """The canonical layout of one `.sla` source; raises FormatError when the text does not parse.

    Before returning, the result is parsed again and compared with the input: the same
    declarations and statements (spans aside) and the same comments in the same order. A
    mismatch is a formatter bug and raises FormatError (SLA000) rather than return a text that
    means something else.
    """
    module, diagnostics = parse_text(text, file)
    if module is None or any(d.is_error for d in diagnostics):
        raise FormatError(diagnostics, {file: text})
    try:
        formatted = print_document(build(module, text))
    except (TypeError, ValueError, KeyError, IndexError) as exc:  # e.g. a statement the printer does not know
        raise _internal_error(f"cannot format this file ({exc})", file, text) from None
    problem = _meaning_changed(module, formatted, file)
    if problem:
        raise _internal_error(f"formatting would {problem}", file, text)
    return formatted


def _internal_error(what: str, file: str, text: str) -> FormatError:
    return FormatError([error("SLA000", f"internal error: {what}", Span(file, 1, 1),
                              "the file was left as it is; please report this with the file")], {file: text})


def is_formatted(text: str, file: str = "<input>") -> bool:
    """Whether `slalang fmt` would leave this source unchanged."""
    return format_source(text, file) == text


def _meaning_changed(original: ast.Module, formatted: str, file: str) -> str | None:
    module, diagnostics = parse_text(formatted, file)
    if module is None or any(d.is_error for d in diagnostics):
        first: Diagnostic | None = diagnostics[0] if diagnostics else None
        return f"produce text that does not parse ({first.message if first else 'unknown error'})"
    if _shape(module.items) != _shape(original.items):
        return "change the meaning of the file"
    if [c.text.rstrip() for c in module.comments] != [c.text.rstrip() for c in original.comments]:
        return "lose or reorder comments"
    return None


def _shape(value: Any) -> Any:
    """A node without its spans, durations by value and spelling: what the formatter must preserve."""
    if isinstance(value, ast.Duration):
        return ("Duration", value.seconds, spell_duration(value))
    if isinstance(value, ast.Node):
        return (type(value).__name__,) + tuple(_shape(getattr(value, f.name)) for f in dataclasses.fields(value)
                                               if f.name != "span")
    if isinstance(value, tuple):
        return tuple(_shape(v) for v in value)
    return value
