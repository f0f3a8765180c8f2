"""Helpers for the formatter tests: the bundled sources and how comments are compared."""

from __future__ import annotations

from pathlib import Path

from slalang.syntax.parser import parse_text

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "fmt"
ACME = REPO / "tests" / "fixtures" / "examples" / "acme"   # a copy of shared/examples/acme


def bundled_sources() -> list[Path]:
    """Every .sla file shipped with the project or the spec: policies/, stdlib/ and the acme example."""
    files = sorted((REPO / "policies").rglob("*.sla")) + sorted((REPO / "stdlib").rglob("*.sla"))
    return files + sorted(ACME.glob("*.sla"))


def comment_texts(text: str) -> list[str]:
    """The comments of a source in order (trailing whitespace is not part of a comment's text)."""
    module, diagnostics = parse_text(text, "<test>")
    assert module is not None, diagnostics
    return [c.text.rstrip() for c in module.comments]


def source_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"
