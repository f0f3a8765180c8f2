"""Diff stage (a view over IR): two compiled policies compared semantically, entity by entity,
each change classified from the customer's side. `slalang diff` is `command.diff_command`.

Names are resolved on first use so that registering the command keeps the CLI's start-up light.
"""

from __future__ import annotations

_EXPORTS = {
    "slalang.diff.change": ("ADDED", "BREAKING", "CLASSIFICATIONS", "LOOSER", "NEUTRAL", "REMOVED", "STRICTER",
                            "Change", "fails", "summary"),
    "slalang.diff.comparison": ("compare", "empty_artifact"),
    "slalang.diff.render": ("to_json", "to_markdown", "to_text"),
    "slalang.diff.sources": ("Revision", "SourceError", "load_policy_any"),
}
__all__ = sorted(name for names in _EXPORTS.values() for name in names)


def __getattr__(name: str):
    import importlib

    for module, names in _EXPORTS.items():
        if name in names:
            return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'slalang.diff' has no attribute {name!r}")
