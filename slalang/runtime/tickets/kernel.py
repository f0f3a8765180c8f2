"""Runtime stage: the ticket engine's kernel — the clock rules of SPEC §4, vectorised.

Tickets sharing terms are evaluated together: one numpy pass per event position (a ticket has
a handful of events; tickets are bucketed by event count so a long one never widens a short
one's pass), each pass advancing every ticket's clocks over one segment of time. Deadlines and
escalation steps are threshold crossings recorded as elapsed time grows; a goal change fires,
at the change, every step whose new threshold is already passed (a step reached exactly at the
change is judged under the new goal), so a step fires once per clock.

This is the only production evaluator: `evaluate_ticket`, `evaluate_tickets`, `evaluate_arrow`,
`slalang test`, `report`, `eval` and Spark all run it. The test suite compares it with a
deliberately simple scalar engine (tests/oracle).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from slalang.runtime.tickets.rules import (MIN, NOOP, R, REOPENED, RESOLVED, RESPONDED, S, SEV, STATUS, U, UPDATED,
                                           Tables)


class Batch:
    """The clocks of n tickets under one set of terms, advanced together."""

    def __init__(self, tables: Tables, opened: np.ndarray, sev: np.ndarray, axes: list,
                 horizon: tuple[int, int]):
        n = len(opened)
        t = tables
        self.t, self.n, self.restart = t, n, t.restart
        # rows whose clocks reach outside the horizon, where no window data exists: each becomes
        # a problem of its own record, never an exception for the whole batch
        self.outside = np.zeros(n, dtype=bool)
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
            self._outside(idx, a_i, b_i)
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
                target[idx[hit]] = self._at(w[hit], f0[hit] + need, idx[hit])

    def _outside(self, rows: np.ndarray, a: np.ndarray, b: np.ndarray, allow_end: bool = True) -> None:
        """Flag the rows whose span [a, b] leaves the horizon (an end bound may be its end)."""
        start, end = self.horizon
        out = (a < start) | (b > end) if allow_end else (a < start) | (b >= end)
        if out.any():
            self.outside[rows[out]] = True

    def _at(self, w: np.ndarray, x: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The instants at which x open µs have passed on the axis of window w (per row); MIN, and
        the row flagged, where that lies beyond the horizon."""
        out = np.empty(x.size, dtype=np.int64)
        for wi in (np.unique(w).tolist() if len(self.axes) > 1 else [0]):
            sel = w == wi if len(self.axes) > 1 else slice(None)
            axis = self.axes[wi]
            xs = x[sel]
            beyond = xs > axis.reach
            if beyond.any():
                self.outside[rows[sel][beyond]] = True
                xs = np.where(beyond, 0, xs)
            out[sel] = np.where(beyond, MIN, axis.instant_at(xs))
        return out

    def _add(self, w: np.ndarray, a: np.ndarray, need: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The instants at which need open µs of window w have passed since a (per row)."""
        self._outside(rows, a, a, allow_end=False)
        a = np.clip(a, self.horizon[0], self.horizon[1] - 1)
        out = np.empty(a.size, dtype=np.int64)
        for wi in np.unique(w).tolist():
            sel = np.flatnonzero(w == wi)
            axis = self.axes[wi]
            x = axis.open_at(a[sel]) + need[sel]
            out[sel] = np.where(need[sel] == 0, a[sel], self._at(np.full(sel.size, wi), x, rows[sel]))
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
                    due[pos] = self._add(t.win[c, sev[pos]], np.full(pos.size, now, dtype=np.int64), need, idx[pos])
            else:
                keep &= fired  # a closed cycle keeps only what fired
            sel = np.flatnonzero(keep)
            if sel.size:
                self.escalations.append({"row": idx[sel], "metric": c, "cycle": cycle[sel] if c == U else
                                         np.zeros(sel.size, dtype=np.int64), "gen": self.gen[c, idx[sel]],
                                         "p": p, "due": due[sel], "fired": fired[sel]})


def run_group(tables: Tables, axes: list, horizon: tuple[int, int], opened: np.ndarray, sev0: np.ndarray,
              events: dict, pausing: np.ndarray, now: int) -> dict:
    """Evaluate n tickets under one terms' tables as of `now` (epoch µs); the raw result columns.

    `events` holds flat arrays in ticket order: row (0..n-1), k (position in the ticket), t, code
    and val (a severity index, or a status index into `pausing`, which says whether each status
    pauses). `axes` are the open-time axes of `tables.windows`, one each."""
    n = opened.size
    start_h, end_h = horizon

    def on_axes(t: np.ndarray) -> np.ndarray:
        # instants outside the horizon are clamped here; a running clock reaching them flags its row
        t = np.clip(t, start_h, end_h)
        return np.stack([axis.open_at(t) for axis in axes]) if axes else np.zeros((0, t.size), dtype=np.int64)

    batch = Batch(tables, opened, sev0, axes, horizon)
    named = events["code"] == SEV
    batch.can_have[events["val"][named], events["row"][named]] = True
    batch.severities_met = np.flatnonzero(batch.can_have.any(axis=1)).tolist()
    k_max = int(events["k"].max()) + 1 if events["k"].size else 0
    ev_t = np.full((k_max, n), MIN, dtype=np.int64)
    ev_code = np.zeros((k_max, n), dtype=np.int64)
    ev_val = np.zeros((k_max, n), dtype=np.int64)  # severity index, or 1 for a pausing status
    if events["k"].size:
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
    return _columns(batch, now)



def _deadlines(batch: "Batch", c: int, rows, goal, internal, e, stopped, reach_g, reach_i, sev, now, paused):
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
            dl[pos] = batch._add(w[pos], stopped[pos], g[pos] - e[pos], rows[pos])
        projected = has & ~reached & (stopped == MIN) & ~paused
        pos = np.flatnonzero(projected)
        if pos.size:
            dl[pos] = batch._add(w[pos], np.full(pos.size, now, dtype=np.int64), g[pos] - e[pos], rows[pos])
        out.append(dl)
    return out


def _states(goal, e, stopped, paused) -> np.ndarray:
    # 0 met, 1 missed, 2 breached, 3 paused, 4 running
    return np.where(stopped != MIN, np.where(e <= goal, 0, 1),
                    np.where(e > goal, 2, np.where(paused, 3, 4)))




def _clock_arrays(batch: "Batch", c: int, rows, sev, e, start, stopped, reach_g, reach_i, paused, now) -> dict:
    """Every field of a set of clocks as arrays; a metric is read from them by position."""
    t = batch.t
    goal, internal = t.goal[c, sev], t.internal[c, sev]
    dl, idl = _deadlines(batch, c, rows, goal, internal, e, stopped, reach_g, reach_i, sev, now, paused)
    return {"sev": sev, "goal": goal, "e": e, "dl": dl, "state": _states(goal, e, stopped, paused),
            "win": t.win[c, sev], "start": start, "stopped": stopped, "internal": internal, "idl": idl,
            "istate": _states(internal, e, stopped, paused)}




def _columns(batch: Batch, now: int) -> dict:
    """The raw result columns of a group: response and resolution clocks per row, every update
    cycle, every escalation record, the severity in force, and the rows outside the horizon."""
    n = batch.n
    rows = np.arange(n)
    clocks = []
    for c in (R, S):
        sev, stopped = batch.sev_c[c], batch.stopped[c]
        clocks.append(_clock_arrays(batch, c, rows, sev, batch.e[c], batch.start[c], stopped,
                                    batch.reach_g[c][sev, rows], batch.reach_i[c][sev, rows],
                                    batch.paused & (stopped == MIN), now))
    cyc = {k: np.concatenate([rec[k] for rec in batch.cycles]) for k in batch.cycles[0]}
    cycles = _clock_arrays(batch, U, cyc["row"], cyc["sev"], cyc["e"], cyc["start"], cyc["stopped"],
                           cyc["reach_g"], cyc["reach_i"], batch.paused[cyc["row"]] & (cyc["stopped"] == MIN), now)
    cycles["row"], cycles["cycle"] = cyc["row"], cyc["cycle"]
    if batch.escalations:
        esc = {k: np.concatenate([np.broadcast_to(rec[k], rec["row"].shape) for rec in batch.escalations])
               for k in ("row", "metric", "cycle", "gen", "p", "due", "fired")}
    else:
        esc = {k: np.zeros(0, dtype=bool if k == "fired" else np.int64)
               for k in ("row", "metric", "cycle", "gen", "p", "due", "fired")}
    return {"clocks": clocks, "cycles": cycles, "esc": esc, "sev": batch.sev, "outside": batch.outside}
