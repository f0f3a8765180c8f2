"""Syntax stage: text -> AST. Lark errors never escape: they become diagnostics saying what was expected."""

from __future__ import annotations

import threading
from functools import lru_cache

from lark import Lark, Token
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from slalang.diagnostics import Diagnostic, Span, error
from slalang.resources import resource_dir
from slalang.syntax import ast
from slalang.syntax.transform import ToAst

MAX_SOURCE_BYTES = 4 * 1024 * 1024  # a policy file past this is a generated blob, not a policy

# How the parser's terminal names read in a message.
_TERMINAL_WORDS = {
    "NAME": "a name", "STRING": "a string", "DURATION": "a duration (e.g. 4h)",
    "PERCENT": "a percentage (e.g. 99.9%)", "DATE": "a date (YYYY-MM-DD)",
    "DATETIME": "a datetime (YYYY-MM-DDTHH:MM)", "TIME": "a time (HH:MM)", "INT": "a whole number",
    "NUMBER": "a number", "DAY": "a day (mon..sun)", "PERIOD": "a period (monthly, quarterly, ...)",
    "PERIOD_NAME": "a period name (e.g. 2025-03)", "METRIC": "response or resolution",
    "METRIC_ANY": "response, resolution or update", "EVENT_TYPE": "responded, updated, resolved or reopened",
    "AVAIL_VERDICT": "met or missed", "LBRACE": '"{"', "RBRACE": '"}"', "COMMA": '","', "DOT": '"."',
    "MINUS": '"-"', "PLUS": '"+"', "__ANON_0": '".."', "$END": "end of file",
}


# Comments are ignored by the grammar; the lexer hands them to the sink of the current parse.
_comment_sink = threading.local()


def _collect_comment(token: Token) -> Token:
    sink = getattr(_comment_sink, "tokens", None)
    if sink is not None:
        sink.append(token)
    return token


@lru_cache(maxsize=1)
def grammar() -> Lark:
    """The LALR parser, built once per process."""
    return Lark.open(str(resource_dir("grammar") / "slalang.lark"), parser="lalr", lexer="contextual",
                     propagate_positions=True, maybe_placeholders=True,
                     lexer_callbacks={"COMMENT": _collect_comment})


def _describe_expected(names) -> str:
    parser = grammar()
    words = []
    for n in sorted(names):
        if n in _TERMINAL_WORDS:
            words.append(_TERMINAL_WORDS[n])
            continue
        try:
            term = parser.get_terminal(n)
            pattern = term.pattern
            words.append(f'"{pattern.value}"' if pattern.type == "str" else n.lower())
        except (KeyError, AttributeError):
            words.append(n.lower())
    # Punctuation and end of file first: `"}"` is the likeliest fix and must not hide in "N more".
    words = sorted(set(words), key=lambda w: (w[1:2].isalpha() or not w.startswith('"'), w))
    if len(words) > 8:
        return ", ".join(words[:8]) + f" or one of {len(words) - 8} more"
    return " or ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else words[0]


def _expected(exc: UnexpectedInput, fallback) -> set:
    """The terminals that really continue the parse here.

    Lark's own lists (`allowed`, `expected`) are the lookaheads of the LALR state the error hit,
    which after a shifted NAME is a state shared by every context a name appears in (so after
    `response P1` it offered "availability" and hid "within"). The interactive parser replays
    the pending reductions for each candidate and keeps only those that are accepted.
    """
    parser = getattr(exc, "interactive_parser", None)
    if parser is not None:
        try:
            accepted = parser.accepts()
        except (LarkError, RecursionError):
            accepted = None
        if accepted:
            return accepted
    return set(fallback or ())


def _syntax_diagnostic(exc: UnexpectedInput, file: str, text: str) -> Diagnostic:
    if isinstance(exc, UnexpectedCharacters):
        ch = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        span = Span(file, exc.line, exc.column, exc.line, exc.column + 1)
        if ch == '"':
            return error("SLA002", "unterminated string", span, 'close the string with " on the same line')
        allowed = _expected(exc, getattr(exc, "allowed", None))
        help_ = f"expected {_describe_expected(allowed)}" if allowed else None
        shown = repr(ch) if not ch.isprintable() or ch.isspace() else f'"{ch}"'
        return error("SLA001", f"unexpected character {shown}", span, help_)
    if isinstance(exc, UnexpectedToken):
        tok: Token = exc.token
        expected = _describe_expected(_expected(exc, exc.expected or exc.accepts))
        if tok.type == "$END":
            lines = text.split("\n") if text.strip() else [""]
            while len(lines) > 1 and lines[-1] == "":
                lines.pop()
            span = Span(file, len(lines), len(lines[-1]) + 1, len(lines), len(lines[-1]) + 2)
            return error("SLA003", "unexpected end of file", span, f"expected {expected}")
        value = str(tok)
        span = Span(file, tok.line, tok.column, tok.end_line or tok.line,
                    tok.end_column or tok.column + len(value))
        shown = value[:40] if tok.type == "STRING" else f'"{value[:40]}"'
        return error("SLA003", f"unexpected {shown}", span, f"expected {expected}")
    if isinstance(exc, UnexpectedEOF):
        lines = text.split("\n") if text.strip() else [""]
        while len(lines) > 1 and lines[-1] == "":
            lines.pop()
        span = Span(file, len(lines), len(lines[-1]) + 1)
        return error("SLA003", "unexpected end of file", span,
                     f"expected {_describe_expected(_expected(exc, exc.expected))}")
    return error("SLA003", "syntax error", Span(file, getattr(exc, "line", 1) or 1, getattr(exc, "column", 1) or 1))


def decode_source(data: bytes, file: str) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 text, or a diagnostic pointing at the first byte that is not."""
    if len(data) > MAX_SOURCE_BYTES:
        return None, [error("SLA009", f"file is {len(data):,} bytes; a policy file may be at most "
                            f"{MAX_SOURCE_BYTES:,}", Span(file, 1, 1), "split it into files joined by import")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [error("SLA010", "file is not UTF-8 text", Span(file, line, column),
                            "slalang sources are UTF-8")]
    if text.startswith("\ufeff"):
        text = text[1:]
    # lines end at LF; a CRLF or a lone CR (old Mac files) ends one too, so that every position
    # counts lines as an editor shows them (a CR-only file once put everything on line 1)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        before = text[:text.index("\x00")]
        line = before.count("\n") + 1
        return None, [error("SLA010", "file contains a NUL character; it is not a text file",
                            Span(file, line, len(before) - (before.rfind("\n") + 1) + 1))]
    return text, []


def parse_text(text: str, file: str) -> tuple[ast.Module | None, list[Diagnostic]]:
    """Parse one source. Returns the module (None on a syntax error) and its diagnostics."""
    comments: list[Token] = []
    parser = grammar()
    try:
        tree = _parse_collecting(parser, text, comments)
    except UnexpectedInput as exc:
        return None, [_syntax_diagnostic(exc, file, text)]
    except (LarkError, RecursionError) as exc:  # defensive: no Lark error may escape as a traceback
        return None, [error("SLA003", f"cannot parse: {type(exc).__name__}", Span(file, 1, 1))]
    builder = ToAst(file)
    try:
        items = builder.transform(tree).children
    except LarkError as exc:  # a transformer bug must still surface as a diagnostic
        cause = getattr(exc, "orig_exc", exc)
        return None, [error("SLA000", f"internal error while reading the file: {cause!r}", Span(file, 1, 1),
                            "please report this with the file that caused it")]
    module = ast.Module(Span(file, 1, 1), file, tuple(items),
                        tuple(ast.Comment(Span(file, t.line, t.column, t.end_line, t.end_column), str(t))
                              for t in comments))
    return module, builder.diagnostics


def _parse_collecting(parser: Lark, text: str, comments: list[Token]):
    _comment_sink.tokens = comments
    try:
        return parser.parse(text)
    finally:
        _comment_sink.tokens = None


def parse_bytes(data: bytes, file: str) -> tuple[str | None, ast.Module | None, list[Diagnostic]]:
    """Decode and parse; the text is returned for rendering carets."""
    text, diags = decode_source(data, file)
    if text is None:
        return None, None, diags
    module, diags = parse_text(text, file)
    return text, module, diags
