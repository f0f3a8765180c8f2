"""Runtime stage: the engine's entry points for dicts and parsed tickets (Arrow's is in arrow.py).
Every one runs `engine.evaluate_columns`."""

from __future__ import annotations

from slalang.runtime.tickets.columns import from_records, from_tickets
from slalang.runtime.tickets.engine import evaluate_columns
from slalang.runtime.tickets.results import ResultColumns


def evaluate_records(policy, records, now: int, *, strict: bool = False, threads=None) -> ResultColumns:
    """§7 ticket dicts (any iterable) as of `now` (epoch µs): the result columns, in input order."""
    import gc

    records = records if isinstance(records, list) else list(records)
    # the engine allocates only acyclic objects; rescanning a large live heap at every allocation
    # threshold cost more than the evaluation itself
    enabled = gc.isenabled()
    gc.disable()
    try:
        return evaluate_columns(policy, from_records(records, policy.severity_list), now, strict=strict,
                                threads=threads)
    finally:
        if enabled:
            gc.enable()


def evaluate_parsed(policy, tickets: list, now: int, *, terms=None) -> ResultColumns:
    """Parsed `Ticket`s as of `now` (epoch µs), each under its own terms or all under `terms`."""
    return evaluate_columns(policy, from_tickets(tickets, policy.severity_list), now, terms=terms)

