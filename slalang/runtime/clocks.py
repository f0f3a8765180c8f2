"""Runtime stage: SLA clocks (SPEC §4) — elapsed open time, deadlines, states and escalation due times.

A clock keeps the history of its running segments; "when did elapsed reach X" is then one
walk over that history, which serves deadlines, escalation steps and repeats alike. Goal
changes (severity changes) open a new epoch; a step whose threshold an epoch has already
passed is due at the epoch's start, so it fires at the change and never twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Optional

NEVER = None


@dataclass
class Epoch:
    start: int                 # instant the goal came into force
    goal: Optional[int]        # µs; None when the severity has no target (clock idle)
    internal: Optional[int]
    window: object             # runtime Window of the target (open_us / add_us), or None
    severity: str = ""


@dataclass
class Clock:
    """One metric clock (or one update cycle) of one ticket, in epoch microseconds."""

    metric: str
    start: int
    epochs: list[Epoch] = field(default_factory=list)
    history: list[tuple[int, int, int, object]] = field(default_factory=list)  # (a, open µs, elapsed at a, window)
    elapsed: int = 0
    stopped: Optional[int] = None   # instant the clock stopped
    stopped_by: Optional[str] = None
    archived: list = field(default_factory=list)  # notifications sent before a restart

    @property
    def epoch(self) -> Epoch:
        return self.epochs[-1]

    def run(self, a: int, b: int, paused: bool) -> None:
        """Count [a, b) if the clock is running and has a goal there."""
        ep = self.epoch
        if self.stopped is not None or paused or ep.goal is None or b <= a:
            return
        d = ep.window.open_us(a, b)
        if d:
            self.history.append((a, d, self.elapsed, ep.window))
            self.elapsed += d

    def reach(self, amount: int) -> Optional[int]:
        """The instant elapsed first reached `amount` (None if it has not yet)."""
        if amount <= 0:
            return self.start
        if amount > self.elapsed:
            return None
        for a, d, e0, window in self.history:
            if e0 + d >= amount:
                return window.add_us(a, amount - e0)
        return None  # pragma: no cover - elapsed is the sum of the history

    def due(self, threshold: Callable[[int], int], now: int, paused: bool,
            project: bool = True) -> tuple[Optional[int], bool]:
        """(due instant, fired by now) of the first epoch whose threshold elapsed reaches.

        A reach before the epoch began counts at the epoch's start. When no epoch has reached
        it, the due instant is projected from `now` in the current epoch (None while paused
        or stopped, since it may never come, and when `project` is false).
        """
        epochs = self.epochs
        for j, ep in enumerate(epochs):
            if ep.goal is None:
                continue
            x = threshold(ep.goal)
            r = self.reach(x)
            if r is None:
                continue
            due = max(r, ep.start)
            next_start = epochs[j + 1].start if j + 1 < len(epochs) else None
            if next_start is None or due < next_start:
                return due, due <= now
        ep = epochs[-1]
        if ep.goal is None or paused or self.stopped is not None or not project:
            return None, False
        return ep.window.add_us(now, threshold(ep.goal) - self.elapsed), False

    def deadline(self, goal: int, now: int, paused: bool) -> Optional[int]:
        """When elapsed reaches `goal`: the past instant if it has; else projected (None if paused)."""
        reached = self.reach(goal)
        if reached is not None:
            return reached
        if self.stopped is not None:
            return self.epoch.window.add_us(self.stopped, goal - self.elapsed)
        if paused:
            return None
        return self.epoch.window.add_us(now, goal - self.elapsed)

    def state(self, goal: int, paused: bool) -> str:
        if self.stopped is not None:
            return "met" if self.elapsed <= goal else "missed"
        if self.elapsed > goal:
            return "breached"
        return "paused" if paused else "running"


def percent_threshold(percent: str) -> Callable[[int], int]:
    """goal -> the first whole microsecond at which elapsed is at least `percent` of it."""
    share = Fraction(percent) / 100
    return lambda goal: -((-goal * share.numerator) // share.denominator)
