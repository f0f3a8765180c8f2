"""Report stage: the report as Markdown or a self-contained HTML page (Jinja2 templates, inline SVG)."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from slalang.runtime.compliance import Report

_TEMPLATES = Path(__file__).resolve().parent / "templates"


def human_duration(seconds: float) -> str:
    """`2712.5` -> `45 min 12.5 s`; `0` -> `0 s`; negative -> `-…`."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    whole = int(seconds)
    frac = seconds - whole
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} d")
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if secs or frac or not parts:
        s = f"{secs + frac:.1f}".rstrip("0").rstrip(".") if frac else str(secs)
        parts.append(f"{s} s")
    return sign + " ".join(parts)


def _nice_floor(value: float) -> float:
    for step in (99.9, 99.5, 99.0, 98.0, 95.0, 90.0, 80.0, 50.0, 0.0):
        if value > step:
            return step
    return 0.0


def charts(report: Report) -> dict:
    """Geometry for the two SVG charts: availability against target, and error budget used."""
    rows = [c for c in report.contracts if c["availability"]["target"] is not None]
    values = [float(c["availability"]["availability"]) for c in rows] + \
             [float(c["availability"]["target"]) for c in rows]
    lo = _nice_floor(min(values)) if values else 99.0
    width = 420.0

    def x(v: float) -> float:
        return round((max(v, lo) - lo) / (100 - lo) * width, 2)

    bars = []
    for c in rows:
        a = c["availability"]
        bars.append({"label": f"{c['customer_name']} / {c['service']}", "value": a["availability"],
                     "target": a["target"], "met": a["met"], "w": x(float(a["availability"])),
                     "tx": x(float(a["target"]))})
    used = [float(c["availability"]["budget_used"]) for c in rows if c["availability"]["budget_used"] is not None]
    top = max([100.0] + used)
    top = math.ceil(top / 50) * 50
    budget = [{"label": f"{c['customer_name']} / {c['service']}", "used": c["availability"]["budget_used"],
               "w": round(float(c["availability"]["budget_used"]) / top * width, 2),
               "over": float(c["availability"]["budget_used"]) > 100}
              for c in rows if c["availability"]["budget_used"] is not None]
    longest = max((len(b["label"]) for b in bars), default=10)
    return {"lo": lo, "width": width, "bars": bars, "budget": budget, "top": top,
            "left": max(160, int(longest * 7.2) + 16),  # room for the longest label at 12px
            "x100": round(100 / top * width, 2), "ticks": [lo + (100 - lo) * i / 4 for i in range(5)]}


def _env() -> Environment:
    # Templates are named report.<format>.j2: escape the HTML one (select_autoescape(["html"])
    # would look at the .j2 ending and escape nothing).
    env = Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=lambda name: ".html" in (name or ""),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["duration"] = human_duration
    env.filters["pct"] = lambda v: "—" if v is None else f"{Decimal(v).normalize():f}%"
    return env


def render_report(report: Report, format: str = "md") -> str:
    """The report as `json`, `md` or `html` (self-contained: inline CSS and SVG, no fetches)."""
    data = report.to_json()
    if format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    template = _env().get_template(f"report.{format}.j2")
    return template.render(r=data, charts=charts(report))
