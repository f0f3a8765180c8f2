"""Runtime stage: what a service needs to use a compiled policy. Never imports lark, networkx or holidays."""

from slalang.runtime.errors import ArtifactError, HorizonError, InstantError, RecordError, SlalangError
from slalang.runtime.policy import Policy, load, loads

__all__ = ["ArtifactError", "HorizonError", "InstantError", "Policy", "RecordError", "SlalangError", "load", "loads"]
