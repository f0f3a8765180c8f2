"""Docs stage: customer-readable SLA documents (Markdown and self-contained HTML) from a compiled policy.

`render_documents` is resolved on first use so that the CLI does not load Jinja2 at start-up.
"""

from __future__ import annotations

__all__ = ["render_documents"]


def __getattr__(name: str):
    if name == "render_documents":
        from slalang.docs.render import render_documents
        return render_documents
    raise AttributeError(f"module 'slalang.docs' has no attribute {name!r}")
