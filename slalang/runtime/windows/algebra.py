"""Runtime stage: set algebra on sorted interval arrays (int64 starts/ends, half-open).

An interval set is a pair `(starts, ends)` of int64 numpy arrays, sorted, disjoint, non-empty
and not touching (touching intervals are merged: the set is stored in its maximal intervals).
"""

from __future__ import annotations

import numpy as np

__all__ = ["EMPTY", "clip", "intersect", "normalise", "subtract", "union"]

IntervalSet = tuple[np.ndarray, np.ndarray]

EMPTY: IntervalSet = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))


def normalise(starts, ends) -> IntervalSet:
    """Any intervals (unsorted, overlapping, empty) as a set of maximal disjoint intervals."""
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    keep = starts < ends
    starts, ends = starts[keep], ends[keep]
    if starts.size == 0:
        return EMPTY
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    # a new maximal interval begins where a start lies beyond everything before it
    fresh = np.empty(starts.size, dtype=bool)
    fresh[0] = True
    fresh[1:] = starts[1:] > reach[:-1]
    first = np.flatnonzero(fresh)
    last = np.append(first[1:] - 1, starts.size - 1)
    return starts[first], reach[last]


def union(*sets: IntervalSet) -> IntervalSet:
    """The union of interval sets."""
    if not sets:
        return EMPTY
    if len(sets) == 1:
        return sets[0]
    return normalise(np.concatenate([s for s, _ in sets]), np.concatenate([e for _, e in sets]))


def _membership(interval_set: IntervalSet, points: np.ndarray) -> np.ndarray:
    starts, ends = interval_set
    inside = np.searchsorted(starts, points, side="right") - np.searchsorted(ends, points, side="right")
    return inside > 0


def _combine(a: IntervalSet, b: IntervalSet, keep_a_only: bool) -> IntervalSet:
    # membership is constant between consecutive boundary points, so test each piece's start
    points = np.unique(np.concatenate([a[0], a[1], b[0], b[1]]))
    if points.size < 2:
        return EMPTY
    left = points[:-1]
    in_a = _membership(a, left)
    in_b = _membership(b, left)
    keep = in_a & ~in_b if keep_a_only else in_a & in_b
    return normalise(left[keep], points[1:][keep])


def subtract(a: IntervalSet, b: IntervalSet) -> IntervalSet:
    """The instants of `a` that are not in `b`."""
    if a[0].size == 0 or b[0].size == 0:
        return a
    return _combine(a, b, keep_a_only=True)


def intersect(a: IntervalSet, b: IntervalSet) -> IntervalSet:
    """The instants in both `a` and `b`."""
    if a[0].size == 0 or b[0].size == 0:
        return EMPTY
    return _combine(a, b, keep_a_only=False)


def clip(a: IntervalSet, lo: int, hi: int) -> IntervalSet:
    """`a` restricted to [lo, hi)."""
    starts, ends = a
    keep = (ends > lo) & (starts < hi)
    starts = np.maximum(starts[keep], lo)
    ends = np.minimum(ends[keep], hi)
    return starts, ends
