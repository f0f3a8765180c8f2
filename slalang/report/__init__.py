"""Report stage: compliance reports per customer contract and period (JSON, Markdown, HTML with SVG)."""

from slalang.runtime.compliance import Report, build_report
from slalang.report.render import render_report

__all__ = ["Report", "build_report", "render_report"]
