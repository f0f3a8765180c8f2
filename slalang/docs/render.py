"""Docs stage: SLA documents as Markdown or self-contained HTML, from Jinja2 templates."""

from __future__ import annotations

import re
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from slalang.docs import model
from slalang.docs import wording as w

FORMATS = ("md", "html")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def md_text(value) -> str:
    """Free text (a description, a name) made safe for Markdown, table cells included."""
    return _MD_SPECIAL.sub(r"\\\1", str(value)).replace("\n", " ")


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The template environment: HTML templates autoescape, Markdown ones escape by filter."""
    env = Environment(loader=PackageLoader("slalang.docs", "templates"),
                      autoescape=lambda name: bool(name) and (".html" in name or ".svg" in name),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters.update(md=md_text, goal=w.goal, span=w.span, day=w.day, region=w.region, channels=w.channels,
                       join_words=w.join, name=w.name, plural=w.plural,
                       capitalize_first=lambda text: text[:1].upper() + text[1:])
    return env


def _check(policy, year: int, format: str) -> None:
    if format not in FORMATS:
        raise ValueError(f"unknown document format {format!r}: use md or html")
    first, last = policy.horizon
    if not first <= year <= last:
        raise ValueError(f"year {year} is outside the policy horizon {first}..{last}: the artifact has no "
                         f"holidays or window data for it (widen `horizon` in the policy header)")


def render_documents(policy, *, year: int, internal: bool = False, format: str = "md") -> dict[str, str]:
    """Every SLA document of a compiled policy as {file name: text}: one per customer contract
    (`customer-<customer>-<service>-<from>`), one per tier (`tier-<tier>`) and an `index`.

    `year` chooses the holidays, closures and month lengths shown; `internal` adds the internal
    goals (never for customers' eyes); `format` is `md` or `html` (self-contained: inline CSS
    and SVG, no external references)."""
    _check(policy, year, format)
    env = environment()
    docs = model.documents(policy, year, internal)
    page = env.get_template(f"agreement.{format}.j2")
    out = {f"{doc.stem}.{format}": _tidy(page.render(doc=doc)) for doc in docs}
    index = env.get_template(f"index.{format}.j2")
    out[f"index.{format}"] = _tidy(index.render(
        docs=docs, policy=docs[0].policy if docs else {**policy.artifact["policy"], "digest": policy.digest,
                                                       "slalang": policy.artifact["slalang"]},
        year=year, internal=internal, format=format))
    return dict(sorted(out.items()))


def _tidy(text: str) -> str:
    """One blank line at most between blocks, no trailing spaces, one final newline."""
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"
