"""The formatter over every bundled source: idempotent, every comment kept, and the same compiled meaning."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import slalang
from slalang.fmt import format_source

from fmt_sources import ACME, REPO, bundled_sources, comment_texts, source_id

SOURCES = bundled_sources()


def test_the_bundled_sources_are_found() -> None:
    names = {source_id(p) for p in SOURCES}
    assert {"policies/northwind.sla", "stdlib/windows.sla"} <= names
    assert len(SOURCES) >= 8


@pytest.mark.parametrize("path", SOURCES, ids=[source_id(p) for p in SOURCES])
def test_formatting_is_idempotent(path: Path) -> None:
    once = format_source(path.read_text(encoding="utf-8"), path.name)
    assert format_source(once, path.name) == once


@pytest.mark.parametrize("path", SOURCES, ids=[source_id(p) for p in SOURCES])
def test_every_comment_survives_in_order(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert comment_texts(format_source(source, path.name)) == comment_texts(source)


def _meaning(artifact: Any) -> Any:
    """The artifact without what formatting may legitimately change: file hashes, digest, spans."""
    if isinstance(artifact, dict):
        return {k: _meaning(v) for k, v in artifact.items() if k not in ("span", "sources", "digest")}
    if isinstance(artifact, list):
        return [_meaning(v) for v in artifact]
    return artifact


def _format_tree(root: Path) -> int:
    changed = 0
    for path in sorted(root.rglob("*.sla")):
        source = path.read_text(encoding="utf-8")
        formatted = format_source(source, str(path))
        if formatted != source:
            path.write_text(formatted, encoding="utf-8")
            changed += 1
    return changed


@pytest.mark.parametrize("source_dir", [REPO / "policies", ACME], ids=["policies", "acme"])
def test_formatted_sources_compile_to_the_same_artifact(source_dir: Path, tmp_path: Path) -> None:
    if not source_dir.is_dir():
        pytest.skip(f"{source_dir} is not beside this checkout")
    original = tmp_path / "original"
    formatted = tmp_path / "formatted"
    shutil.copytree(source_dir, original)
    shutil.copytree(source_dir, formatted)
    _format_tree(formatted)
    before = slalang.compile(original).artifact
    after = slalang.compile(formatted).artifact
    assert _meaning(after) == _meaning(before)
    assert before["sources"] != [] and len(before["sources"]) == len(after["sources"])


def test_same_meaning_check_sees_a_real_change(tmp_path: Path) -> None:
    """The artifact comparison above is not vacuous: a changed goal shows."""
    source_dir = REPO / "policies"
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(source_dir, a)
    shutil.copytree(source_dir, b)
    northwind = b / "northwind.sla"
    text = northwind.read_text(encoding="utf-8")
    northwind.write_text(text.replace("response P1 within 5m", "response P1 within 6m", 1), encoding="utf-8")
    assert _meaning(slalang.compile(a).artifact) != _meaning(slalang.compile(b).artifact)
