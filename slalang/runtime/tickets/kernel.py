"""Runtime stage: the ticket engine's kernel — the clock rules of SPEC §4, compiled (numba).

One pass over the tickets of a group, each ticket's events in order, with the clocks as a few
integers per ticket: elapsed open time is read off the window's open-time axis (prefix sums,
binary search), and deadlines and escalation steps are the instants at which elapsed crosses a
threshold. A goal change fires, at the change, every step whose new threshold is already passed
(a step reached exactly at the change is judged under the new goal), so a step fires once per
clock; with `restart` a clock starts again from zero and keeps what it had already sent.

This is the only production evaluator: `evaluate_ticket`, `evaluate_tickets`, `evaluate_arrow`,
`slalang test`, `report`, `eval` and Spark all run it. The test suite compares it with a
deliberately simple scalar engine (tests/oracle). Compiled on first use and cached on disk.
Compiled without numba's reference counting (`_nrt=False`): nothing in here allocates (the
caller hands in every buffer), and counting references on each array passed between the
helpers cost a fifth of the time.
"""

from __future__ import annotations

import os
from typing import Optional

import numpy as np
from numba import njit

from slalang.runtime.tickets.rules import (BREACHED, CANCELLED, CANCELLED_STATE, MET, MIN, MISSED, PAUSED, R,
                                           REOPENED, RESOLVED, RESPONDED, RUNNING, S, SEV, STATUS, U, UPDATED)

# the fields of a clock's result, in the rows of the kernel's output arrays
F_SEV, F_GOAL, F_E, F_DL, F_STATE, F_WIN, F_START, F_STOPPED, F_INT, F_IDL, F_ISTATE, F_ROW, F_CYCLE = range(13)
N_FIELDS = 11
# the fields of an escalation record
X_ROW, X_METRIC, X_CYCLE, X_GEN, X_P, X_DUE, X_FIRED = range(7)


@njit(cache=True, nogil=True, _nrt=False)
def _first_above(arr, lo, hi, v):
    """The first index in [lo, hi) whose value is above v (hi if none): a binary search."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if arr[mid] <= v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True, _nrt=False)
def _first_at_least(arr, lo, hi, v):
    """The first index in [lo, hi) whose value is at least v (hi if none)."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if arr[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo


DAY = 86_400_000_000   # the step of the axes' search indexes: a day of time, a day of open time


@njit(cache=True, nogil=True, _nrt=False)
def _open_at(ax, w, t):
    """Open µs from the axis origin of window w to instant t (t within the horizon). A per-day
    index narrows the binary search to the intervals that start on t's day."""
    off, starts, ends, cum, doff, didx = ax[0], ax[1], ax[2], ax[3], ax[5], ax[6]
    d = doff[w] + (t - starts[off[w]]) // DAY
    i = _first_above(starts, didx[d], didx[d + 1], t) - 1
    end = ends[i]
    return cum[i] + (t if t < end else end) - starts[i]


@njit(cache=True, nogil=True, _nrt=False)
def _instant_at(ax, total, w, x, flag):
    """The first instant at which x open µs of window w have passed; MIN, and flag[0] set, where
    that lies beyond the horizon. A per-day-of-open-time index narrows the search."""
    if x > total[w]:
        flag[0] = 1
        return MIN
    starts, cum, cumend, qoff, qidx = ax[1], ax[3], ax[4], ax[7], ax[8]
    q = qoff[w] + x // DAY
    j = _first_at_least(cumend, qidx[q], qidx[q + 1], x)
    return starts[j] + (x - cum[j])


@njit(cache=True, nogil=True, _nrt=False)
def _add(ax, total, horizon, w, a, need, flag):
    """The instant at which `need` open µs of window w have passed since a."""
    if a < horizon[0] or a >= horizon[1]:
        flag[0] = 1
        a = min(max(a, horizon[0]), horizon[1] - 1)
    if need == 0:
        return a
    return _instant_at(ax, total, w, _open_at(ax, w, a) + need, flag)


@njit(cache=True, nogil=True, _nrt=False)
def _finish(out, k, c, sev_c, e, start, stopped, reach_g, reach_i, paused, cancelled, now, goal, internal, win,
            ax, total, horizon, flag):
    """Write clock c's result fields into column k of `out` (deadlines, states as of now). A
    cancelled ticket's clock has the state `cancelled` and no deadline."""
    s = sev_c[c]
    g, ig, w = goal[c, s], internal[c, s], win[c, s]
    el, st = e[c], stopped[c]
    out[k, F_SEV], out[k, F_GOAL], out[k, F_E], out[k, F_WIN] = s, g, el, w
    out[k, F_START], out[k, F_STOPPED], out[k, F_INT] = start[c], st, ig
    if cancelled:
        out[k, F_DL], out[k, F_STATE], out[k, F_IDL], out[k, F_ISTATE] = MIN, CANCELLED_STATE, MIN, CANCELLED_STATE
        return
    for which in range(2):
        x = g if which == 0 else ig
        dl = MIN
        if x >= 0:
            if el >= x:
                dl = reach_g[c, s] if which == 0 else reach_i[c, s]
            elif st != MIN:
                dl = _add(ax, total, horizon, w, st, x - el, flag)
            elif not paused:
                dl = _add(ax, total, horizon, w, now, x - el, flag)
        if st != MIN:
            state = MET if el <= x else MISSED
        elif el > x:
            state = BREACHED
        else:
            state = PAUSED if paused else RUNNING
        if which == 0:
            out[k, F_DL], out[k, F_STATE] = dl, state
        else:
            out[k, F_IDL], out[k, F_ISTATE] = dl, state


@njit(cache=True, nogil=True, _nrt=False)
def _emit(esc, nx, row, c, cycle, final, before, fired, stopped, had_goal, gen, sev_c, e, paused, now,
          goal, win, thr, ax, total, horizon, flag):
    """Escalation records of clock c (SPEC §18): a step has fired when its due instant is before
    `now` and before the clock stopped, if it did. With `before` (a restart at that instant): what
    had fired before it. At the end (`final`): what fired and, on a running clock, the next step
    due, with its projected instant (none while paused). Otherwise (a closed update cycle): what
    it sent. A clock whose severity in force has no target has no records. Returns the new count."""
    n_plan = thr.shape[1]
    if n_plan == 0 or not had_goal[c]:
        return nx
    s = sev_c[c]
    if before == MIN and goal[c, s] < 0:
        return nx
    running = stopped[c] == MIN
    pending = False
    for p in range(n_plan):
        f = fired[c, p]
        is_fired = f != MIN and f < now and (running or f < stopped[c])
        due = f
        if before != MIN:
            is_fired = f != MIN and f < before
            keep = is_fired
        elif final and running and not is_fired:
            keep = not pending   # the next step due; the ones after it are not listed
            pending = True
            if keep and f == MIN:
                if paused:
                    due = MIN
                else:
                    need = thr[c, p, s] - e[c]
                    due = _add(ax, total, horizon, win[c, s], now, need if need > 0 else 0, flag)
        else:
            keep = is_fired
        if keep:
            if nx < esc.shape[0]:   # past the buffer's end, records are only counted (see `run`)
                esc[nx, X_ROW], esc[nx, X_METRIC], esc[nx, X_CYCLE] = row, c, cycle if c == U else 0
                esc[nx, X_GEN], esc[nx, X_P], esc[nx, X_DUE] = gen[c], p, due
                esc[nx, X_FIRED] = 1 if is_fired else 0
            nx += 1
    return nx


@njit(cache=True, nogil=True, _nrt=False)
def _drop_untargeted(esc, lo, hi, sev_c, goal, cycle, cyc, c_lo, c_hi):
    """Take out the records a restart kept for a clock whose severity in force at its end has no
    target (response and resolution now; an update cycle when it closed, or now): such a metric
    has none. Returns the new end of the ticket's records."""
    k = lo
    for j in range(lo, hi):
        c = esc[j, X_METRIC]
        if c != U or esc[j, X_CYCLE] == cycle:
            gone = goal[c, sev_c[c]] < 0
        else:
            gone = False
            for q in range(c_lo, c_hi):
                if cyc[q, F_CYCLE] == esc[j, X_CYCLE]:
                    gone = cyc[q, F_GOAL] < 0
        if not gone:
            if k != j:
                for f in range(7):
                    esc[k, f] = esc[j, f]
            k += 1
    return k


@njit(cache=True, nogil=True, _nrt=False)
def run(lo, hi, opened, sev0, ev_first, counts, ev_t, ev_code, ev_val, pausing, now,
        goal, internal, win, thr, restart, ax, total, horizon,
        met, nm, final_sev, outside, cyc, nc, esc, nx,
        sev_c, e, start, stopped, gen, had_goal, fired, reach_g, reach_i, flag):
    """Evaluate tickets lo..hi-1 into the buffers: `met` gets each ticket's metric rows in order
    (response, resolution, update: the cycle that overran its goal most, the latest of equals,
    else the current one; a metric whose severity has no goal has no row), `cyc` its update
    cycles, `esc` its escalation records in the order results list them. A CANCELLED event stops
    every clock of its ticket and ends it: later events are ignored, every row of the ticket says
    `cancelled` with no deadline, and only the notifications fired by then are listed. Returns (next ticket,
    metric rows, cycles, escalation records written, records ticket `next` needs): a ticket
    whose escalation records overrun the buffer is undone and the run stops before it, saying
    how many it needs; the caller grows the buffer and goes on. The run also stops before a
    ticket whose cycles might not fit."""
    n_sev = goal.shape[1]
    n_plan = thr.shape[1]
    h0, h1 = horizon[0], horizon[1]
    for i in range(lo, hi):
        # room for every cycle this ticket could write (escalations are counted as they come)
        if nc + counts[i] + 1 > cyc.shape[0]:
            return i, nm, nc, nx, 0
        nm0, nc0, nx0 = nm, nc, nx
        sev = sev0[i]
        worst, worst_over = -1, 0
        paused = False
        resolved = False
        cancelled = False
        cycle = 1
        flag[0] = 0
        flag[1] = 0
        for c in range(3):
            sev_c[c], e[c], start[c], stopped[c], gen[c] = sev, 0, opened[i], MIN, 0
            had_goal[c] = goal[c, sev] >= 0
            fired[c, :] = MIN
            reach_g[c, :] = MIN
            reach_i[c, :] = MIN
        t_prev = opened[i]
        j_end = ev_first[i] + counts[i]
        for j in range(ev_first[i], j_end + 1):
            last = j == j_end
            at = now if last else ev_t[j]
            if not last and (at > now or cancelled):
                continue   # not known yet at `now`; or after the cancellation, which ends the ticket
            # count [t_prev, at) on every running clock and record the thresholds it crosses
            if at > t_prev and not paused:
                w_seen = -1   # the clocks mostly share a window: place a and b on its axis once
                f0 = f1 = 0
                for c in range(3):
                    s = sev_c[c]
                    if stopped[c] != MIN or goal[c, s] < 0:
                        continue
                    if t_prev < h0 or at > h1:
                        flag[0] = 1
                    w = win[c, s]
                    if w != w_seen:
                        f0 = _open_at(ax, w, min(max(t_prev, h0), h1))
                        f1 = _open_at(ax, w, min(max(at, h0), h1))
                        w_seen = w
                    e0 = e[c]
                    e1 = e0 + f1 - f0
                    e[c] = e1
                    for p in range(n_plan):
                        x = thr[c, p, s]
                        if fired[c, p] == MIN and e0 < x and x <= e1:
                            fired[c, p] = _instant_at(ax, total, w, f0 + x - e0, flag)
                    for s2 in range(n_sev):
                        x = goal[c, s2]
                        if x >= 0 and reach_g[c, s2] == MIN and e0 < x and x <= e1:
                            reach_g[c, s2] = _instant_at(ax, total, w, f0 + x - e0, flag)
                        x = internal[c, s2]
                        if x >= 0 and reach_i[c, s2] == MIN and e0 < x and x <= e1:
                            reach_i[c, s2] = _instant_at(ax, total, w, f0 + x - e0, flag)
            t_prev = at
            if last:
                break
            code, val = ev_code[j], ev_val[j]
            if code == STATUS:
                paused = pausing[val] != 0
            elif code == SEV:
                if val == sev:
                    continue  # a repeated value is no change
                for c in range(3):
                    if stopped[c] == MIN:
                        nx = _change(c, at, val, restart, esc, nx, i, cycle, fired, stopped, had_goal, gen,
                                     sev_c, e, start, reach_g, reach_i, paused, now, goal, win, thr, ax, total,
                                     horizon, flag)
                sev = val
            elif code == RESPONDED or code == UPDATED:
                if code == RESPONDED and stopped[R] == MIN:
                    stopped[R] = at
                if not resolved:
                    nc, nx = _next_cycle(at, sev, cyc, nc, esc, nx, i, cycle, fired, stopped, had_goal, gen,
                                         sev_c, e, start, reach_g, reach_i, paused, now, goal, internal, win, thr,
                                         ax, total, horizon, flag)
                    cycle += 1
                    worst, worst_over = _worse(cyc, nc - 1, worst, worst_over)
            elif code == RESOLVED:
                if not resolved:
                    resolved = True
                    for c in range(3):
                        if stopped[c] == MIN:
                            stopped[c] = at
            elif code == CANCELLED:
                cancelled = True   # every clock stops here; what is not sent by now never will be
                for c in range(3):
                    if stopped[c] == MIN:
                        stopped[c] = at
            elif code == REOPENED:
                if resolved:
                    resolved = False
                    stopped[S] = MIN
                    if sev_c[S] != sev:  # changed while resolved: applies from now
                        nx = _change(S, at, sev, restart, esc, nx, i, cycle, fired, stopped, had_goal, gen,
                                     sev_c, e, start, reach_g, reach_i, paused, now, goal, win, thr, ax, total,
                                     horizon, flag)
                    nc, nx = _next_cycle(at, sev, cyc, nc, esc, nx, i, cycle, fired, stopped, had_goal, gen,
                                         sev_c, e, start, reach_g, reach_i, paused, now, goal, internal, win, thr,
                                         ax, total, horizon, flag)
                    cycle += 1
                    worst, worst_over = _worse(cyc, nc - 1, worst, worst_over)
        if cancelled:   # the update cycles closed before the cancellation are cancelled with it
            for k in range(nc0, nc):
                cyc[k, F_DL], cyc[k, F_STATE], cyc[k, F_IDL], cyc[k, F_ISTATE] = MIN, CANCELLED_STATE, MIN, \
                    CANCELLED_STATE
        for c in range(2):
            if goal[c, sev_c[c]] >= 0:
                _finish(met, nm, c, sev_c, e, start, stopped, reach_g, reach_i, paused and stopped[c] == MIN,
                        cancelled, now, goal, internal, win, ax, total, horizon, flag)
                met[nm, F_ROW], met[nm, F_CYCLE] = i, c
                nm += 1
            nx = _emit(esc, nx, i, c, 0, True, MIN, fired, stopped, had_goal, gen, sev_c, e, paused, now,
                       goal, win, thr, ax, total, horizon, flag)
        _finish(cyc, nc, U, sev_c, e, start, stopped, reach_g, reach_i, paused and stopped[U] == MIN, cancelled,
                now, goal, internal, win, ax, total, horizon, flag)
        cyc[nc, F_ROW], cyc[nc, F_CYCLE] = i, cycle
        worst, worst_over = _worse(cyc, nc, worst, worst_over)
        if cyc[nc, F_GOAL] >= 0:   # the current cycle has a goal: the update metric is shown
            k = worst if worst >= 0 else nc
            for f in range(N_FIELDS):
                met[nm, f] = cyc[k, f]
            met[nm, F_ROW], met[nm, F_CYCLE] = i, U
            nm += 1
        nc += 1
        nx = _emit(esc, nx, i, U, cycle, True, MIN, fired, stopped, had_goal, gen, sev_c, e, paused, now,
                   goal, win, thr, ax, total, horizon, flag)
        final_sev[i] = sev
        # a closed cycle's deadline beyond the horizon is moot once the ticket is cancelled: it is not shown
        outside[i] = flag[0] | (0 if cancelled else flag[1])
        if nx > esc.shape[0]:
            return i, nm0, nc0, nx0, nx - nx0
        nx = _drop_untargeted(esc, nx0, nx, sev_c, goal, cycle, cyc, nc0, nc)
        _order(esc, nx0, nx)
    return hi, nm, nc, nx, 0


@njit(cache=True, nogil=True, _nrt=False)
def _order(esc, lo, hi):
    """Put one ticket's escalation records in the order results list them: response, resolution,
    then the update cycles; within a clock, restarts in order, then the chain's plan order. (An
    insertion sort: a ticket has a handful of records, already nearly in order.)"""
    for j in range(lo + 1, hi):
        k = j
        while k > lo and _before(esc, k, k - 1):
            for f in range(7):
                esc[k, f], esc[k - 1, f] = esc[k - 1, f], esc[k, f]
            k -= 1


@njit(cache=True, nogil=True, _nrt=False)
def _before(esc, a, b):
    for f in (X_METRIC, X_CYCLE, X_GEN, X_P):
        if esc[a, f] != esc[b, f]:
            return esc[a, f] < esc[b, f]
    return False


@njit(cache=True, nogil=True, _nrt=False)
def _worse(cyc, k, worst, worst_over):
    """(worst, its overrun) after cycle record k: the update metric is the cycle that overran its
    goal most, the latest of equals."""
    g = cyc[k, F_GOAL]
    over = cyc[k, F_E] - g
    if g >= 0 and over > 0 and over >= worst_over:
        return k, over
    return worst, worst_over


@njit(cache=True, nogil=True, _nrt=False)
def _change(c, at, new, restart, esc, nx, row, cycle, fired, stopped, had_goal, gen, sev_c, e, start,
            reach_g, reach_i, paused, now, goal, win, thr, ax, total, horizon, flag):
    """Clock c's goal becomes severity `new`'s from `at`: a new epoch (keep elapsed), or a new
    clock from zero (restart) that keeps the notifications the old one had sent."""
    has = goal[c, new] >= 0
    if restart:
        nx = _emit(esc, nx, row, c, cycle, False, at, fired, stopped, had_goal, gen, sev_c, e, paused, now,
                   goal, win, thr, ax, total, horizon, flag)
        gen[c] += 1
        e[c] = 0
        start[c] = at
        fired[c, :] = MIN
        reach_g[c, :] = MIN
        reach_i[c, :] = MIN
        had_goal[c] = has
    else:
        for p in range(thr.shape[1]):
            f = fired[c, p]
            if f == at:
                f = MIN   # reached exactly at the change: judged under the new goal
            if f == MIN and has and thr[c, p, new] <= e[c]:
                f = at
            fired[c, p] = f
        had_goal[c] = had_goal[c] or has
    sev_c[c] = new
    return nx


@njit(cache=True, nogil=True, _nrt=False)
def _next_cycle(at, sev, cyc, nc, esc, nx, row, cycle, fired, stopped, had_goal, gen, sev_c, e, start,
                reach_g, reach_i, paused, now, goal, internal, win, thr, ax, total, horizon, flag):
    """Close the current update cycle at `at` (recorded with what it fired) and start the next.
    Its deadline, when projected beyond the horizon, is noted in flag[1], not flag[0]: it matters
    only if the ticket is not cancelled later (a cancelled ticket shows no deadline)."""
    if stopped[U] == MIN:
        stopped[U] = at
    outside = flag[0]
    flag[0] = 0
    _finish(cyc, nc, U, sev_c, e, start, stopped, reach_g, reach_i, False, False, now, goal, internal, win,
            ax, total, horizon, flag)
    flag[1] |= flag[0]
    flag[0] = outside
    cyc[nc, F_ROW], cyc[nc, F_CYCLE] = row, cycle
    nx = _emit(esc, nx, row, U, cycle, False, MIN, fired, stopped, had_goal, gen, sev_c, e, paused, now,
               goal, win, thr, ax, total, horizon, flag)
    e[U] = 0
    start[U] = at
    stopped[U] = MIN
    fired[U, :] = MIN
    reach_g[U, :] = MIN
    reach_i[U, :] = MIN
    sev_c[U] = sev
    had_goal[U] = goal[U, sev] >= 0
    gen[U] = 0
    return nc + 1, nx


# -- the kernel's door ------------------------------------------------------------------------------

CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
_PER_THREAD = 5_000   # below this many tickets per thread, threads cost more than they save
_FIELD_NAMES = ("sev", "goal", "e", "dl", "state", "win", "start", "stopped", "internal", "idl", "istate")


def axes_of(tables):
    """The open-time axes of a terms' windows as flat arrays for the kernel (built once, kept):
    interval starts, ends and prefix sums, with two search indexes per window: the first interval
    starting after each day boundary, and the first interval whose prefix sum reaches each whole
    day of open time (each with one entry past the end, so a search range is always there)."""
    found = tables.__dict__.get("_axes")
    if found is None:
        spans = [w.horizon_axis().full_span() for w in tables.windows]
        parts = {name: [] for name in ("starts", "ends", "cum", "cumend", "didx", "qidx")}
        off, doff, qoff = [0], [0], [0]
        for sp in spans:
            base = off[-1]
            for name in ("starts", "ends", "cum", "cumend"):
                parts[name].append(getattr(sp, name).astype(np.int64))
            origin = int(sp.starts[0])
            days = (int(sp.ends[-1]) - origin) // DAY + 2
            bounds = origin + DAY * np.arange(days + 1, dtype=np.int64)
            parts["didx"].append(base + np.searchsorted(sp.starts, bounds, side="right"))
            open_days = int(sp.total) // DAY + 2
            marks = DAY * np.arange(open_days + 1, dtype=np.int64)
            parts["qidx"].append(base + np.minimum(np.searchsorted(sp.cumend, marks, side="left"),
                                                   sp.cumend.size - 1))
            off.append(base + sp.starts.size)
            doff.append(doff[-1] + days + 1)
            qoff.append(qoff[-1] + open_days + 1)

        def cat(name):
            return np.ascontiguousarray(np.concatenate(parts[name])) if spans else np.zeros(2, dtype=np.int64)

        ax = (np.array(off, dtype=np.int64), cat("starts"), cat("ends"), cat("cum"), cat("cumend"),
              np.array(doff[:-1] or [0], dtype=np.int64), cat("didx"), np.array(qoff[:-1] or [0], dtype=np.int64),
              cat("qidx"))
        total = np.array([sp.total for sp in spans] or [0], dtype=np.int64)
        found = tables.__dict__["_axes"] = (ax, total)
    return found


def run_group(tables, horizon: tuple[int, int], opened: np.ndarray, sev0: np.ndarray, counts: np.ndarray,
              ev_t: np.ndarray, ev_code: np.ndarray, ev_val: np.ndarray, pausing: np.ndarray, now: int,
              threads: Optional[int] = None) -> dict:
    """Evaluate n tickets under one terms' tables as of `now` (epoch µs): the raw result columns
    (response and resolution per row, every update cycle, every escalation record, the severity
    in force, and the rows whose clocks reach outside the horizon). Events are flat, grouped by
    ticket in order (`counts` per ticket); a status event's value indexes `pausing`. At most
    `threads` threads (default: one per core) run the kernel, each on at least _PER_THREAD tickets."""
    n = opened.size
    ax, total = axes_of(tables)
    ev_first = np.cumsum(counts) - counts
    # every ticket's place in these is written by the kernel; buffers are np.empty, so only the
    # pages the kernel writes are ever touched, however generous their size
    final_sev = np.empty(n, dtype=np.int64)
    outside = np.empty(n, dtype=np.int64)
    n_plan = tables.thr.shape[1]
    hz = np.array(horizon, dtype=np.int64)

    def tickets(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Run tickets lo..hi-1 into their places of the shared per-ticket arrays (disjoint per
        call); (metric rows, cycles, escalations) in buffers of their own, grown as needed."""
        events = int(counts[lo:hi].sum())
        met = np.empty((3 * (hi - lo), N_FIELDS + 2), dtype=np.int64)
        cyc = np.empty((hi - lo + events + 1, N_FIELDS + 2), dtype=np.int64)
        clocks_run = 3 * (hi - lo) + 2 * events   # response, resolution, update cycles, restarts
        esc = np.empty((max(min(n_plan, 8) * clocks_run, 16), 7), dtype=np.int64)
        n_sev = tables.goal.shape[1]
        work = (   # one ticket's clocks: severity, elapsed, start, stop, restarts, goal seen; steps; reaches
            np.zeros(3, np.int64), np.zeros(3, np.int64), np.zeros(3, np.int64), np.zeros(3, np.int64),
            np.zeros(3, np.int64), np.zeros(3, np.bool_), np.zeros((3, n_plan), np.int64),
            np.zeros((3, n_sev), np.int64), np.zeros((3, n_sev), np.int64), np.zeros(2, np.int64))
        i = lo
        nm = nc = nx = 0
        while i < hi:
            i, nm, nc, nx, need = run(i, hi, opened, sev0, ev_first, counts, ev_t, ev_code, ev_val, pausing, now,
                                      tables.goal, tables.internal, tables.win, tables.thr, tables.restart, ax,
                                      total, hz, met, nm, final_sev, outside, cyc, nc, esc, nx, *work)
            if i < hi:   # a buffer is full: grow it and go on from ticket i
                if need:
                    esc = np.concatenate([esc[:nx], np.empty((max(need, esc.shape[0]), 7), dtype=np.int64)])
                else:
                    cyc = np.concatenate([cyc[:nc], np.empty(cyc.shape, dtype=np.int64)])
        return met[:nm], cyc[:nc], esc[:nx]

    workers = min(CORES if threads is None else threads, n // _PER_THREAD)
    if workers > 1:   # the kernel releases the GIL: one thread per core, each a stretch of tickets
        from concurrent.futures import ThreadPoolExecutor

        bounds = np.linspace(0, n, workers + 1).astype(int).tolist()
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(tickets, bounds[:-1], bounds[1:]))
        met, cyc, esc = (np.concatenate([p[j] for p in parts]) for j in range(3))
    else:
        met, cyc, esc = tickets(0, n)
    # the kernel writes a record's fields side by side (one cache line, not one per field); the
    # result columns are read out of them here
    cycles = {name: cyc[:, k] for k, name in enumerate(_FIELD_NAMES)}
    cycles["row"], cycles["cycle"] = cyc[:, F_ROW], cyc[:, F_CYCLE]
    metrics = {name: met[:, k] for k, name in enumerate(_FIELD_NAMES)}
    metrics["row"], metrics["metric"] = met[:, F_ROW], met[:, F_CYCLE]
    x = {name: esc[:, k] for k, name in enumerate(("row", "metric", "cycle", "gen", "p", "due"))}
    x["fired"] = esc[:, X_FIRED].astype(bool)
    return {"metrics": metrics, "cycles": cycles, "esc": x, "sev": final_sev, "outside": outside.astype(bool)}
