"""Docs stage: customer-readable SLA documents (Markdown and self-contained HTML) from a compiled policy."""

from slalang.docs.render import render_documents

__all__ = ["render_documents"]
