"""Golden documents: the bundled policies' SLA documents for 2025, Markdown and HTML.

`tests/fixtures/docs/<format>/` holds every file `slalang docs --year 2025 --format <format>`
writes for `policies/`. Regenerate with `SLALANG_UPDATE=1 pytest tests/docs`, then read the
changed documents as the customer would: wording, numbers, dates. For HTML, also look at a page
in a browser (or headless Chromium) before committing.

The artifact digest in each footer is compared masked: it covers the source files byte for
byte, so a comment or whitespace edit in `policies/` changes it without changing a word a
customer reads. `test_footer_carries_the_digest` checks the real value instead.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "docs"
UPDATE = os.environ.get("SLALANG_UPDATE") == "1"
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def _masked(text: str) -> str:
    return DIGEST.sub("sha256:<digest>", text)


@pytest.mark.parametrize("format", ["md", "html"])
def test_documents_match_golden(format: str, render) -> None:
    docs = render(format)
    folder = GOLDEN / format
    if UPDATE:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(f"*.{format}"):
            if stale.name not in docs:
                stale.unlink()
        for name, text in docs.items():
            (folder / name).write_text(text, encoding="utf-8")
        return
    assert folder.is_dir(), f"no golden documents in {folder}; run with SLALANG_UPDATE=1"
    expected = {p.name for p in folder.glob(f"*.{format}")}
    assert sorted(docs) == sorted(expected), "documents added or removed; regenerate with SLALANG_UPDATE=1"
    for name, text in docs.items():
        golden = (folder / name).read_text(encoding="utf-8")
        assert _masked(text) == _masked(golden), f"{format}/{name} differs from the golden file"


@pytest.mark.parametrize("format", ["md", "html"])
def test_footer_carries_the_digest(format: str, render, northwind) -> None:
    for name, text in render(format).items():
        assert DIGEST.findall(text) == [northwind.digest], name
