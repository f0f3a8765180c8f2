"""The reference ticket engine: the test oracle, deliberately simple, never a product path.

SPEC §13 keeps one ticket engine in the product (the vectorised kernel) and allows "a second,
deliberately simple implementation ... in the test suite as the oracle the engine is compared
against". This is it: one ticket at a time, one plain clock object per metric and update cycle,
a walk over the events in order (SPEC §4). It was taken from the scalar engine the product had
before the kernel became its only engine (`slalang/runtime/clocks.py` and the evaluation half of
`slalang/runtime/terms.py`), and it is kept readable rather than fast.

From the product it uses only the record parser (`slalang.runtime.records`), the windows'
`open_us` / `add_us`, the terms lookup (`policy.tier`, `policy.terms`) and the plain data of the
Terms it returns (`objectives`, `tier`, `customer`, `service`), with the artifact's escalation
chains. Never import the product's ticket engine or its derived tables here.

    from oracle import evaluate
    evaluate(policy, ticket_dict, now="2025-03-03T12:00:00Z")   # -> TicketResult.to_json() shape
    as_result(evaluate(...)).metrics["response"].deadline        # the same, as objects
"""

from oracle.engine import evaluate, evaluate_under, terms_for
from oracle.view import as_result

__all__ = ["as_result", "evaluate", "evaluate_under", "terms_for"]
