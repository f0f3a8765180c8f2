"""Diff stage: two compiled artifacts compared entity by entity, semantically.

Only meaning is compared: `sources`, `digest`, the `slalang` version, every `span`, `extends`
(already flattened), a severity's `scale` and the `tests` are left out, and lists whose order
carries no meaning (channels, statuses, offers, exclusions, weekly hours...) are compared as
sets, so reformatting, reordering declarations or editing comments shows no change.
"""

from __future__ import annotations

from slalang.diff.catalogue import (escalation_changes, ola_changes, policy_changes, service_changes,
                                    severity_changes, simple_changes, source_changes, tier_changes)
from slalang.diff.change import Change, ordered
from slalang.diff.context import Context
from slalang.diff.contracts import customer_changes
from slalang.diff.window_changes import window_changes


def compare(old: dict, new: dict) -> list[Change]:
    """Every semantic change from artifact `old` to artifact `new`, in a deterministic order:
    entities by kind (policy, severity, exclusion, contact, window, escalation, tier, service,
    customer, ola) and id; an entity's changes in the order its statements are compared."""
    # artifacts from before statuses and sources existed have neither section
    old, new = ({"statuses": {}, "ticket_sources": {}, **a} for a in (old, new))
    ctx = Context(old, new)
    changes: list[Change] = []
    changes += policy_changes(ctx)
    changes += severity_changes(ctx)
    changes += simple_changes(ctx, "status", "statuses", "description")
    changes += simple_changes(ctx, "exclusion", "exclusions", "description")
    changes += simple_changes(ctx, "contact", "contacts", "address")
    changes += window_changes(ctx)
    changes += escalation_changes(ctx)
    changes += tier_changes(ctx)
    changes += service_changes(ctx)
    changes += customer_changes(ctx)
    changes += ola_changes(ctx)
    changes += source_changes(ctx)
    return ordered(changes)


def empty_artifact(policy: dict | None = None) -> dict:
    """A policy with nothing in it: the old side when a revision has no policy at the path yet.
    Given the new side's `policy` header it borrows it, so only the declarations show as added."""
    header = dict(policy) if policy else {"name": "", "version": "", "owner": "", "description": "",
                                          "timezone": "UTC", "horizon": [2020, 2040]}
    return {"format": 1, "slalang": "", "sources": [], "digest": "", "policy": header,
            "severities": [], "exclusions": {}, "contacts": {}, "windows": {}, "escalations": {},
            "tiers": {}, "services": {}, "customers": {}, "olas": {}, "tests": [], "statuses": {},
            "ticket_sources": {}}
