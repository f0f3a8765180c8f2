"""The formatter's rules one at a time, and its refusals: invalid code is never formatted."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import slalang
from slalang.fmt import FormatError, format_source, is_formatted, spelling
from slalang.fmt import formatter as formatter_module
from slalang.syntax import ast
from slalang.syntax.parser import parse_text

from fmt_sources import FIXTURES


def fmt(text: str) -> str:
    return format_source(text, "policy.sla")


# -- refusals ------------------------------------------------------------------------------------

def test_a_syntax_error_raises_with_its_diagnostic() -> None:
    with pytest.raises(FormatError) as caught:
        fmt("service api {\n  offers a b\n}\n")
    err = caught.value
    assert isinstance(err, slalang.PolicyError)
    assert [d.code for d in err.diagnostics] == ["SLA003"]
    assert err.diagnostics[0].span.line == 2
    assert "policy.sla:2:" in err.render() and "^" in err.render()


def test_a_bad_literal_is_not_formatted_either() -> None:
    with pytest.raises(FormatError) as caught:
        fmt("tier t {\n  response P1 within 1x\n}\n")
    assert [d.code for d in caught.value.diagnostics] == ["SLA006"]


def test_a_formatter_bug_is_caught_before_it_reaches_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The output is parsed again and compared: a lost comment or a changed statement is refused."""
    real = formatter_module.print_document
    monkeypatch.setattr(formatter_module, "print_document", lambda doc: real(doc).replace("# why\n", "\n"))
    with pytest.raises(FormatError) as caught:
        fmt("# why\ncontact a \"a@example.test\"\n")
    assert caught.value.diagnostics[0].code == "SLA000"
    assert "comments" in caught.value.diagnostics[0].message
    monkeypatch.setattr(formatter_module, "print_document", lambda doc: real(doc).replace("1h", "2h"))
    with pytest.raises(FormatError, match="meaning"):
        fmt("tier t { response P1 within 1h }\n")


# -- whole files ---------------------------------------------------------------------------------

def test_empty_and_comment_only_files() -> None:
    assert fmt("") == ""
    assert fmt("\n\n  \n") == ""
    assert fmt("   # only a comment   \n\n\n# and another") == "# only a comment\n\n# and another\n"


def test_crlf_input_becomes_lf_and_is_then_formatted() -> None:
    source = 'contact a "a@example.test"  # who\r\ncontact b "b@example.test"\r\n'
    assert fmt(source) == 'contact a "a@example.test"          # who\ncontact b "b@example.test"\n'
    assert is_formatted(fmt(source), "policy.sla")
    assert not is_formatted(source, "policy.sla")


# -- literals and words -------------------------------------------------------------------------

def test_durations_keep_their_units_and_lose_only_zeros() -> None:
    source = "tier t {\n  response P1 within 01h00m\n  response P2 within 48h\n  resolution P1 within 2d\n" \
             "  resolution P2 within 0d36h\n  response P3 within 90m\n}\n"
    assert fmt(source) == "tier t {\n  response P1 within 1h\n  response P2 within 48h\n  resolution P1 within 2d\n" \
                          "  resolution P2 within 36h\n  response P3 within 90m\n}\n"


def test_percentages_dates_and_strings_are_printed_as_written() -> None:
    source = 'customer c {\n  name "A \\"B\\" \\\\ C"\n  contract s t from 2025-01-01 to 2025-12-31 {\n' \
             '    availability 99.900% monthly\n  }\n}\n'
    assert fmt(source) == source


def test_options_come_in_the_grammars_order() -> None:
    assert fmt("tier t { response P1 within 4h during always internal 2h }\n") == \
        "tier t { response P1 within 4h internal 2h during always }\n"
    assert fmt("tier t {\n availability 99.9% monthly including dependencies internal 99.95% during w\n}\n") == \
        "tier t {\n  availability 99.9% monthly during w internal 99.95% including dependencies\n}\n"


def test_spacing_inside_statements() -> None:
    source = "window w {\n  mon - fri 09:00 - 12:00,13:00-17:00\n  mon , wed,fri 08:00-09:00\n" \
             "  except 2025-12-24 .. 2025-12-31\n}\nescalation e {\n  at breach+1h notify a,b via x,y\n}\n"
    assert fmt(source) == "window w {\n  mon-fri 09:00-12:00, 13:00-17:00\n  mon,wed,fri 08:00-09:00\n" \
                          "  except 2025-12-24..2025-12-31\n}\n\n" \
                          "escalation e {\n  at breach + 1h notify a, b via x, y\n}\n"


# -- blocks and blank lines ---------------------------------------------------------------------

def test_a_one_line_block_stays_only_when_the_author_wrote_it_so() -> None:
    assert fmt("service a { offers t }\n") == "service a { offers t }\n"
    assert fmt("service a {\n  offers t\n}\n") == "service a {\n  offers t\n}\n"
    assert fmt("service a { owner \"x\" offers t }\n") == "service a {\n  owner \"x\"\n  offers t\n}\n"
    assert fmt("service a {\n}\n") == "service a {}\n"


def test_blank_lines_between_declarations() -> None:
    source = 'severity S1 "a"\nseverity S2 "b"\n\n\n\nseverity S3 "c"\nexclusion x "x"\nservice a { offers t }\n' \
             'service b { offers t }\nservice c {\n  offers t\n}\n'
    assert fmt(source) == 'severity S1 "a"\nseverity S2 "b"\n\nseverity S3 "c"\n\nexclusion x "x"\n\n' \
                          'service a { offers t }\nservice b { offers t }\n\nservice c {\n  offers t\n}\n'


def test_no_blank_line_after_an_opening_or_before_a_closing_brace() -> None:
    assert fmt("tier t {\n\n  response P1 within 1h\n\n\n  response P2 within 2h\n\n}\n") == \
        "tier t {\n  response P1 within 1h\n\n  response P2 within 2h\n}\n"


# -- comments -----------------------------------------------------------------------------------

def test_trailing_comments_in_a_run_share_a_column() -> None:
    source = "tier t {\n  response P1 within 1h # a\n  resolution P1 within 24h during always # b\n" \
             "  response P2 within 2h # c, alone\n\n  response P3 within 3h   # d\n}\n"
    assert fmt(source) == (
        "tier t {\n"
        "  response P1 within 1h                   # a\n"
        "  resolution P1 within 24h during always  # b\n"
        "  response P2 within 2h                   # c, alone\n"
        "\n"
        "  response P3 within 3h             # d\n"
        "}\n")


def test_a_comment_inside_a_wrapped_statement_moves_above_it() -> None:
    source = "tier t {\n  exclude a,  # why a\n          b\n}\n"
    assert fmt(source) == "tier t {\n  # why a\n  exclude a, b\n}\n"


def test_comments_around_braces_stay_there() -> None:
    source = "tier t { # opens\n  # inside, at the end\n} # closes\n"
    assert fmt(source) == "tier t {                            # opens\n  # inside, at the end\n}" \
                          "                                   # closes\n"


def test_long_lists_wrap_under_their_first_item() -> None:
    names = ", ".join(f"service_{i:02d}" for i in range(12))
    out = fmt(f"service api {{\n  depends on any of {names}\n}}\n")
    lines = out.splitlines()
    assert lines[1] == "  depends on any of service_00, service_01, service_02, service_03, service_04, service_05,"
    continuation = "service_06, service_07, service_08, service_09, service_10, service_11"
    assert lines[2] == " " * len("  depends on any of ") + continuation
    assert all(len(line) <= 100 for line in lines)


# -- coverage of the language -------------------------------------------------------------------

_NOT_STATEMENTS = {ast.Node, ast.Name, ast.QualName, ast.Str, ast.Duration, ast.Percent, ast.Date, ast.DateTime,
                   ast.DayRange, ast.TimeRange, ast.ExcludeItem, ast.Comment, ast.Module}


def _node_types(value, out: set) -> set:
    if isinstance(value, ast.Node):
        out.add(type(value))
        for f in dataclasses.fields(value):
            _node_types(getattr(value, f.name), out)
    elif isinstance(value, tuple):
        for v in value:
            _node_types(v, out)
    return out


def test_the_printer_spells_every_statement_of_the_ast() -> None:
    """A statement added to the grammar must be taught to the formatter (this test fails until it is)."""
    statements = {cls for cls in vars(ast).values()
                  if isinstance(cls, type) and issubclass(cls, ast.Node) and cls not in _NOT_STATEMENTS}
    assert statements == set(spelling._SPELLERS)


def test_the_golden_cases_use_every_statement() -> None:
    seen: set = set()
    for case in sorted(FIXTURES.glob("*.sla")):
        module, _ = parse_text(case.read_text(encoding="utf-8"), case.name)
        _node_types(module, seen)
    assert set(spelling._SPELLERS) <= seen


def test_an_unknown_statement_is_an_internal_error_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(spelling._SPELLERS, ast.Cap)
    with pytest.raises(FormatError) as caught:
        fmt("tier t {\n  credits {\n    cap 10%\n  }\n}\n")
    assert caught.value.diagnostics[0].code == "SLA000" and "Cap" in caught.value.diagnostics[0].message


@settings(max_examples=150, deadline=None)
@given(source=st.sampled_from([p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.sla"))]),
       cuts=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 4), st.text(max_size=3)), min_size=1, max_size=4))
def test_mangled_input_formats_or_is_refused_with_diagnostics(source: str, cuts) -> None:
    """Whatever the text, the formatter returns canonical text or raises FormatError, nothing else."""
    for at, length, insert in cuts:
        at %= len(source) + 1
        source = source[:at] + insert + source[at + length:]
    try:
        out = format_source(source, "policy.sla")
    except FormatError as exc:
        assert exc.diagnostics and all(d.code != "SLA000" for d in exc.diagnostics)
    else:
        assert format_source(out, "policy.sla") == out
