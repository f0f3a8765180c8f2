"""Runtime stage: the one ticket engine (SPEC §4, §13) — rules, kernel, input columns, result
columns and their views, writers. Re-exports only; submodules load on first use so that the
records module can read the shared rules without loading the engine."""

from __future__ import annotations

_EXPORTS = {
    "TicketResult": "results", "MetricResult": "results", "EscalationStep": "results", "ResultColumns": "results",
    "json_seconds": "results", "TicketColumns": "columns", "evaluate_columns": "engine",
    "evaluate_records": "api", "evaluate_parsed": "api", "evaluate_arrow": "arrow", "result_schema": "arrow",
    "to_arrow": "arrow", "from_arrow": "arrow",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'slalang.runtime.tickets' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"slalang.runtime.tickets.{module}"), name)
