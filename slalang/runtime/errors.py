"""Runtime stage: the errors a service loading an artifact can see (no compiler imports)."""

from __future__ import annotations


class SlalangError(Exception):
    """Base class of every error slalang raises on purpose."""


class ArtifactError(SlalangError):
    """A compiled artifact cannot be loaded: newer format, schema violation, digest mismatch."""


class InstantError(SlalangError, ValueError):
    """An instant the runtime cannot use: naive (no timezone), malformed, or outside the horizon."""


class HorizonError(InstantError):
    """An instant falls outside the compiled horizon, where no window data exists."""


class RecordError(SlalangError, ValueError):
    """A ticket or outage record is malformed; carries the reason for the caller to report."""
