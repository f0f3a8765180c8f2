"""Property: the layout of the input does not matter. Re-spacing a valid policy formats to the same text.

The perturbation changes only what the formatter promises to ignore: the amount and kind of
horizontal whitespace between tokens, indentation, runs of blank lines (collapsed to one), and
line breaks added between the words of a statement. It keeps what the formatter promises to
respect: whether a blank line separates two things, whether a comment is at the end of a line
or on a line of its own, and whether a block was written on one line.
"""

from __future__ import annotations

import random
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slalang.fmt import format_source

from fmt_sources import FIXTURES, bundled_sources, comment_texts

_TOKEN = re.compile(r'#[^\n]*|"(?:[^"\\\n]|\\.)*"|[^\s#"]+')
SOURCES = [p.read_text(encoding="utf-8") for p in bundled_sources() + sorted(FIXTURES.glob("*.sla"))]


def _horizontal(rng: random.Random, at_least: int) -> str:
    return "".join(rng.choice(" \t") for _ in range(rng.randint(at_least, 4)))


def perturb(text: str, rng: random.Random, newline_rate: float) -> str:
    """The same tokens with different whitespace between them (see the module docstring)."""
    tokens = list(_TOKEN.finditer(text))
    one_line_blocks = {text.count("\n", 0, t.start()) for t in tokens if t.group() == "{"} & \
                      {text.count("\n", 0, t.start()) for t in tokens if t.group() == "}"}
    out = [_horizontal(rng, 0) + "\n" * rng.randint(0, 2)]
    for prev, tok in zip(tokens, tokens[1:]):
        out.append(prev.group())
        gap = text[prev.end():tok.start()]
        newlines = gap.count("\n")
        if newlines >= 2:
            out.append("\n".join(_horizontal(rng, 0) for _ in range(rng.randint(3, 4))))
        elif newlines == 1:
            out.append(_horizontal(rng, 0) + "\n" + _horizontal(rng, 0))
        elif (not tok.group().startswith("#") and text.count("\n", 0, tok.start()) not in one_line_blocks
              and rng.random() < newline_rate):
            out.append(_horizontal(rng, 0) + "\n" + _horizontal(rng, 0))
        else:
            out.append(_horizontal(rng, 1))
    if tokens:
        out.append(tokens[-1].group())
    out.append(_horizontal(rng, 0) + "\n" * rng.randint(0, 3))
    return "".join(out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.sampled_from(SOURCES), seed=st.integers(0, 2**32 - 1), newline_rate=st.sampled_from([0.0, 0.1, 0.5]))
def test_respacing_does_not_change_the_formatted_text(source: str, seed: int, newline_rate: float) -> None:
    respaced = perturb(source, random.Random(seed), newline_rate)
    assert comment_texts(respaced) == comment_texts(source)   # the perturbation itself kept the comments
    assert format_source(respaced, "policy.sla") == format_source(source, "policy.sla")


def test_the_perturbation_really_moves_things() -> None:
    source = SOURCES[0]
    respaced = perturb(source, random.Random(7), 0.5)
    assert respaced != source
    assert respaced.count("\n") > source.count("\n")
