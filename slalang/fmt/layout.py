"""Formatter stage: the layout tree — statements and blocks with the comments and blank lines around them.

Comments are attached by source position (they are not in the AST's structure):

- own-line comments before a statement lead it; own-line comments after the last statement of
  a block (or of the file) are the block's (the file's) closing comments;
- a comment at the end of a line that ends a statement (or a block's `}`) trails it; one on
  the line of a block's `{` trails the opening line;
- a comment inside a statement that spans lines (or between a block's keyword and its `{`)
  cannot stay there once the statement is re-laid out, so it moves up to lead the statement.

A blank line is recorded before an item when the source has at least one empty line before it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Optional, Union

from slalang.fmt.spelling import Piece, spell
from slalang.syntax import ast

_SPACE = " \t\f\r\n"


@dataclass
class OwnLineComment:
    text: str
    blank_before: bool = False


@dataclass
class Stmt:
    """One statement: printed on one line, or wrapped at commas when too long."""

    node: ast.Node
    words: tuple[Piece, ...]
    start: int
    end: int
    blank_before: bool = False
    leading: list[OwnLineComment] = field(default_factory=list)
    trailing: Optional[str] = None


@dataclass
class Block:
    """A declaration or statement with braces; `trailing` is the comment after its `}`."""

    node: ast.Node
    words: tuple[Piece, ...]
    start: int
    end: int
    open: int                       # offset of "{"
    children: list["Unit"]
    one_line_in_source: bool
    blank_before: bool = False
    leading: list[OwnLineComment] = field(default_factory=list)
    trailing: Optional[str] = None
    open_trailing: Optional[str] = None
    closing: list[OwnLineComment] = field(default_factory=list)


Unit = Union[Stmt, Block]


@dataclass
class Document:
    """A whole file: its top-level units and the comments after the last one."""

    units: list[Unit]
    closing: list[OwnLineComment]


@dataclass(frozen=True)
class _SourceComment:
    start: int
    end: int
    text: str


class _Source:
    """Offsets of a source text, and the few facts the formatter reads from it directly."""

    def __init__(self, text: str):
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def offset(self, line: int, column: int) -> int:
        return self.line_starts[line - 1] + column - 1

    def blank_before(self, offset: int) -> bool:
        """Whether an empty line separates `offset` from the code or comment before it."""
        i, newlines = offset, 0
        while i > 0 and self.text[i - 1] in _SPACE:
            i -= 1
            newlines += self.text[i] == "\n"
        return i > 0 and newlines >= 2

    def same_line(self, a: int, b: int) -> bool:
        return "\n" not in self.text[a:b]

    def open_brace(self, start: int, end: int) -> int:
        """The `{` of a block: the first one outside strings and comments after `start`."""
        text, i = self.text, start
        while i < end:
            ch = text[i]
            if ch == "{":
                return i
            if ch == "#":
                nl = text.find("\n", i)
                i = end if nl < 0 else nl
            elif ch == '"':
                i += 1
                while i < end and text[i] != '"':
                    i += 2 if text[i] == "\\" else 1
            i += 1
        raise ValueError(f"no '{{' in block at offset {start}")


def build(module: ast.Module, text: str) -> Document:
    """The layout tree of a parsed module, with every comment attached to a unit."""
    src = _Source(text)
    units = [_unit(node, src) for node in module.items]
    comments = [_SourceComment(src.offset(c.span.line, c.span.column), src.offset(c.span.end_line, c.span.end_column),
                               c.text.rstrip()) for c in module.comments]
    doc = Document(units, [])
    _attach(units, sorted(comments, key=lambda c: c.start), src, None, doc.closing)
    return doc


def _unit(node: ast.Node, src: _Source) -> Unit:
    s = node.span
    start, end = src.offset(s.line, s.column), src.offset(s.end_line, s.end_column)
    spelling = spell(node)
    blank = src.blank_before(start)
    if spelling.body is None:
        return Stmt(node, spelling.words, start, end, blank)
    open_ = src.open_brace(start, end)
    children = [_unit(child, src) for child in spelling.body]
    return Block(node, spelling.words, start, end, open_, children, s.line == s.end_line, blank)


def _attach(units: list[Unit], comments: list[_SourceComment], src: _Source,
            container: Optional[Block], closing: list[OwnLineComment]) -> None:
    """Give each comment in a body (the file, or a block between its braces) to its unit."""
    starts = [u.start for u in units]
    inside: dict[int, list[_SourceComment]] = {}
    for c in comments:
        at = bisect.bisect_right(starts, c.start) - 1   # the last unit starting before the comment
        if at >= 0 and c.start < units[at].end:
            inside.setdefault(at, []).append(c)
            continue
        prev = units[at] if at >= 0 else None
        prev_end = prev.end if prev else (container.open + 1 if container else None)
        if prev_end is not None and src.same_line(prev_end, c.start):
            if prev is not None:
                prev.trailing = c.text
            else:
                container.open_trailing = c.text
            continue
        comment = OwnLineComment(c.text, src.blank_before(c.start))
        (units[at + 1].leading if at + 1 < len(units) else closing).append(comment)
    for i, unit in enumerate(units):
        cs = inside.get(i, [])
        header = [c for c in cs if isinstance(unit, Stmt) or c.start < unit.open]
        _hoist(unit, header, src)
        if isinstance(unit, Block):
            _attach(unit.children, [c for c in cs if c.start > unit.open], src, unit, unit.closing)


def _hoist(unit: Unit, comments: list[_SourceComment], src: _Source) -> None:
    """Comments inside a statement's own words move above it; the unit keeps its blank line above them."""
    if not comments:
        return
    unit.leading.extend(OwnLineComment(c.text, i == 0 and unit.blank_before) for i, c in enumerate(comments))
    unit.blank_before = False
