"""Runtime stage: the batch fast path of ticket evaluation — the clock rules of clocks.py, vectorised.

Tickets sharing terms are evaluated together: one numpy pass per event position (a ticket has
a handful of events), each pass advancing every ticket's clocks over one segment of time.
Deadlines and escalation steps are threshold crossings recorded as elapsed time grows; a goal
change fires, at the change, every step whose new threshold is already passed. That is the
epoch rule of `Clock.due`, computed incrementally, so results equal `Terms.evaluate_parsed`
(tests compare the two on random tickets).
"""

from __future__ import annotations

import json
from collections import deque
from itertools import chain, count, repeat
from typing import Optional

import numpy as np

from slalang.runtime.errors import HorizonError, InstantError, RecordError
from slalang.runtime.records import EPOCH, instant_us, parse_ticket
from slalang.runtime.terms import EscalationStep, MetricResult, TicketResult

MIN = np.iinfo(np.int64).min
NOOP, STATUS, SEV, RESPONDED, UPDATED, RESOLVED, REOPENED = range(7)
_TYPE_CODES = {"responded": RESPONDED, "updated": UPDATED, "resolved": RESOLVED, "reopened": REOPENED}
R, S, U = 0, 1, 2
METRICS = ("response", "resolution", "update")


class Tables:
    """Per-terms lookup tables: goal, internal goal, window and escalation thresholds per severity."""

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
        self.plan = terms._plan
        self.steps = terms.chain["steps"] if terms.chain else []
        n_plan = len(self.plan)
        self.thr = np.zeros((3, n_plan, n_sev), dtype=np.int64)
        for c in range(3):
            for p, (_, _, thr) in enumerate(self.plan):
                for s in range(n_sev):
                    g = int(self.goal[c, s])
                    self.thr[c, p, s] = thr(g) if g >= 0 else 0
        self.pause_when = terms.pause_when


class Batch:
    """The clocks of n tickets under one set of terms, advanced together."""

    def __init__(self, tables: Tables, opened: np.ndarray, sev: np.ndarray, restart: bool, axes: list,
                 horizon: tuple[int, int]):
        n = len(opened)
        t = tables
        self.t, self.n, self.restart = t, n, restart
        self.axes, self.horizon = axes, horizon  # one open-time Axis per window of t.windows
        # which severities each row can have (its first, and those its events name): "when did
        # elapsed reach this goal" is tracked only for those
        self.can_have = np.zeros((t.goal.shape[1], n), dtype=bool)
        self.can_have[sev, np.arange(n)] = True
        self.severities_met: list[int] = []
        n_sev, n_plan = t.goal.shape[1], len(t.plan)
        self.paused = np.zeros(n, dtype=bool)
        self.resolved = np.zeros(n, dtype=bool)
        self.sev = sev.copy()
        self.sev_c = np.stack([sev, sev, sev]).astype(np.int64)
        self.e = np.zeros((3, n), dtype=np.int64)
        self.start = np.stack([opened, opened, opened])
        self.stopped = np.full((3, n), MIN, dtype=np.int64)
        self.fired = np.full((3, n_plan, n), MIN, dtype=np.int64)
        self.reach_g = np.full((3, n_sev, n), MIN, dtype=np.int64)
        self.reach_i = np.full((3, n_sev, n), MIN, dtype=np.int64)
        self.had_goal = np.stack([t.goal[c, sev] >= 0 for c in range(3)])
        self.cycle = np.ones(n, dtype=np.int64)
        self.gen = np.zeros((3, n), dtype=np.int64)  # restarts of each clock so far
        self.cycles: list[dict] = []       # emitted update cycles (arrays)
        self.escalations: list[dict] = []  # emitted escalation records (arrays)

    # -- time passes ------------------------------------------------------------------------------
    def advance(self, a: np.ndarray, b: np.ndarray, fa: np.ndarray, fb: np.ndarray, rows: np.ndarray) -> None:
        """Count [a, b) on every running clock of the selected rows; record threshold crossings.
        `fa` and `fb` are a and b on each window's open-time axis (shape: windows × rows)."""
        t = self.t
        for c in (R, S, U):
            sev = self.sev_c[c]
            goal = t.goal[c, sev]
            run = rows & (self.stopped[c] == MIN) & ~self.paused & (goal >= 0) & (b > a)
            idx = np.flatnonzero(run)
            if idx.size == 0:
                continue
            a_i, b_i = a[idx], b[idx]
            self._within_horizon(int(a_i.min()), int(b_i.max()))
            w = t.win[c, sev[idx]]
            f0 = fa[w, idx]
            e0 = self.e[c, idx]
            e1 = e0 + (fb[w, idx] - f0)
            self.e[c, idx] = e1
            crossings = []  # (target array, row positions, open µs needed from a)
            for p in range(len(t.plan)):
                x = t.thr[c, p, sev[idx]]
                hit = np.flatnonzero((self.fired[c, p, idx] == MIN) & (e0 < x) & (x <= e1))
                if hit.size:
                    crossings.append((self.fired[c, p], hit, x[hit] - e0[hit]))
            for s in self.severities_met:  # goals of the severities the rows can have
                for table, arr in ((t.goal, self.reach_g), (t.internal, self.reach_i)):
                    x = int(table[c, s])
                    if x < 0:
                        continue
                    hit = np.flatnonzero(self.can_have[s, idx] & (arr[c, s, idx] == MIN) & (e0 < x) & (x <= e1))
                    if hit.size:
                        crossings.append((arr[c, s], hit, x - e0[hit]))
            for target, hit, need in crossings:
                target[idx[hit]] = self._at(w[hit], f0[hit] + need)

    def _within_horizon(self, lo: int, hi: int, allow_end: bool = True) -> None:
        """Clocks run only where window data exists (an end bound may be the horizon's end)."""
        start, end = self.horizon
        if lo < start or hi > end or (hi == end and not allow_end):
            raise HorizonError("a ticket's clock runs outside the policy horizon")

    def _at(self, w: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The instants at which x open µs have passed on the axis of window w (per row)."""
        if len(self.axes) == 1:
            return self.axes[0].instant_at(x)
        out = np.empty(x.size, dtype=np.int64)
        for wi in np.unique(w).tolist():
            sel = w == wi
            out[sel] = self.axes[wi].instant_at(x[sel])
        return out

    def _add(self, w: np.ndarray, a: np.ndarray, need: np.ndarray) -> np.ndarray:
        """The instants at which need open µs of window w have passed since a (per row)."""
        self._within_horizon(int(a.min()), int(a.max()), allow_end=False)
        out = np.empty(a.size, dtype=np.int64)
        for wi in np.unique(w).tolist():
            sel = w == wi
            out[sel] = self.axes[wi].add(a[sel], need[sel])
        return out

    # -- events -------------------------------------------------------------------------------------
    def severity_change(self, rows: np.ndarray, at: np.ndarray, new: np.ndarray,
                        clocks: tuple[int, ...] = (R, S, U)) -> None:
        """The goal of each running clock becomes the new severity's from `at` (a stopped clock
        keeps its verdict); with restart the clock starts from zero, keeping what it had sent.
        A step reached exactly at `at` is judged under the new goal (as `Clock.due` does)."""
        t = self.t
        for c in clocks:
            idx = np.flatnonzero(rows & (self.stopped[c] == MIN))
            if idx.size == 0:
                continue
            new_i = new[idx]
            has = t.goal[c, new_i] >= 0
            if self.restart:
                cycle = self.cycle[idx] if c == U else np.zeros(idx.size, dtype=np.int64)
                self.emit_escalations(c, idx, cycle, None, before=at[idx])  # what the old clock sent
                self.gen[c, idx] += 1
                self.e[c, idx] = 0
                self.start[c, idx] = at[idx]
                self.fired[c][:, idx] = MIN
                self.reach_g[c][:, idx] = MIN
                self.reach_i[c][:, idx] = MIN
                self.had_goal[c, idx] = has
            else:
                at_i = at[idx]
                for p in range(len(t.plan)):
                    fired = self.fired[c, p, idx]
                    fired = np.where(fired == at_i, MIN, fired)
                    fire = (fired == MIN) & has & (t.thr[c, p, new_i] <= self.e[c, idx])
                    self.fired[c, p, idx] = np.where(fire, at_i, fired)
                self.had_goal[c, idx] |= has
            self.sev_c[c, idx] = new_i

    def stop(self, c: int, rows: np.ndarray, at: np.ndarray) -> None:
        idx = np.flatnonzero(rows & (self.stopped[c] == MIN))
        self.stopped[c, idx] = at[idx]

    def new_cycle(self, rows: np.ndarray, at: np.ndarray) -> None:
        """Close the current update cycle of the rows (it is recorded) and start the next at `at`."""
        idx = np.flatnonzero(rows)
        if idx.size == 0:
            return
        self.stop(U, rows, at)
        self.emit_cycle(idx)
        self.e[U, idx] = 0
        self.start[U, idx] = at[idx]
        self.stopped[U, idx] = MIN
        self.fired[U][:, idx] = MIN
        self.reach_g[U][:, idx] = MIN
        self.reach_i[U][:, idx] = MIN
        self.sev_c[U, idx] = self.sev[idx]
        self.had_goal[U, idx] = self.t.goal[U, self.sev_c[U, idx]] >= 0
        self.gen[U, idx] = 0
        self.cycle[idx] += 1

    # -- results ------------------------------------------------------------------------------------
    def emit_cycle(self, idx: np.ndarray) -> None:
        sev = self.sev_c[U, idx]
        self.cycles.append({"row": idx, "cycle": self.cycle[idx].copy(), "start": self.start[U, idx].copy(),
                            "stopped": self.stopped[U, idx].copy(), "e": self.e[U, idx].copy(), "sev": sev,
                            "reach_g": self.reach_g[U][sev, idx].copy(), "reach_i": self.reach_i[U][sev, idx].copy()})
        self.emit_escalations(U, idx, self.cycle[idx].copy(), None)

    def emit_escalations(self, c: int, idx: np.ndarray, cycle: np.ndarray, now: Optional[int],
                         before: Optional[np.ndarray] = None) -> None:
        """Escalation records of clock c for the rows: fired steps (only those fired before
        `before`, where given), and at the end (`now`) pending ones."""
        t = self.t
        if not t.plan:
            return
        mask = self.had_goal[c, idx]
        idx, cycle = idx[mask], cycle[mask]
        before = None if before is None else before[mask]
        stopped = self.stopped[c, idx]
        running = stopped == MIN
        for p in range(len(t.plan)):
            f = self.fired[c, p, idx]
            fired = f != MIN
            due = f.copy()
            keep = np.where(running, True, fired & (f <= stopped))
            if before is not None:
                keep &= f < before
            if now is not None:
                pending = running & ~fired
                sev = self.sev_c[c, idx]
                projectable = pending & ~self.paused[idx] & (t.goal[c, sev] >= 0)
                pos = np.flatnonzero(projectable)
                if pos.size:
                    need = np.maximum(t.thr[c, p, sev[pos]] - self.e[c, idx[pos]], 0)
                    due[pos] = self._add(t.win[c, sev[pos]], np.full(pos.size, now, dtype=np.int64), need)
            else:
                keep &= fired  # a closed cycle keeps only what fired
            sel = np.flatnonzero(keep)
            if sel.size:
                self.escalations.append({"row": idx[sel], "metric": c, "cycle": cycle[sel] if c == U else
                                         np.zeros(sel.size, dtype=np.int64), "gen": self.gen[c, idx[sel]],
                                         "p": p, "due": due[sel], "fired": fired[sel]})


def evaluate_group(terms, ids: list[str], opened: np.ndarray, sev0: np.ndarray, events: dict,
                   statuses: list[str], now: int, sev_names: list[str]) -> list[TicketResult]:
    """Evaluate n tickets under one terms. `events` holds flat arrays: row (0..n-1), k (position in
    the ticket), t, code and val (a severity index, or a status index into `statuses`)."""
    tables = Tables(terms, sev_names)
    n = len(ids)
    # every instant is placed once on each window's open-time axis; clocks then add integers.
    # Instants outside the horizon are clamped here and refused if a running clock reaches them.
    horizon = tables.windows[0].horizon_us if tables.windows else (MIN, np.iinfo(np.int64).max)
    lo, hi = max(int(opened.min()), horizon[0]), min(now, horizon[1])
    axes = [w.axis(lo, hi) for w in tables.windows]

    def on_axes(t: np.ndarray) -> np.ndarray:
        t = np.clip(t, lo, hi)
        return np.stack([axis.open_at(t) for axis in axes]) if axes else np.zeros((0, t.size), dtype=np.int64)

    batch = Batch(tables, opened, sev0, terms.restart, axes, horizon)
    named = events["code"] == SEV
    batch.can_have[events["val"][named], events["row"][named]] = True
    batch.severities_met = np.flatnonzero(batch.can_have.any(axis=1)).tolist()
    k_max = int(events["k"].max()) + 1 if events["k"].size else 0
    ev_t = np.full((k_max, n), MIN, dtype=np.int64)
    ev_code = np.zeros((k_max, n), dtype=np.int64)
    ev_val = np.zeros((k_max, n), dtype=np.int64)  # severity index, or 1 for a pausing status
    if events["k"].size:
        pausing = np.array([name in tables.pause_when for name in statuses] or [False], dtype=np.int64)
        code, val = events["code"], events["val"]
        ev_t[events["k"], events["row"]] = events["t"]
        ev_code[events["k"], events["row"]] = code
        ev_val[events["k"], events["row"]] = np.where(code == STATUS, pausing[np.where(code == STATUS, val, 0)], val)
    ev_f = np.zeros((len(axes), k_max, n), dtype=np.int64)
    ev_f[:, events["k"], events["row"]] = on_axes(events["t"])
    t_prev, f_prev = opened.copy(), on_axes(opened)
    everyone = np.ones(n, dtype=bool)
    for k in range(k_max):
        at, code = ev_t[k], ev_code[k]
        valid = (code != NOOP) & (at <= now)
        if not valid.any():
            continue
        changes = valid & (code == SEV) & (ev_val[k] != batch.sev)  # a repeated value is no change
        t_next, f_next = np.where(valid, at, t_prev), np.where(valid, ev_f[:, k], f_prev)
        batch.advance(t_prev, t_next, f_prev, f_next, valid)
        t_prev, f_prev = t_next, f_next
        m = valid & (code == STATUS)
        batch.paused[m] = ev_val[k][m].astype(bool)
        if changes.any():
            batch.severity_change(changes, at, ev_val[k])
            batch.sev[changes] = ev_val[k][changes]
        m = valid & ((code == RESPONDED) | (code == UPDATED))
        if m.any():
            batch.stop(R, m & (code == RESPONDED), at)
            batch.new_cycle(m & ~batch.resolved, at)
        m = valid & (code == RESOLVED) & ~batch.resolved
        if m.any():
            batch.resolved |= m
            for c in (R, S, U):
                batch.stop(c, m, at)
        m = valid & (code == REOPENED) & batch.resolved
        if m.any():
            batch.resolved &= ~m
            batch.stopped[S, m] = MIN
            pending = m & (batch.sev_c[S] != batch.sev)  # changed while resolved: applies from now
            if pending.any():
                batch.severity_change(pending, at, batch.sev, (S,))
            batch.new_cycle(m, at)
    now_arr = np.full(n, now, dtype=np.int64)  # every event counted is at or before now
    batch.advance(t_prev, now_arr, f_prev, np.broadcast_to(on_axes(now_arr[:1]), f_prev.shape), everyone)
    rows = np.arange(n)
    zero = np.zeros(n, dtype=np.int64)
    batch.emit_escalations(R, rows, zero, now)
    batch.emit_escalations(S, rows, zero, now)
    sev_u = batch.sev_c[U]
    batch.cycles.append({"row": rows, "cycle": batch.cycle.copy(), "start": batch.start[U].copy(),
                         "stopped": batch.stopped[U].copy(), "e": batch.e[U].copy(), "sev": sev_u.copy(),
                         "reach_g": batch.reach_g[U][sev_u, rows], "reach_i": batch.reach_i[U][sev_u, rows]})
    batch.emit_escalations(U, rows, batch.cycle.copy(), now)
    return _results(batch, ids, now, sev_names, terms)


def _deadlines(batch: Batch, c: int, rows, goal, internal, e, stopped, reach_g, reach_i, sev, now, paused):
    """(deadline, internal deadline) arrays (MIN = none) for clocks described by the arrays."""
    t = batch.t
    out = []
    w = t.win[c, sev]
    for g, reach in ((goal, reach_g), (internal, reach_i)):
        dl = np.full(rows.size, MIN, dtype=np.int64)
        has = g >= 0
        reached = has & (e >= g)
        dl[reached] = reach[reached]
        from_stop = has & ~reached & (stopped != MIN)
        pos = np.flatnonzero(from_stop)
        if pos.size:
            dl[pos] = batch._add(w[pos], stopped[pos], g[pos] - e[pos])
        projected = has & ~reached & (stopped == MIN) & ~paused
        pos = np.flatnonzero(projected)
        if pos.size:
            dl[pos] = batch._add(w[pos], np.full(pos.size, now, dtype=np.int64), g[pos] - e[pos])
        out.append(dl)
    return out


def _states(goal, e, stopped, paused) -> np.ndarray:
    # 0 met, 1 missed, 2 breached, 3 paused, 4 running
    return np.where(stopped != MIN, np.where(e <= goal, 0, 1),
                    np.where(e > goal, 2, np.where(paused, 3, 4)))


STATE_NAMES = ("met", "missed", "breached", "paused", "running")


def _clock_arrays(batch: Batch, c: int, rows, sev, e, start, stopped, reach_g, reach_i, paused, now) -> dict:
    """Every field of a set of clocks as arrays; a metric is read from them by position."""
    t = batch.t
    goal, internal = t.goal[c, sev], t.internal[c, sev]
    dl, idl = _deadlines(batch, c, rows, goal, internal, e, stopped, reach_g, reach_i, sev, now, paused)
    return {"sev": sev, "goal": goal, "e": e, "dl": dl, "state": _states(goal, e, stopped, paused),
            "win": t.win[c, sev], "start": start, "stopped": stopped, "internal": internal, "idl": idl,
            "istate": _states(internal, e, stopped, paused)}


def _results(batch: Batch, ids: list[str], now: int, sev_names: list[str], terms) -> list[TicketResult]:
    n = batch.n
    rows = np.arange(n)
    clocks = []
    for c in (R, S):
        sev, stopped = batch.sev_c[c], batch.stopped[c]
        clocks.append(_clock_arrays(batch, c, rows, sev, batch.e[c], batch.start[c], stopped,
                                    batch.reach_g[c][sev, rows], batch.reach_i[c][sev, rows],
                                    batch.paused & (stopped == MIN), now))
    # update: every cycle, ordered by ticket then cycle; a ticket's cycles are one slice (each
    # ticket's cycles were recorded in cycle order, so a stable sort by ticket keeps that order)
    cyc = {k: np.concatenate([rec[k] for rec in batch.cycles]) for k in batch.cycles[0]}
    order = np.argsort(cyc["row"], kind="stable")
    cyc = {k: v[order] for k, v in cyc.items()}
    cycles = _clock_arrays(batch, U, cyc["row"], cyc["sev"], cyc["e"], cyc["start"], cyc["stopped"],
                           cyc["reach_g"], cyc["reach_i"], batch.paused[cyc["row"]] & (cyc["stopped"] == MIN), now)
    cycle_bounds = np.searchsorted(cyc["row"], np.arange(n + 1))
    # escalations in the scalar order: response, resolution, then update cycles; plan order within
    if batch.escalations:
        esc = {k: np.concatenate([np.broadcast_to(rec[k], rec["row"].shape) for rec in batch.escalations])
               for k in ("row", "metric", "cycle", "gen", "p", "due", "fired")}
        # one composite key (row, metric, cycle, restart generation, step) sorts faster than lexsort
        span_p = len(batch.t.plan)
        span_g = int(esc["gen"].max()) + 1
        span_c = int(esc["cycle"].max()) + 1
        key = (((esc["row"] * 3 + esc["metric"]) * span_c + esc["cycle"]) * span_g + esc["gen"]) * span_p + esc["p"]
        order = np.argsort(key, kind="stable")
        esc = {k: v[order] for k, v in esc.items()}
        esc_bounds = np.searchsorted(esc["row"], np.arange(n + 1))
    else:
        esc, esc_bounds = None, np.zeros(n + 1, dtype=np.int64)
    shared = _Shared(clocks, cycles, cycle_bounds.tolist(), esc, esc_bounds.tolist(), sev_names,
                     [w.id for w in batch.t.windows], batch.t, terms, batch.sev.tolist())
    return list(map(LazyResult, ids, repeat(shared), range(n)))


class _Shared:
    """The arrays one group's results are read from, turned into Python lists on the first read
    (indexing a list is several times cheaper than boxing numpy scalars one at a time)."""

    def __init__(self, clocks, cycles, cycle_bounds, esc, esc_bounds, sev_names, windows, tables, terms,
                 final_sev: list[int]):
        self._arrays = (clocks, cycles, esc)
        self.cycle_bounds, self.esc_bounds = cycle_bounds, esc_bounds
        self.sev_names, self.windows, self.tables = sev_names, windows, tables
        self.tier, self.customer, self.service = terms.tier, terms.customer, terms.service
        self.final_sev = final_sev
        self.clocks = self.cycles = self.esc = None

    def lists(self) -> None:
        """Every field as a list of the Python values results hold, built column by column."""
        if self.clocks is None:
            clocks, cycles, esc = self._arrays
            self.clocks = [self._fields(arrays) for arrays in clocks]
            self.cycles = self._fields(cycles)
            if esc is not None:
                esc = {k: (_instants(v) if k == "due" else v.tolist()) for k, v in esc.items()}
            self.esc = esc
            self._arrays = None

    def _fields(self, a: dict) -> dict:
        goal, e, internal = a["goal"], a["e"], a["internal"]
        return {"has": (goal >= 0).tolist(), "sev": list(map(self.sev_names.__getitem__, a["sev"].tolist())),
                "goal": _durations(goal), "e": _durations(e), "remaining": _durations(goal - e),
                "dl": _instants(a["dl"]), "state": list(map(STATE_NAMES.__getitem__, a["state"].tolist())),
                # a row with no target has window -1: read only after `has`, so any value will do
                "win": list(map([*self.windows, None].__getitem__, a["win"].tolist())), "start": _instants(a["start"]),
                "stopped": _instants(a["stopped"]), "has_internal": (internal >= 0).tolist(),
                "internal": _durations(internal), "idl": _instants(a["idl"]),
                "istate": list(map(STATE_NAMES.__getitem__, a["istate"].tolist()))}

    @staticmethod
    def metric(name: str, f: dict, j: int) -> Optional[MetricResult]:
        if not f["has"][j]:
            return None
        m = MetricResult(name, f["sev"][j], f["goal"][j], f["e"][j], f["remaining"][j], f["dl"][j], f["state"][j],
                         f["win"][j], f["start"][j], f["stopped"][j])
        if f["has_internal"][j]:
            m.internal_goal, m.internal_deadline, m.internal_state = f["internal"][j], f["idl"][j], f["istate"][j]
        return m


def _durations(us: np.ndarray) -> list:
    """timedeltas of µs counts, made in C."""
    return us.astype("timedelta64[us]").tolist()


def _instants(us: np.ndarray) -> list:
    """Aware UTC datetimes of epoch µs, None for MIN."""
    return [None if d is None else EPOCH + d for d in us.astype("timedelta64[us]").tolist()]


class _FromGroup:
    """A result field read from its group, unless set on the result itself."""

    def __init__(self, read) -> None:
        self.read = read

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        own = obj.__dict__
        return own[self.name] if self.name in own else self.read(obj._shared, obj._i)

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.name] = value


class LazyResult(TicketResult):
    """A ticket's result, read from its group's arrays the first time `metrics` or `escalations` is
    used. Made 100,000 at a time, so it holds only its id and its place in the group; it keeps
    the group's arrays alive, and its first read turns the whole group's fields into Python
    values (column by column, far cheaper than one result at a time)."""

    problem = None
    _metrics: Optional[dict] = None
    _escalations: Optional[list] = None

    def __init__(self, ticket_id: str, shared: _Shared, i: int):
        self.id, self._shared, self._i = ticket_id, shared, i

    severity = _FromGroup(lambda sh, i: sh.sev_names[sh.final_sev[i]])  # in force as of now
    tier = _FromGroup(lambda sh, i: sh.tier)
    customer = _FromGroup(lambda sh, i: sh.customer)
    service = _FromGroup(lambda sh, i: sh.service)

    @property
    def metrics(self) -> dict[str, MetricResult]:
        if self._metrics is None:
            sh, i = self._shared, self._i
            sh.lists()
            out = {}
            for c in (R, S):
                m = sh.metric(METRICS[c], sh.clocks[c], i)
                if m is not None:
                    out[METRICS[c]] = m
            lo, hi = sh.cycle_bounds[i], sh.cycle_bounds[i + 1]
            current_has_goal = hi > lo and sh.cycles["has"][hi - 1]
            cycles = [m for j in range(lo, hi) if (m := sh.metric("update", sh.cycles, j)) is not None]
            if cycles and current_has_goal:
                overrun = [m for m in cycles if m.elapsed > m.goal]
                shown = max(reversed(overrun), key=lambda m: m.elapsed - m.goal) if overrun else cycles[-1]
                out["update"] = MetricResult(**{**shown.__dict__, "cycles": cycles})
            self._metrics = out
        return self._metrics

    @metrics.setter
    def metrics(self, value) -> None:
        self._metrics = value

    @property
    def escalations(self) -> list[EscalationStep]:
        if self._escalations is None:
            sh, i = self._shared, self._i
            sh.lists()
            out = []
            esc = sh.esc
            for j in range(sh.esc_bounds[i], sh.esc_bounds[i + 1]):
                index, k, _ = sh.tables.plan[esc["p"][j]]
                step = sh.tables.steps[index]
                out.append(EscalationStep(METRICS[esc["metric"][j]], index + 1, k, esc["due"][j], step["notify"],
                                          step["channels"], esc["fired"][j], esc["cycle"][j]))
            self._escalations = out
        return self._escalations

    @escalations.setter
    def escalations(self, value) -> None:
        self._escalations = value


# What a column pass may raise when some record in it is of a rare shape (not a dict, or holding
# an unhashable value): the records of that stretch are then read again in halves.
_SHAPE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError)
_NO_EVENTS: list = []


def _event_kind(triple: tuple, sev_index: dict, status_index: dict) -> tuple[int, int]:
    """(code, value) of an event from its (status, type, severity) fields; code -1 unless exactly
    one is given and valid (the scalar path then words what is wrong)."""
    given = [(i, v) for i, v in enumerate(triple) if v is not None and v != ""]
    if len(given) != 1 or type(given[0][1]) is not str:
        return -1, 0
    kind, value = given[0]
    if kind == 0:
        return STATUS, status_index.setdefault(value, len(status_index))
    if kind == 1:
        return _TYPE_CODES.get(value, -1), 0
    return (SEV, sev_index[value]) if value in sev_index else (-1, 0)


def _text_like(values: list) -> Optional[list]:
    """None if every value is a string (or absent); else which are not what `parse_ticket` takes
    as text (a string or an integer; None counts as absent)."""
    if set(map(type, values)) <= {str, type(None)}:
        return None
    return [v is not None and type(v) is not str and type(v) is not int for v in values]


def _events_of(value):
    """A record's events as a list, or None if they are not one (a CSV cell holds JSON text)."""
    if value is None or value == "":
        return _NO_EVENTS
    if type(value) is str:
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return None
    return value if type(value) is list else None


def _columns(records: list, sev_index: dict, status_index: dict, key_ids: dict) -> dict:
    """The fields of records, column by column: a few C-level passes over the records instead of
    Python code per record. `bad` marks records to judge one by one (a missing or unknown value,
    a value of the wrong type, an event that is not an object). Raises one of _SHAPE_ERRORS only
    for rarer shapes (a record that is not a dict, an unhashable value); `_gather` then narrows
    down which."""
    n = len(records)
    bad = np.zeros(n, dtype=bool)
    ids = list(map(dict.get, records, repeat("id")))
    if set(map(type, ids)) != {str} or "" in ids:
        bad |= np.array([not ((type(v) is str and v != "") or type(v) is int) for v in ids], dtype=bool)
        ids = [v if type(v) is str else str(v) for v in ids]
    sev = np.fromiter(map(sev_index.get, map(dict.get, records, repeat("severity")), repeat(-1)), np.int64, n)
    bad |= sev < 0
    opened = list(map(dict.get, records, repeat("opened")))
    tiers = list(map(dict.get, records, repeat("tier")))
    customers = list(map(dict.get, records, repeat("customer")))
    services = list(map(dict.get, records, repeat("service")))
    for column in (tiers, customers, services):
        wrong = _text_like(column)
        if wrong is not None:
            bad |= np.array(wrong, dtype=bool)
    if tiers[0] and tiers.count(tiers[0]) == n and not bad.any():
        key_of = np.full(n, key_ids.setdefault(("tier", tiers[0]), len(key_ids)), dtype=np.int64)
    else:
        keys = [("bad",) if b else ("tier", t) if t not in (None, "") else ("contract", c, v)
                for b, t, c, v in zip(bad.tolist(), tiers, customers, services)]
        key_of = np.array([key_ids.setdefault(k, len(key_ids)) for k in keys], dtype=np.int64)
    events = list(map(dict.get, records, repeat("events"), repeat(_NO_EVENTS)))
    if set(map(type, events)) != {list}:
        events = list(map(_events_of, events))
        unusable = np.array([e is None for e in events], dtype=bool)
        bad |= unusable
        if unusable.any():
            events = [_NO_EVENTS if e is None else e for e in events]
    counts = np.fromiter(map(len, events), np.int64, n)
    flat = list(chain.from_iterable(events))
    try:
        ats = list(map(dict.get, flat, repeat("at")))
    except TypeError:  # an event that is not an object
        odd = np.array([not isinstance(e, dict) for e in flat], dtype=bool)
        bad[np.repeat(np.arange(n), counts)[odd]] = True
        flat = [e if isinstance(e, dict) else {} for e in flat]
        ats = list(map(dict.get, flat, repeat("at")))
    triples = zip(map(dict.get, flat, repeat("status")), map(dict.get, flat, repeat("type")),
                  map(dict.get, flat, repeat("severity")))
    kind_ids: dict = {}
    kind_of = np.fromiter(map(kind_ids.setdefault, triples, count()), np.int64, len(flat))
    table = np.zeros((2, max(len(flat), 1)), dtype=np.int64)
    for triple, k in kind_ids.items():
        table[:, k] = _event_kind(triple, sev_index, status_index)
    codes, vals = table[0, kind_of], table[1, kind_of]
    if (codes < 0).any():
        bad[np.repeat(np.arange(n), counts)[codes < 0]] = True
    return {"ids": ids, "sev": sev, "opened": opened, "key_of": key_of, "counts": counts, "ats": ats,
            "codes": codes, "vals": vals, "bad": bad}


def _gather(records: list, lo: int, hi: int, parts: list, slow: list, *tables) -> None:
    """Columns of records[lo:hi] into `parts` as (lo, hi, columns); where a stretch has a record
    not in the common shape, halve it until that record stands alone, and send it to `slow`."""
    try:
        parts.append((lo, hi, _columns(records[lo:hi], *tables)))
    except _SHAPE_ERRORS:
        if hi - lo == 1:
            slow.append(lo)
            return
        mid = (lo + hi) // 2
        _gather(records, lo, mid, parts, slow, *tables)
        _gather(records, mid, hi, parts, slow, *tables)


# the `YYYY-MM-DD?HH:MM:SS` head of an instant: the bytes allowed in each column (col 10 is T or a space)
_HEAD_LO = np.frombuffer(b"0000-00-00 00:00:00", dtype=np.uint8)
_HEAD_SPAN = np.frombuffer(b"9999-99-99T99:99:99", dtype=np.uint8) - _HEAD_LO


def _number(u: np.ndarray, cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(the columns of u read as one decimal number, whether they are all digits)."""
    value = np.zeros(u.shape[0], dtype=np.int64)
    ok = np.ones(u.shape[0], dtype=bool)
    for col in cols:
        d = u[:, col].astype(np.int64) - ord("0")
        ok &= (d >= 0) & (d <= 9)
        value = value * 10 + d
    return value, ok


_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _civil_us(head: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(epoch µs, whether it names a real instant) of the `YYYY-MM-DD?HH:MM:SS` heads (uint8 rows
    of 19, already known to be digits and separators), by calendar arithmetic: no string parser,
    and exactly the dates `datetime.fromisoformat` accepts (years 1-9999, real days, hour < 24)."""
    d = head - np.uint8(ord("0"))   # digit values (separators wrap round; never read)

    def two(col: int) -> np.ndarray:
        return d[:, col].astype(np.int32) * 10 + d[:, col + 1]

    y, mo, day, h, mi, sec = two(0) * 100 + two(2), two(5), two(8), two(11), two(14), two(17)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    month_days = _MONTH_DAYS[np.clip(mo - 1, 0, 11)] + ((mo == 2) & leap)
    ok = (y >= 1) & (mo >= 1) & (mo <= 12) & (day >= 1) & (day <= month_days) & (h <= 23) & (mi <= 59) & (sec <= 59)
    # days from 1970-01-01 of a proleptic Gregorian date (years counted from March)
    y2 = y - (mo <= 2)
    era, year_of_era = y2 // 400, y2 % 400
    day_of_year = (153 * ((mo + 9) % 12) + 2) // 5 + day - 1
    days = (era * 146097 + year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year - 719468)
    seconds = ((days.astype(np.int64) * 24 + h) * 60 + mi) * 60 + sec
    return seconds * 1_000_000, ok


def _parse_fixed(u: np.ndarray) -> np.ndarray:
    """Epoch µs of same-width ASCII instants (rows of u): `YYYY-MM-DD[T ]HH:MM:SS[.fff|.ffffff]`
    then `Z` or `±HH:MM`; MIN for a row in any other shape or naming no real instant."""
    n, width = u.shape
    out = np.full(n, MIN, dtype=np.int64)
    head = np.ascontiguousarray(u[:, :19])
    outside = (head - _HEAD_LO) > _HEAD_SPAN   # unsigned: below the low byte wraps round, too
    ok_head = ~outside.any(axis=1) if outside.any() else np.ones(n, dtype=bool)
    ok_head &= (u[:, 10] == ord("T")) | (u[:, 10] == ord(" "))
    local, real = _civil_us(head)
    ok_head &= real
    for zulu in (True, False):
        body = width - 1 if zulu else width - 6   # where the offset starts
        fraction = body - 19                       # 0, or a dot and 3 or 6 digits
        if fraction not in (0, 4, 7):
            continue
        ok = ok_head.copy()
        micro = 0
        if fraction:
            digits, ok_f = _number(u, list(range(20, body)))
            ok &= ok_f & (u[:, 19] == ord("."))
            micro = digits * (1000 if fraction == 4 else 1)
        if zulu:
            ok &= u[:, body] == ord("Z")
            offset = 0
        else:
            hh, ok_h = _number(u, [body + 1, body + 2])
            mm, ok_m = _number(u, [body + 4, body + 5])
            ok &= ((u[:, body] == ord("+")) | (u[:, body] == ord("-"))) & (u[:, body + 3] == ord(":"))
            ok &= ok_h & ok_m & (hh <= 23) & (mm <= 59)
            offset = np.where(u[:, body] == ord("-"), -1, 1) * (hh * 60 + mm) * 60_000_000
        out = np.where(ok, local + micro - offset, out)
    return out


def _parse_column(strings: list) -> np.ndarray:
    """Epoch µs of a column of instants, vectorised for the shapes systems write (see _parse_fixed);
    MIN for anything else (an aware datetime object, a naive or unusual string): the scalar path
    judges those records and words any problem."""
    n = len(strings)
    out = np.full(n, MIN, dtype=np.int64)
    try:
        widths = list(map(len, strings))
        if n and widths.count(widths[0]) == n:
            groups = [(widths[0], slice(None), strings)]
        else:
            w = np.array(widths, dtype=np.int64)
            groups = []
            for width in np.unique(w).tolist():
                where = np.flatnonzero(w == width)
                groups.append((width, where, [strings[i] for i in where.tolist()]))
        for width, where, part in groups:
            if 20 <= width <= 32:
                # a non-ASCII character becomes one `?`: that row fails the shape, the rest do not
                raw = "".join(part).encode("ascii", errors="replace")
                out[where] = _parse_fixed(np.frombuffer(raw, dtype=np.uint8).reshape(-1, width))
    except TypeError:  # not all strings: parse those that are
        where = [i for i, s in enumerate(strings) if type(s) is str]
        out[:] = MIN
        if where:
            out[where] = _parse_column([strings[i] for i in where])
    return out


def evaluate_batch(policy, records, now: int, strict: bool) -> list[TicketResult]:
    """Policy.evaluate_tickets (see `_evaluate_batch`), with the cyclic garbage collector paused:
    the batch allocates only acyclic objects, and rescanning a large live heap at every
    allocation threshold cost more than the evaluation itself."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return _evaluate_batch(policy, records, now, strict)
    finally:
        if enabled:
            gc.enable()


def _concat(parts: list, name: str):
    first = parts[0][2][name]
    if len(parts) == 1:
        return first
    if isinstance(first, list):
        return list(chain.from_iterable(p[2][name] for p in parts))
    return np.concatenate([p[2][name] for p in parts])


def _evaluate_batch(policy, records, now: int, strict: bool) -> list[TicketResult]:
    """Policy.evaluate_tickets: pin each ticket's terms at its opened instant and evaluate by group.

    Records in the common shape are read column by column, every instant is parsed at once, and
    the clocks run vectorised; any other record goes through `parse_ticket` and the scalar clocks,
    which word its problem. Both paths give the same results (tests compare them)."""
    records = records if isinstance(records, list) else list(records)
    sev_names = [s["name"] for s in policy.artifact["severities"]]
    sev_index = {name: i for i, name in enumerate(sev_names)}
    results: list[Optional[TicketResult]] = [None] * len(records)
    status_index: dict[str, int] = {}
    key_ids: dict[tuple, int] = {}
    parts: list = []
    slow: list[int] = []
    tables = (sev_index, status_index, key_ids)
    positions = None
    try:  # the common case: every record read in one go
        if records:
            parts.append((0, len(records), _columns(records, *tables)))
    except _SHAPE_ERRORS:
        # what is not a dict at all is judged one by one; the rest are read as columns,
        # halving any stretch with a record of another rare shape until it stands alone
        is_dict = list(map(isinstance, records, repeat(dict)))
        slow = [i for i, ok in enumerate(is_dict) if not ok]
        positions = np.flatnonzero(is_dict)
        readable = [records[i] for i in positions.tolist()]
        gathered_slow: list[int] = []
        if readable:
            _gather(readable, 0, len(readable), parts, gathered_slow, *tables)
        slow += positions[gathered_slow].tolist()
    if parts:
        _evaluate_fast(policy, results, parts, positions, slow, now, sev_names, status_index, key_ids)
    severities = set(sev_names)
    for position in sorted(slow):  # in input order, so that --strict stops at the first bad record
        results[position] = _one_by_one(policy, records[position], position, now, severities, strict)
    return results


def _event_cap(counts: np.ndarray) -> int:
    """How many events a ticket may have and still go through the vectorised clocks. Each event
    position is one pass over the whole group, and the arrays hold positions × tickets, so the
    longest tickets (the last 1%, and any beyond 64 events) are evaluated one at a time instead."""
    if counts.size == 0:
        return 0
    return min(max(int(np.percentile(counts, 99, method="higher")), 16), 64)


def _evaluate_fast(policy, results, parts, positions, slow, now, sev_names, status_index, key_ids) -> None:
    """Evaluate the records gathered in columns; those that turn out not to be (an unparsed instant,
    events out of order, a ticket opened after `now`, no terms) join `slow`."""
    rows_a = np.concatenate([np.arange(lo, hi, dtype=np.int64) for lo, hi, _ in parts])
    if positions is not None:  # parts count the dicts only: back to places in the input
        rows_a = positions[rows_a]
    ids = _concat(parts, "ids")
    counts_a = _concat(parts, "counts")
    opened = _parse_column(_concat(parts, "opened"))
    e_t = _parse_column(_concat(parts, "ats"))
    n_fast = rows_a.size
    e_row_a = np.repeat(np.arange(n_fast, dtype=np.int64), counts_a)
    first_event = np.cumsum(counts_a) - counts_a
    e_k_a = np.arange(e_t.size, dtype=np.int64) - np.repeat(first_event, counts_a)
    previous = np.where(e_k_a == 0, opened[e_row_a], np.roll(e_t, 1)) if e_t.size else e_t
    bad = np.zeros(n_fast, dtype=bool)
    bad[e_row_a[(e_t < previous) | (e_t == MIN)]] = True
    bad |= _concat(parts, "bad") | (opened == MIN) | (opened > now) | (counts_a > _event_cap(counts_a))
    # terms per record, pinned at its opened instant (per key, not per record); bad ones go scalar
    groups: dict[int, tuple] = {}
    group_of = np.full(n_fast, -1, dtype=np.int64)
    key_of_a = _concat(parts, "key_of")
    slow.extend(rows_a[bad].tolist())
    good = ~bad
    for key, kid in key_ids.items():
        members = np.flatnonzero((key_of_a == kid) & good) if len(key_ids) > 1 else np.flatnonzero(good)
        if members.size == 0:
            continue
        for terms, part in _terms_of(policy, key, opened, members):
            if terms is None:
                slow.extend(rows_a[part].tolist())
                continue
            group = groups.setdefault(id(terms), (len(groups), terms, []))
            group_of[part] = group[0]
            group[2].append(part)
    statuses = list(status_index)
    sev0_a = _concat(parts, "sev")
    events_all = {"row": e_row_a, "k": e_k_a, "t": e_t, "code": _concat(parts, "codes"),
                  "val": _concat(parts, "vals")}
    groups = {gid: (number, terms, np.sort(np.concatenate(members))) for gid, (number, terms, members) in groups.items()}
    single = len(groups) == 1 and next(iter(groups.values()))[2].size == n_fast
    for number, terms, members in groups.values():
        if single:  # every record gathered, in order: the arrays are already this group's
            events, group_ids = events_all, ids
        else:
            local = np.full(n_fast, -1, dtype=np.int64)
            local[members] = np.arange(members.size)
            sel = group_of[e_row_a] == number
            events = {name: arr[sel] for name, arr in events_all.items()}
            events["row"] = local[events["row"]]
            group_ids = [ids[m] for m in members.tolist()]
        positions = rows_a[members].tolist()
        try:
            group_results = evaluate_group(terms, group_ids, opened[members], sev0_a[members], events,
                                           statuses, now, sev_names)
        except InstantError:
            # Some ticket reaches outside the horizon: judge each ticket alone, so that only
            # that one becomes a problem (the scalar clocks give the same answers).
            slow.extend(positions)
            continue
        deque(map(results.__setitem__, positions, group_results), maxlen=0)  # results[p] = r, in C


def _terms_of(policy, key: tuple, opened: np.ndarray, members: np.ndarray):
    """(terms, members) pairs for the records of one key: a tier's terms, or each contract's terms
    for the records opened while it was in force ((None, members) for the rest)."""
    if key[0] == "tier":
        try:
            return [(policy.tier(key[1]), members)]
        except LookupError:
            return [(None, members)]
    _, customer, service = key
    cust = policy.artifact["customers"].get(customer)
    if cust is None or service not in policy.artifact["services"]:
        return [(None, members)]
    out, left = [], np.ones(members.size, dtype=bool)
    times = opened[members]
    for contract in cust["contracts"]:
        if contract["service"] != service:
            continue
        start = instant_us(contract["start"], "start")
        end = instant_us(contract["end"], "end") if contract["end"] else None
        inside = left & (times >= start) & ((times < end) if end is not None else True)
        if inside.any():
            out.append((policy.terms(customer, service, start), members[inside]))
            left &= ~inside
    if left.any():
        out.append((None, members[left]))
    return out


def _one_by_one(policy, record, position: int, now: int, severities: set[str], strict: bool) -> TicketResult:
    """The scalar path for one record: its result, or a result whose `.problem` says what is wrong."""
    try:
        ticket = parse_ticket(record, severities)
        return policy.terms_for_ticket(ticket).evaluate_parsed(ticket, now)
    except (RecordError, InstantError, LookupError) as exc:
        if strict:
            raise RecordError(f"ticket {position + 1}: {exc.args[0] if exc.args else exc}") from None
        rid = record.get("id") if isinstance(record, dict) else None
        return TicketResult(str(rid) if rid is not None else f"#{position + 1}",
                            str(record.get("severity", "")) if isinstance(record, dict) else "",
                            None, None, None, problem=str(exc.args[0]) if exc.args else str(exc))
