"""Runtime stage: windows (time algebra) — re-exports only."""

from slalang.runtime.windows.window import ALWAYS, Window, WindowSet

__all__ = ["ALWAYS", "Window", "WindowSet"]
