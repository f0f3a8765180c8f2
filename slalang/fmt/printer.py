"""Formatter stage: the canonical layout of a `.sla` file, printed from the layout tree.

The rules (`slalang fmt`):

1. Two spaces of indentation per block level, one statement per line. A block's opening line
   ends with `{`; its `}` stands on a line of its own at the opening line's indentation.
2. A block stays on one line — `service cdn_eu { offers standard }` — when the author wrote it
   on one line, it holds exactly one statement that is not itself a block, no comment is inside
   its braces, and the line fits in 100 columns. Otherwise it is laid out over several lines.
   An empty block without comments is always `{}`.
3. Words are separated by one space. Lists are `a, b, c`; day sets `mon-fri` and `mon,wed,fri`;
   ranges `09:00-17:30`, `2025-12-24..2025-12-31`, `2020..2040`; `at breach + 2h`.
4. Options that the grammar takes in any order are printed in the grammar's order:
   `within D internal D during W`; `availability P PERIOD during W internal P including
   dependencies`; `outage S from T to T tagged a, b announced T impact N`. Statements and
   declarations are never reordered (order is meaning for severities and credit rows).
5. Literals are printed as written: strings (escapes included), percentages (`95.0%` stays),
   dates, datetimes (seconds and offsets as given), times, numbers. A duration keeps the
   author's units and loses only leading zeros and zero parts (`01h00m` -> `1h`); `48h` is
   never rewritten as `2d`, because `d` and `w` count days of the clock's window.
6. A statement longer than 100 columns wraps after a comma of one of its lists, each line
   holding as many items as fit; a continuation line starts under the first item of its list.
   When wrapping cannot bring every line within 100 columns (a statement without a list, a
   long string), the statement stays on one line.
7. Blank lines: at most one in a row; none at the start of the file, after a `{` or before a
   `}`. Two top-level declarations are separated by one blank line (above the second one's
   leading comments, if it has any), except two one-line declarations of the same kind
   (imports, severities, exclusions, contacts, one-line services, ...): these keep the
   author's choice of none or one, so that a scale or a list of contacts stays together.
   Everywhere else, a blank line the author left is kept and none is added.
8. Every comment is kept, in order, its text unchanged (trailing whitespace removed):
   - a comment on its own line is indented like the statement it precedes (at the end of a
     block, like the block's statements; at the end of the file, at the left margin);
   - a comment at the end of a line stays at the end of that line. Consecutive lines that
     end with a comment form a run whose comments start in one column: column 37 (after 36
     characters), or two spaces after the run's longest line when that is longer;
   - a comment on the line of a block's `{` or `}` stays there;
   - a comment inside a statement that spans several lines (or between a block's keyword
     and its `{`) moves to its own line above the statement: the statement is re-laid out
     and the comment has no place inside it any more.
9. The output has LF line endings (CRLF input is converted), no trailing whitespace, and
   ends with exactly one newline (an empty file stays empty). `slalang fmt` writes UTF-8
   without a byte order mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from slalang.fmt.layout import Block, Document, OwnLineComment, Stmt, Unit
from slalang.fmt.spelling import Items, Piece

INDENT = "  "
WIDTH = 100
COMMENT_COLUMN = 36  # a trailing comment's `#` starts at least here (0-based), as in the examples


@dataclass
class _Row:
    code: str                       # indentation included; "" for a blank line
    comment: Optional[str] = None   # a trailing comment


def print_document(doc: Document) -> str:
    """The canonical text of a file."""
    rows = _body(doc.units, doc.closing, 0, top_level=True)
    lines = _align_trailing_comments(rows)
    return "\n".join(lines) + "\n" if lines else ""


def _body(units: list[Unit], closing: list[OwnLineComment], depth: int, *, top_level: bool) -> list[_Row]:
    """The rows of a file or a block body: units with their leading comments, then closing comments."""
    indent = INDENT * depth
    entries: list[tuple[bool, list[_Row]]] = []   # (blank line before, rows)
    prev: Optional[tuple[Unit, list[_Row]]] = None
    for unit in units:
        rows = _unit(unit, depth)
        group = [(c.blank_before, [_Row(indent + c.text)]) for c in unit.leading] + [(unit.blank_before, rows)]
        if top_level and prev is not None and not _kept_together(prev, (unit, rows)):
            group[0] = (True, group[0][1])
        entries.extend(group)
        prev = (unit, rows)
    entries.extend((c.blank_before, [_Row(indent + c.text)]) for c in closing)
    out: list[_Row] = []
    for i, (blank, rows) in enumerate(entries):
        if blank and i > 0:
            out.append(_Row(""))
        out.extend(rows)
    return out


def _kept_together(a: tuple[Unit, list[_Row]], b: tuple[Unit, list[_Row]]) -> bool:
    """Two one-line declarations of the same kind may sit on consecutive lines."""
    return type(a[0].node) is type(b[0].node) and len(a[1]) == 1 and len(b[1]) == 1


def _unit(unit: Unit, depth: int) -> list[_Row]:
    indent = INDENT * depth
    if isinstance(unit, Stmt):
        rows = [_Row(line) for line in _wrap(unit.words, indent)]
        rows[-1].comment = unit.trailing
        return rows
    head = _wrap(unit.words, indent)
    one_line = _one_line(unit, head[-1]) if len(head) == 1 else None
    if one_line is not None:
        return [_Row(one_line, unit.trailing)]
    rows = [_Row(line) for line in head[:-1]] + [_Row(head[-1] + " {", unit.open_trailing)]
    rows += _body(unit.children, unit.closing, depth + 1, top_level=False)
    rows.append(_Row(indent + "}", unit.trailing))
    return rows


def _one_line(block: Block, head: str) -> Optional[str]:
    """`head { stmt }` or `head {}` when rule 2 allows it, else None."""
    if block.open_trailing is not None or block.closing:
        return None
    if not block.children:
        return head + " {}"
    if len(block.children) != 1 or not block.one_line_in_source:
        return None
    child = block.children[0]
    if not isinstance(child, Stmt) or child.leading or child.trailing is not None:
        return None
    line = f"{head} {{ {_flat(child.words)} }}"
    return line if len(line) <= WIDTH else None


def _flat(words: tuple[Piece, ...]) -> str:
    return " ".join(", ".join(w.words) if isinstance(w, Items) else w for w in words)


def _wrap(words: tuple[Piece, ...], indent: str) -> list[str]:
    """The statement on one line or, past WIDTH, broken after list commas (rule 6).

    Greedy: a line is broken at its last comma once the next item would overflow, and the
    continuation starts under the first item of that comma's list. When even that leaves a line
    past WIDTH, the statement stays on one line: a half-wrapped statement reads worse.
    """
    flat = indent + _flat(words)
    if len(flat) <= WIDTH:
        return [flat]
    atoms: list[tuple[str, Optional[int], bool]] = []   # (text, list index, first item of its list)
    for i, word in enumerate(words):
        if isinstance(word, Items):
            atoms.extend((item, i, j == 0) for j, item in enumerate(word.words))
        else:
            atoms.append((word, None, False))
    anchors: dict[int, int] = {}

    def place(line: list, atom: tuple[str, Optional[int], bool], column: int) -> int:
        """Append an atom to a line; returns the column after it (and notes where a list starts)."""
        text, list_index, first = atom
        if line:
            column += 2 if list_index is not None and not first else 1
        if first:
            anchors[list_index] = column
        line.append(atom)
        return column + len(text)

    lines: list[tuple[int, list]] = []
    start, line = len(indent), []
    column = start
    for atom in atoms:
        column = place(line, atom, column)
        if column <= WIDTH:
            continue
        k = next((n for n in range(len(line) - 1, 0, -1) if line[n][1] is not None and not line[n][2]), None)
        if k is not None:   # break before the last item that follows a comma
            lines.append((start, line[:k]))
            moved, line = line[k:], []
            start = column = anchors[moved[0][1]]
            for a in moved:
                column = place(line, a, column)
    lines.append((start, line))
    out = [" " * col + _flat_atoms(placed) + ("," if i < len(lines) - 1 else "")
           for i, (col, placed) in enumerate(lines)]
    return out if all(len(text) <= WIDTH for text in out) else [flat]


def _flat_atoms(atoms: list[tuple[str, Optional[int], bool]]) -> str:
    text = ""
    for n, (word, list_index, first) in enumerate(atoms):
        text += ("" if not n else ", " if list_index is not None and not first else " ") + word
    return text


def _align_trailing_comments(rows: list[_Row]) -> list[str]:
    """Rows to lines; each run of consecutive rows with trailing comments shares one comment column."""
    lines: list[str] = []
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and rows[j].comment is not None:
            j += 1
        if j == i:
            lines.append(rows[i].code.rstrip())
            i += 1
            continue
        column = max(COMMENT_COLUMN, max(len(r.code.rstrip()) + 2 for r in rows[i:j]))
        lines.extend(r.code.rstrip().ljust(column) + r.comment for r in rows[i:j])
        i = j
    return lines
