"""Runtime stage: a compiled policy, as a service sees it. Reads only the artifact."""

from __future__ import annotations

import os
from typing import Any, Optional

from slalang.runtime.artifact import read_artifact, save_artifact


class Policy:
    """A compiled policy: windows, tiers, contracts and tests, ready to evaluate."""

    def __init__(self, artifact: dict):
        self.artifact = artifact
        self.diagnostics: list = []  # warnings from compilation, when compiled in-process
        self._windows = None

    # -- identity -----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.artifact["policy"]["name"]

    @property
    def version(self) -> str:
        return self.artifact["policy"]["version"]

    @property
    def timezone(self) -> str:
        return self.artifact["policy"]["timezone"]

    @property
    def horizon(self) -> tuple[int, int]:
        first, last = self.artifact["policy"]["horizon"]
        return first, last

    @property
    def digest(self) -> str:
        return self.artifact["digest"]

    def __repr__(self) -> str:
        return f"<Policy {self.name!r} version {self.version!r} {self.digest[:19]}>"

    # -- persistence -----------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write the artifact deterministically and atomically (temp file + rename)."""
        save_artifact(self.artifact, path)

    # -- windows ---------------------------------------------------------------------------------
    @property
    def windows(self):
        """The window set, materialised lazily per year on first use."""
        if self._windows is None:
            from slalang.runtime.windows import WindowSet  # numpy loads only when time is needed
            self._windows = WindowSet(self.artifact["windows"], self.horizon)
        return self._windows

    def window(self, name: str):
        """A window by id (`business_hours`, `std.windows.uk_business_hours`, or `always`)."""
        return self.windows.get(name)

    def entity(self, kind: str, ident: str) -> Optional[dict[str, Any]]:
        return self.artifact.get(kind, {}).get(ident)


def load(path: str | os.PathLike) -> Policy:
    """Load an artifact; raises ArtifactError on a newer format, a schema violation or a digest mismatch."""
    return Policy(read_artifact(path))
