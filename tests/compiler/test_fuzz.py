"""Bad input of any kind gives diagnostics, never an uncaught exception (SPEC §11).

Random text and bytes, token soup in the language's own vocabulary, mutations of valid policies,
and named monsters (huge, deep, binary, empty). Invariants: `check` returns only Diagnostics with
documented codes and in-file spans, never SLA000 (an internal error surfaced as a diagnostic);
rendering never raises; a policy without errors compiles to an artifact that passes its schema
(and, for generated policies, saves and loads back); the CLI never prints a traceback. The whole
file runs in about half a minute.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import slalang
from slalang.compiler import check
from slalang.diagnostics import Diagnostic, render

EXAMPLE = Path(__file__).resolve().parent / "spec_example"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "diagnostics.md"
KNOWN_CODES = set(re.findall(r"^\| (SLA\d{3}) \|", DOCS.read_text(encoding="utf-8"), re.M))

SMALL_POLICY = """\
policy "t" { timezone "Europe/London" }
severity P1 "Critical"
severity P2 "High"
window hours {
  mon-fri 09:00-17:30
  except holidays "GB-ENG"
}
contact lead "lead@example.com"
escalation chain {
  at 50% notify lead
  at breach + 1h notify lead via pager
  repeat every 1h up to 2 times
}
tier standard {
  support hours via email
  response P1 within 1h internal 30m
  response P2 within 4h
  resolution P1 within 8h during always
  availability 99.9% monthly
  credits { below 99.9% credit 10% below 99% credit 25% cap 50% }
  escalate chain
}
service api { offers standard }
customer acme { contract api standard from 2025-01-01 to 2025-12-31 { response P1 within 30m } }
test "due" {
  given tier standard
  ticket t1 P1 opened 2025-03-07T16:00
  expect t1 response due 2025-03-07T17:00
}
"""

# The language's vocabulary: keywords, punctuation and literals, good and bad.
KEYWORDS = """policy import as window extends timezone include except holidays severity exclusion
contact escalation at notify via breach repeat every up to times tier description support pause
when on change keep elapsed restart response resolution update within internal during availability
daily weekly monthly quarterly yearly including dependencies exclude with notice ignore outages
under credits below or credit cap escalate service owner offers depends any of customer name
contract from ola provider consumer underpins test given ticket opened status responded updated
resolved reopened outage tagged announced impact expect due none state notifies is met missed
version horizon always mon tue wed thu fri sat sun P1 P2 x std people""".split()
PUNCT = ["{", "}", ",", ".", "..", "-", "+", "%", ":", '"', "#", "\n", "\\", "@", "\t", "\r", "\x00"]
LITERALS = ['"x"', '"UTC"', '"Europe/London"', '"GB-ENG"', '"./a.sla"', '"std/windows"', '"../x.sla"',
            "1h", "30m", "1h30m", "2d", "1x", "0m", "30m1h", "99.9%", "100%", "0%", "150%", "99.12345%",
            "2025-01-01", "2025-02-30", "2025-13-01", "2025-03-07T18:00", "2025-03-07T18:00Z",
            "2025-03-07T25:00", "09:00", "24:00", "25:61", "3", "2020", "2025-03", "2025-Q1", "2025-W10",
            "0.5", "99999999999999999999"]
TOKENS = KEYWORDS + PUNCT + LITERALS


def fuzz(examples: int) -> settings:
    """Bounded and without a per-example deadline: the first check of a run also builds the parser."""
    return settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- helpers -------------------------------------------------------------------------------------

def _assert_sane(result) -> None:
    """Every diagnostic is a documented, located, renderable value; none is an internal error."""
    for diag in result.diagnostics:
        assert isinstance(diag, Diagnostic)
        assert diag.code in KNOWN_CODES, diag
        assert diag.code != "SLA000", render(diag, result.texts)
        text = render(diag, result.texts)
        assert text.splitlines()[0].endswith(diag.message)
        span = diag.span
        if span is not None and span.file in result.texts:
            n_lines = max(1, len(result.texts[span.file].splitlines()))
            assert 1 <= span.line <= n_lines + 1, (diag, n_lines)
            assert span.column >= 1


def _check_files(files: dict[str, bytes | str], *, round_trip: bool = False) -> object:
    """Write the files into a fresh directory, check it there, and return the result.

    A policy without errors is also compiled; with `round_trip` its artifact is saved (checked by
    the jsonschema library) and loaded back (checked by the compiled validator and the digest).
    """
    raw = {name: data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
           for name, data in files.items()}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, data in raw.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        cwd = os.getcwd()
        os.chdir(root)
        try:
            result = check([root])
            _assert_sane(result)
            # Without errors, compiling goes on to the artifact and its schema, and must succeed.
            if not result.errors:
                policy = slalang.compile(root)
                if round_trip:
                    policy.save(root / "build" / "policy.json")
                    assert slalang.load(root / "build" / "policy.json").artifact == policy.artifact
        finally:
            os.chdir(cwd)
    return result


# -- random input --------------------------------------------------------------------------------

@fuzz(150)
@given(st.text(max_size=400))
def test_random_text_never_raises(text: str) -> None:
    _check_files({"policy.sla": text})


@fuzz(150)
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes) -> None:
    _check_files({"policy.sla": data})


@fuzz(300)
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_token_soup_never_raises(tokens: list[str]) -> None:
    _check_files({"policy.sla": " ".join(tokens)})


@fuzz(150)
@given(st.lists(st.sampled_from(TOKENS), max_size=40), st.lists(st.sampled_from(TOKENS), max_size=40))
def test_token_soup_inside_a_valid_prefix_never_raises(head: list[str], tail: list[str]) -> None:
    # A valid policy opens the blocks, so soup lands in tier, window and test bodies too.
    cut = SMALL_POLICY.index("  escalate chain")
    _check_files({"policy.sla": SMALL_POLICY[:cut] + " ".join(head) + "\n" + " ".join(tail) + "\n}\n"})


# -- mutations of valid policies -----------------------------------------------------------------

def _tokens(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r'"[^"\n]*"|[^\s{},]+|[{},]', text)]


@st.composite
def mutated(draw, base: str) -> str:
    """`base` after one to three random edits of the kinds a hurried editor makes."""
    text = base
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate", "replace", "echo"]))
        if not text:
            break
        if kind == "delete":
            a = draw(st.integers(0, len(text) - 1))
            b = draw(st.integers(a, min(len(text), a + 80)))
            text = text[:a] + text[b:]
        elif kind == "duplicate":
            lines = text.splitlines(keepends=True)
            i = draw(st.integers(0, len(lines) - 1))
            text = "".join(lines[:i + 1] + [lines[i]] + lines[i + 1:])
        elif kind == "swap":
            spans = _tokens(text)
            if len(spans) >= 2:
                i, j = sorted(draw(st.lists(st.integers(0, len(spans) - 1), min_size=2, max_size=2,
                                            unique=True)))
                (a0, a1), (b0, b1) = spans[i], spans[j]
                text = text[:a0] + text[b0:b1] + text[a1:b0] + text[a0:a1] + text[b1:]
        elif kind == "insert":
            at = draw(st.integers(0, len(text)))
            text = text[:at] + " " + draw(st.sampled_from(TOKENS)) + " " + text[at:]
        elif kind == "replace" and _tokens(text):
            spans = _tokens(text)
            a, b = spans[draw(st.integers(0, len(spans) - 1))]
            text = text[:a] + draw(st.sampled_from(TOKENS)) + text[b:]
        elif kind == "echo" and _tokens(text):
            # A word from elsewhere in the file: keeps the syntax, scrambles the meaning
            # (a tier extending itself, a window where a contact belongs, ...).
            spans = _tokens(text)
            a, b = spans[draw(st.integers(0, len(spans) - 1))]
            c, d = spans[draw(st.integers(0, len(spans) - 1))]
            text = text[:a] + text[c:d] + text[b:]
        elif kind == "truncate":
            text = text[:draw(st.integers(0, len(text)))]
    return text


ACME = (EXAMPLE / "acme.sla").read_text(encoding="utf-8")
CONTACTS = (EXAMPLE / "contacts.sla").read_text(encoding="utf-8")


@fuzz(200)
@given(mutated(ACME))
def test_mutated_spec_example_never_raises(text: str) -> None:
    _check_files({"acme.sla": text, "contacts.sla": CONTACTS})


@fuzz(250)
@given(mutated(SMALL_POLICY))
def test_mutated_small_policy_never_raises(text: str) -> None:
    _check_files({"policy.sla": text})


def test_the_unmutated_bases_are_valid() -> None:
    """The mutation tests start from clean policies, so what they find is the mutation's doing."""
    assert _check_files({"policy.sla": SMALL_POLICY}).diagnostics == []
    assert _check_files({"acme.sla": ACME, "contacts.sla": CONTACTS}).errors == []


# -- named monsters ------------------------------------------------------------------------------

def _codes(result) -> list[str]:
    return [d.code for d in result.diagnostics]


def test_five_thousand_unclosed_tier_blocks() -> None:
    result = _check_files({"policy.sla": "tier x {\n" * 5000})
    assert _codes(result) == ["SLA003"]
    [diag] = result.diagnostics
    assert (diag.span.line, diag.span.column) == (2, 1)
    assert diag.message == 'unexpected "tier"'
    assert '"}"' in diag.help


def test_a_ten_megabyte_file_is_refused_quickly() -> None:
    started = time.perf_counter()
    result = _check_files({"policy.sla": b"# " + b"x" * (10 * 1024 * 1024) + b"\n"})
    assert time.perf_counter() - started < 2.0
    assert _codes(result) == ["SLA009"]
    assert "at most 4,194,304" in result.diagnostics[0].message


def test_a_file_just_under_the_limit_still_parses() -> None:
    # One long comment: 466k one-line comments would take ~12 s, in Lark's lexer, not in slalang.
    header = b'policy "t" { timezone "UTC" }\n# '
    body = header + b"x" * (4 * 1024 * 1024 - len(header) - 1) + b"\n"
    assert len(body) == 4 * 1024 * 1024
    assert _codes(_check_files({"policy.sla": body})) == []


@pytest.mark.parametrize("data, line, column", [
    (b'policy "t" {\x00}', 1, 13),
    (b'contact a "ok"\ncontact b "\xff\xfe"\n', 2, 12),
    (b"\xc3\x28 broken two-byte sequence", 1, 1),
    (b"\xef\xbb\xbf" + b'contact a "x"\x00', 1, 14),   # BOM, then a NUL
    (bytes(range(256)), 2, 118),   # 0x80 is the first byte that is not UTF-8; 0x0a ended line 1
])
def test_binary_input_is_reported_as_not_text(data: bytes, line: int, column: int) -> None:
    result = _check_files({"policy.sla": data})
    [diag] = result.diagnostics
    assert diag.code == "SLA010"
    assert (diag.span.line, diag.span.column) == (line, column)


def test_a_hundred_thousand_open_braces() -> None:
    result = _check_files({"policy.sla": "{" * 100_000})
    assert _codes(result) == ["SLA003"]
    rendered = render(result.diagnostics[0], result.texts)
    assert max(len(line) for line in rendered.splitlines()) < 400   # the source line is clipped


def test_deeply_nested_blocks_inside_a_tier() -> None:
    result = _check_files({"policy.sla": "tier t { " + "credits { " * 50_000 + "}" * 50_000 + " }"})
    assert _codes(result) == ["SLA003"]


def test_a_file_of_only_comments_is_clean() -> None:
    result = _check_files({"policy.sla": "# nothing here yet\n" * 1000 + "# no newline at the end"})
    assert result.diagnostics == []


def test_an_empty_file_is_clean() -> None:
    # An empty policy says nothing, so nothing is wrong with it; `slalang check` exits 0.
    assert _check_files({"policy.sla": ""}).diagnostics == []
    assert _check_files({"policy.sla": "\n\n  \t\n"}).diagnostics == []


def test_a_very_long_string_is_a_value_not_a_problem() -> None:
    policy = 'policy "t" { timezone "UTC" }\ncontact a "' + "b" * 200_000 + '"\n'
    assert _codes(_check_files({"policy.sla": policy})) == ["SLA210"]
    unterminated = _check_files({"policy.sla": policy.rstrip('"\n') + "\n"})
    assert _codes(unterminated) == ["SLA002"]


# -- the CLI, once for real ----------------------------------------------------------------------

def test_the_cli_on_random_bytes_prints_no_traceback(tmp_path: Path) -> None:
    import random
    rng = random.Random(20250307)
    (tmp_path / "noise.sla").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    (tmp_path / "soup.sla").write_text(" ".join(rng.choice(TOKENS) for _ in range(500)), encoding="utf-8")
    # The installed console script when there is one (what a user runs), else the module.
    script = shutil.which("slalang", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "slalang.cli"]
    proc = subprocess.run([*command, "check", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output
    assert proc.returncode == 1, output
    assert "error[SLA010]" in proc.stdout
    assert "noise.sla:" in proc.stdout and "soup.sla:" in proc.stdout
    assert "failed:" in proc.stderr


# -- random policies that parse: the resolver, passes and artifact builder get the strange ones ----
#
# `tidy` policies keep every rule the validator knows (references resolve, extends point backwards,
# goals are ordered), so most compile and the artifact builder and the schema see odd but legal
# shapes; `wild` ones draw from pools with bad values and forward references, for the passes.

_TZ = ["UTC", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham"]
_DUR = ["15m", "1h", "4h", "8h", "1d", "2w", "90m", "1h30m"]
_DATE = ["2024-02-29", "2025-01-01", "2025-03-30", "2025-06-30", "2025-12-31", "2026-10-25"]  # ascending
# Local (two of them in the DST gap and fold of London), then with offsets, then local again.
_DT = ["2025-03-08T12:30", "2025-03-30T01:30", "2025-10-26T01:30", "2025-03-10T09:00Z",
       "2025-06-14T20:00+05:30", "2025-12-31T23:59:59"]
_DAYS = ["mon", "sun", "mon-fri", "fri-mon", "sat,sun", "tue-sat"]
_HOURS = ["09:00-17:30", "22:00-06:00", "00:00-24:00", "10:00-13:00", "09:00-09:00", "23:30-00:30"]
_REGIONS = ['"GB-ENG"', '"US"', '"DE-BY"', '"FR"']


def _tier_statements(tidy: bool):
    pct = ["99.9%", "99.95%", "99.5%"] if tidy else ["50%", "99.9%", "100%", "0.0001%", "0%", "150%"]
    win = ["w1", "w2", "always"] if tidy else ["w1", "w2", "always", "t1", "w9"]
    sev = ["P1", "P2"] if tidy else ["P1", "P2", "P9"]
    dur = _DUR if tidy else _DUR + ["1s"]
    choice = st.sampled_from
    statements = [
        st.builds("support {} via email".format, choice(win)),
        st.builds("response {} within {}".format, choice(sev), choice(dur)),
        st.builds("resolution {} within {} during {}".format, choice(sev), choice(dur), choice(win)),
        st.builds("update {} every {}".format, choice(sev), choice(dur)),
        st.builds("response P1, {} 90% within {}".format, choice(["P2"] if tidy else sev), choice(dur)),
        st.builds("availability {} {}".format, choice(pct), choice(["monthly", "daily", "quarterly"])),
        st.builds("exclude {} with notice {}, x1".format, choice(["w1", "w2"] if tidy else win + ["c1"]),
                  choice(dur)),
        st.builds("ignore outages under {}".format, choice(dur)),
        st.just("credits { below 99% credit 10% at or below 95% credit 50% cap 60% }") if tidy else
        st.builds("credits {{ below {} credit {} below {} credit {} cap {} }}".format,
                  *[choice(pct)] * 5),
        st.just("escalate e1") if tidy else st.builds("escalate {}".format, choice(["e1", "c1"])),
        st.just("pause when pending_customer, awaiting_third_party"),
        st.just("on severity change restart"),
        st.just('description "d \\" quoted"'),
    ]
    if tidy:
        statements.append(st.just("response P2 within 4h internal 1h"))
        statements.append(st.just("availability 99.9% monthly internal 99.99% during w1 including dependencies"))
    else:
        statements.append(st.builds("response P1 within {} internal {} during {}".format,
                                    choice(dur), choice(dur), choice(win)))
        statements.append(st.builds("availability {} monthly internal {}".format, choice(pct), choice(pct)))
    return st.one_of(statements)


def _key(statement: str) -> str:
    words = statement.replace(",", " ,").split()
    return words[0] + words[1] if words[0] in ("response", "resolution", "update") else words[0]


@st.composite
def random_policy(draw, tidy: bool) -> str:
    pick = lambda pool: draw(st.sampled_from(pool))  # noqa: E731
    maybe = lambda text: text if draw(st.booleans()) else ""  # noqa: E731

    def body(max_size: int) -> str:
        return " ".join(draw(st.lists(_tier_statements(tidy), max_size=max_size, unique_by=_key)))

    zone = pick(_TZ) if tidy else pick(_TZ + ["Europe/Londn", "Mars/Base"])
    header = f'policy "p" {{ timezone "{zone}" horizon 2024..2027 }}' if tidy else pick(
        [f'policy "p" {{ timezone "{zone}" }}', 'policy "p" { version "1" }', ""])
    parts = [header, 'severity P1 "a" severity P2 "b"', 'exclusion x1 "x"', 'contact c1 "c"']

    weekly = [f"{d} {h}" for d in _DAYS for h in _HOURS]
    extras = ([f"except holidays {r}" for r in _REGIONS]
              + [f"{a}..{b}" for a in _DATE[:3] for b in _DATE[3:]]
              + [f"except {a}..{b}" for a in _DATE[:2] for b in _DATE[3:]]
              + [f"{a}..{b}" for a in _DT[:2] for b in _DT[2:3] + _DT[5:]]
              + [f"{a}..{b}" for a in _DT[3:4] for b in _DT[4:5]]
              + [f'timezone "{z}"' for z in _TZ])
    if not tidy:
        extras += ['except holidays "GB-ENGG"', 'timezone "Europe/Londn"', f"{_DT[5]}..{_DT[0]}",
                   f"{_DT[0]}", f"{_DATE[0]}..{_DT[0]}", f"{_DT[0]}..{_DT[3]}", f"{_DATE[4]}..{_DATE[1]}",
                   "include w2", "except w2", "include w1"]
    w1 = " ".join([pick(weekly)] + draw(st.lists(st.sampled_from(extras + weekly), max_size=4)))
    parts.append(f"window w1{'' if tidy else maybe(' extends w2')} {{ {w1} }}")
    w2 = draw(st.lists(st.sampled_from(extras + weekly + ["include w1", "include always", "except w1"]),
                       max_size=4))
    parts.append(f"window w2{maybe(' extends w1')} {{ {pick(weekly)} {' '.join(w2)} }}")

    steps = ["at 25% notify c1", "at 50% notify c1 via pager", "at 100% notify c1", "at breach notify c1",
             "at breach + 1h notify c1 via phone, email", "at breach + 1d notify c1"]
    chosen = draw(st.lists(st.sampled_from(steps), min_size=1, max_size=4, unique=True))
    if tidy:
        chosen.sort(key=steps.index)
    parts.append(f"escalation e1 {{ {' '.join(chosen)} {maybe('repeat every 30m up to 2 times')} }}")

    parts.append(f"tier t1 {{ {body(8)} }}")
    parts.append(f"tier t2{maybe(' extends t1')} {{ {body(4)} }}")
    parts.append(f"tier t3 extends {'t2' if tidy else pick(['t1', 't2', 't3'])} {{ {body(3)} }}")
    for name, deps in (("s1", ""), ("s2", " depends on s1"), ("s3", " depends on s1 depends on any of s1, s2")):
        if not tidy:
            deps = maybe(f" depends on {pick(['s1', 's2', 's3'])}") + maybe(" depends on any of s2, s3")
        parts.append(f"service {name} {{ offers t1, t2, t3{deps} }}")

    contracts = []
    for service in ("s1", "s2") if tidy else draw(st.lists(st.sampled_from(["s1", "s2"]), max_size=3)):
        end = maybe(f" to {pick(_DATE[3:] if tidy else _DATE)}")
        start = pick(_DATE[:3] if tidy else _DATE)
        contracts.append(f"contract {service} {pick(['t1', 't2', 't3'])} from {start}{end}"
                         + maybe(f" {{ {body(3)} }}"))
    parts.append(f'customer k1 {{ name "K" {" ".join(contracts)} }}')
    if draw(st.booleans()):
        ola = "response P1 within 1m resolution P2 within 2m" if tidy else body(3)
        parts.append(f'ola o1 {{ provider "a" consumer "b" underpins s1 {ola} }}')

    events = " ".join(draw(st.lists(st.sampled_from([
        f"at {_DT[3]} status pending_customer", f"at {_DT[4]} severity P2", f"at {_DT[5]} responded",
        f"at {_DT[1]} resolved", f"at {_DT[2]} reopened", f"at {_DT[0]} updated"]), max_size=3)))
    tests = draw(st.lists(st.sampled_from([
        'timezone "Asia/Kolkata"', "given tier t1", "given customer k1 service s1",
        f"ticket a P1 opened {_DT[0]} {{ {events} }}", f"ticket b P2 opened {_DT[1]}",
        f"outage s1 from {_DT[0]} to {_DT[3]} tagged x1 announced {_DT[0]} impact 0.5",
        f"outage s3 from {_DT[1]} to {_DT[2]}",
        f"expect a response due {_DT[3]}", "expect a response internal due none",
        f"expect a resolution state running at {_DT[3]}", f"expect a update elapsed 1h at {_DT[5]}",
        f"expect a notifies c1 at {_DT[4]}", "expect availability 2025-03 of s1 is 99.9%",
        "expect availability 2025-Q1 met", "expect credit 2025-03 10%", "expect availability 2025-W10 missed"]),
        max_size=6))
    parts.append(f'test "t" {{ {" ".join(tests)} }}')
    return "\n".join(draw(st.permutations(parts)))


@fuzz(80)
@given(random_policy(tidy=True))
def test_tidy_random_policies_compile_save_and_load(text: str) -> None:
    result = _check_files({"policy.sla": text}, round_trip=True)
    syntax = [render(d, result.texts) for d in result.diagnostics if d.code < "SLA100"]
    assert syntax == []


@fuzz(80)
@given(random_policy(tidy=False))
def test_wild_random_policies_never_raise(text: str) -> None:
    result = _check_files({"policy.sla": text})
    syntax = [render(d, result.texts) for d in result.diagnostics if d.code in ("SLA001", "SLA003")]
    assert syntax == []


def test_tidy_random_policies_mostly_reach_the_artifact() -> None:
    """The tidy generator must feed the artifact builder, not only the passes."""
    outcomes: list[list[str]] = []

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(random_policy(tidy=True))
    def collect(text: str) -> None:
        outcomes.append([d.code for d in _check_files({"policy.sla": text}).errors])

    collect()
    clean = [codes for codes in outcomes if not codes]
    assert len(clean) >= len(outcomes) // 2, outcomes
