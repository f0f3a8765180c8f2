"""The oracle's clock (SPEC §4): elapsed open time, deadlines, states and escalation due times.

A clock keeps the history of its running segments; "when did elapsed reach X" is then one walk
over that history, which serves deadlines, escalation steps and repeats alike. A goal change
(a severity change under `keep elapsed`) opens a new epoch; a step whose threshold an epoch has
already passed is due at the epoch's start, so it fires at the change and never twice.

Everything is in epoch microseconds (ints). Windows are the product's runtime windows, used
only through `open_us(a, b)` and `add_us(a, amount)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Optional


@dataclass
class Epoch:
    """The goal in force on a clock from `start` on."""

    start: int
    goal: Optional[int]        # µs; None when the severity has no target (the clock is idle)
    internal: Optional[int]    # µs, or None
    window_id: Optional[str]   # the target's window
    window: object             # ... as a runtime window (open_us / add_us), or None
    severity: str


@dataclass
class Segment:
    """A stretch [start, ...) the clock ran: `open` µs of `window`, with `before` µs elapsed at its start."""

    start: int
    open: int
    before: int
    window: object


@dataclass
class Clock:
    """One metric clock of one ticket (or one update cycle)."""

    metric: str
    start: int
    epochs: list[Epoch]
    history: list[Segment] = field(default_factory=list)
    elapsed: int = 0
    stopped: Optional[int] = None     # the instant the clock stopped, if it has
    archived: list[dict] = field(default_factory=list)   # escalations sent before a restart (JSON)

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
            self.history.append(Segment(a, d, self.elapsed, ep.window))
            self.elapsed += d

    def reach(self, amount: int) -> Optional[int]:
        """The instant elapsed first reached `amount` (None if it has not yet)."""
        if amount <= 0:
            return self.start
        if amount > self.elapsed:
            return None
        for seg in self.history:
            if seg.before + seg.open >= amount:
                return seg.window.add_us(seg.start, amount - seg.before)
        raise AssertionError("elapsed is the sum of the history")

    def due(self, threshold: Callable[[int], int], now: int, paused: bool,
            project: bool = True) -> tuple[Optional[int], bool]:
        """(due instant, fired by now) of an escalation threshold (a function of the goal).

        The first epoch whose threshold elapsed has reached decides; a reach before that epoch
        began counts at the epoch's start (the step fires at the change). If no epoch has
        reached it, the due instant is projected from `now` under the current goal: None while
        paused or stopped (it may never come), or when `project` is false.
        """
        for j, ep in enumerate(self.epochs):
            if ep.goal is None:
                continue
            reached = self.reach(threshold(ep.goal))
            if reached is None:
                continue
            due = max(reached, ep.start)
            next_start = self.epochs[j + 1].start if j + 1 < len(self.epochs) else None
            if next_start is None or due < next_start:
                return due, due < now   # fired when due before now (SPEC §18)
        ep = self.epoch
        if ep.goal is None or paused or self.stopped is not None or not project:
            return None, False
        return ep.window.add_us(now, threshold(ep.goal) - self.elapsed), False

    def deadline(self, goal: int, now: int, paused: bool) -> Optional[int]:
        """When elapsed reaches `goal`: the past instant if it has; else projected from the stop,
        or from now (None while paused)."""
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


def percent_threshold(percent) -> Callable[[int], int]:
    """goal -> the first whole microsecond at which elapsed is at least `percent` % of it."""
    share = Fraction(percent) / 100
    return lambda goal: -((-goal * share.numerator) // share.denominator)


def after_threshold(after_us: int) -> Callable[[int], int]:
    """goal -> goal + after (`at breach` is after 0)."""
    return lambda goal: goal + after_us
