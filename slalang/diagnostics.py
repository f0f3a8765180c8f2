"""Every stage: diagnostics are values (code, severity, message, spans, help), never exceptions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Iterable, Sequence

from slalang.runtime.errors import SlalangError


@dataclass(frozen=True, order=True)
class Span:
    """A source range: 1-based line and column of its first and last-plus-one character."""

    file: str
    line: int
    column: int
    end_line: int = 0
    end_column: int = 0

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "column": self.column,
                "end_line": self.end_line or self.line,
                "end_column": self.end_column or self.column + 1}


class Level(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    """One finding: a stable code (SLAnnn), a level, a message, where, and how to fix it."""

    code: str
    level: Level
    message: str
    span: Span | None = None
    help: str | None = None
    related: tuple[tuple[str, Span], ...] = ()

    @property
    def is_error(self) -> bool:
        return self.level is Level.ERROR

    def sort_key(self):
        s = self.span
        return (s.file, s.line, s.column, self.code) if s else ("", 0, 0, self.code)

    def to_json(self) -> dict:
        out = {"code": self.code, "severity": self.level.value, "message": self.message,
               "span": self.span.to_json() if self.span else None}
        if self.help:
            out["help"] = self.help
        if self.related:
            out["related"] = [{"message": m, "span": s.to_json()} for m, s in self.related]
        return out


def error(code: str, message: str, span: Span | None, help: str | None = None,
          related: Sequence[tuple[str, Span]] = ()) -> Diagnostic:
    return Diagnostic(code, Level.ERROR, message, span, help, tuple(related))


def warning(code: str, message: str, span: Span | None, help: str | None = None,
            related: Sequence[tuple[str, Span]] = ()) -> Diagnostic:
    return Diagnostic(code, Level.WARNING, message, span, help, tuple(related))


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A help line naming the closest candidate by edit similarity, or None."""
    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return f'did you mean "{matches[0]}"?' if matches else None


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sorted by file, line, column and code; exact duplicates removed."""
    seen, out = set(), []
    for d in sorted(diags, key=Diagnostic.sort_key):
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out


@lru_cache(maxsize=16)
def _source_lines(text: str) -> list[str]:
    """A file's lines as the parser counts them (not at U+2028 or a form feed), split once per
    file however many diagnostics it has (rendering 50,000 of them once took 101 s)."""
    return text.split("\n")


def render(diag: Diagnostic, sources: dict[str, str] | None = None) -> str:
    """The human form: `file:line:col: level[CODE]: message`, the source line, a caret, help."""
    lines = []
    s = diag.span
    head = f"{s.file}:{s.line}:{s.column}: " if s else ""
    lines.append(f"{head}{diag.level.value}[{diag.code}]: {diag.message}")
    text = (sources or {}).get(s.file) if s else None
    if s and text is not None:
        src_lines = _source_lines(text)
        if 1 <= s.line <= len(src_lines):
            src = src_lines[s.line - 1].expandtabs(1)
            gutter = str(s.line)
            if len(src) > 200:  # keep a caret readable on minified or binary input
                lo = max(0, s.column - 80)
                src, col = src[lo:lo + 160], s.column - lo
            else:
                col = s.column
            width = 1
            if s.end_line == s.line and s.end_column > s.column:
                width = s.end_column - s.column
            width = max(1, min(width, len(src) - col + 1 if len(src) >= col else 1))
            pad = " " * len(gutter)
            lines.append(f"   {gutter} | {src}")
            lines.append(f"   {pad} | {' ' * (col - 1)}{'^' * width}")
    for msg, rs in diag.related:
        lines.append(f"   = note: {msg} at {rs.file}:{rs.line}:{rs.column}")
    if diag.help:
        lines.append(f"   = help: {diag.help}")
    return "\n".join(lines)


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
        return "\n\n".join(render(d, self.sources) for d in self.diagnostics)
