"""Graph stage: the validation passes, in order. Each is a pure function Model -> diagnostics."""

from slalang.graph.passes.contracts import check_contracts, check_olas
from slalang.graph.passes.cycles import check_cycles
from slalang.graph.passes.escalation import check_escalations
from slalang.graph.passes.feasibility import check_feasibility
from slalang.graph.passes.names import check_unused
from slalang.graph.passes.sources import check_sources
from slalang.graph.passes.targets import check_targets
from slalang.graph.passes.windows import check_windows

PASSES = (
    ("names", check_unused),
    ("cycles", check_cycles),
    ("windows", check_windows),
    ("targets", check_targets),
    ("escalation", check_escalations),
    ("feasibility", check_feasibility),
    ("contracts", check_contracts),
    ("olas", check_olas),
    ("sources", check_sources),
)

__all__ = ["PASSES"]
