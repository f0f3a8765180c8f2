"""Runtime stage: the ticket clock rules every evaluator shares (SPEC §4) — event codes, metric
and state names, escalation thresholds, and the per-terms lookup tables the kernel reads.

The kernel (`kernel.py`) is the one production engine; the test suite's oracle reads the same
constants so that the two speak of the same events and states.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

import numpy as np

MIN = np.iinfo(np.int64).min   # "no instant" in every int64 column (NULL on the way out)
MAX = np.iinfo(np.int64).max

# event codes: what an event does to a ticket's clocks (new codes are appended: never renumber)
NOOP, STATUS, SEV, RESPONDED, UPDATED, RESOLVED, REOPENED, CANCELLED = range(8)
EVENT_TYPES = ("responded", "updated", "resolved", "reopened")
TYPE_CODES = {"responded": RESPONDED, "updated": UPDATED, "resolved": RESOLVED, "reopened": REOPENED}
# the built-in status whose entry cancels a ticket (SPEC §12): a status event with exactly this
# value is read as code CANCELLED, not STATUS
CANCELLED_STATUS = "cancelled"

METRICS = ("response", "resolution", "update")
R, S, U = 0, 1, 2

# a clock's state as of `now`, coded in result columns (new states are appended: never renumber)
MET, MISSED, BREACHED, PAUSED, RUNNING, CANCELLED_STATE = range(6)
STATE_NAMES = ("met", "missed", "breached", "paused", "running", "cancelled")


def percent_threshold(percent: str) -> Callable[[int], int]:
    """goal -> the first whole microsecond at which elapsed is at least `percent` of it."""
    share = Fraction(percent) / 100
    return lambda goal: -((-goal * share.numerator) // share.denominator)


def escalation_plan(chain: dict | None) -> list[tuple[int, int, Callable[[int], int]]]:
    """(step index, repeat k, goal -> threshold µs) for every notification of a chain, in order:
    each step, then the repeats of the last one."""
    if chain is None or not chain["steps"]:
        return []
    thresholds = []
    for step in chain["steps"]:
        if step["trigger"] == "percent":
            thresholds.append(percent_threshold(step["percent"]))
        else:
            after = step["after"] * 1_000_000
            thresholds.append(lambda goal, after=after: goal + after)
    plan = [(i, 0, thr) for i, thr in enumerate(thresholds)]
    repeat = chain.get("repeat")
    if repeat:
        last, every = thresholds[-1], repeat["every"] * 1_000_000
        plan += [(len(thresholds) - 1, k, lambda goal, k=k: last(goal) + k * every)
                 for k in range(1, repeat["times"] + 1)]
    return plan


class Tables:
    """One terms' lookup tables: goal, internal goal and window per metric and severity, and each
    escalation threshold per metric, plan entry and severity. Built once per terms (cached)."""

    def __init__(self, terms, sev_names: list[str]):
        policy = terms.policy
        n_sev = len(sev_names)
        self.windows: list = []
        index: dict[str, int] = {}
        self.goal = np.full((3, n_sev), -1, dtype=np.int64)
        self.internal = np.full((3, n_sev), -1, dtype=np.int64)
        self.win = np.full((3, n_sev), -1, dtype=np.int64)
        for c, metric in enumerate(METRICS):
            for s, name in enumerate(sev_names):
                target = terms.targets.get((metric, name))
                if target is None:
                    continue
                self.goal[c, s] = target.goal
                self.internal[c, s] = target.internal if target.internal is not None else -1
                if target.window not in index:
                    index[target.window] = len(self.windows)
                    self.windows.append(policy.window(target.window))
                self.win[c, s] = index[target.window]
        self.plan = escalation_plan(terms.chain)
        self.steps = terms.chain["steps"] if terms.chain else []
        n_plan = len(self.plan)
        self.thr = np.zeros((3, n_plan, n_sev), dtype=np.int64)
        for c in range(3):
            for p, (_, _, thr) in enumerate(self.plan):
                for s in range(n_sev):
                    g = int(self.goal[c, s])
                    self.thr[c, p, s] = thr(g) if g >= 0 else 0
        self.pause_when = terms.pause_when
        self.restart = terms.restart
