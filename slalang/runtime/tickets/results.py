"""Runtime stage: ticket results as columns, and the Python objects that are views over them.

`ResultColumns` is what the engine returns for a batch: one table of metric rows (response,
resolution and the deciding update cycle of each ticket), one of update cycles, one of
escalation records, and the problem of each record that could not be evaluated, all in input
order. Writers (`writers.py`) and `to_arrow` read the columns directly; `TicketResult`,
`MetricResult` and `EscalationStep` are built only when Python code asks for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Optional

import numpy as np

from slalang.runtime.instants import EPOCH, US
from slalang.runtime.tickets.rules import METRICS, STATE_NAMES, U

_FIELDS = ("sev", "goal", "e", "dl", "state", "win", "start", "stopped", "internal", "idl", "istate")


@dataclass
class MetricResult:
    """One metric of one ticket as of `now`."""

    metric: str
    severity: str                   # the severity the metric was judged under
    goal: timedelta
    elapsed: timedelta
    remaining: timedelta            # goal - elapsed; negative once breached
    deadline: Optional[datetime]    # None while paused, and for a cancelled ticket
    state: str                      # running | paused | breached | met | missed | cancelled
    window: str
    started: datetime
    stopped: Optional[datetime] = None
    internal_goal: Optional[timedelta] = None
    internal_deadline: Optional[datetime] = None
    internal_state: Optional[str] = None
    cycles: list["MetricResult"] = field(default_factory=list)   # update: every cycle, oldest first

    def to_json(self) -> dict:
        from slalang.runtime.records import iso_z

        out = {"metric": self.metric, "severity": self.severity, "goal": json_seconds(self.goal),
               "elapsed": json_seconds(self.elapsed), "remaining": json_seconds(self.remaining),
               "deadline": iso_z(self.deadline), "state": self.state, "window": self.window,
               "started": iso_z(self.started), "stopped": iso_z(self.stopped)}
        if self.internal_goal is not None:
            out.update(internal_goal=json_seconds(self.internal_goal), internal_deadline=iso_z(self.internal_deadline),
                       internal_state=self.internal_state)
        if self.cycles:
            out["cycles"] = [c.to_json() for c in self.cycles]
        return out


@dataclass
class EscalationStep:
    """A notification the chain calls for on one clock: when, to whom, how, and whether it is due yet."""

    metric: str
    step: int                 # 1-based position in the chain
    repeat: int               # 0 for the step itself, k for its k-th repeat
    due: Optional[datetime]   # None while the clock is paused
    notify: list[str]
    channels: list[str]
    fired: bool
    cycle: int = 0            # update cycle (1-based) for the update metric, else 0

    def to_json(self) -> dict:
        from slalang.runtime.records import iso_z

        return {"metric": self.metric, "step": self.step, "repeat": self.repeat, "due": iso_z(self.due),
                "notify": self.notify, "channels": self.channels, "fired": self.fired, "cycle": self.cycle}


@dataclass
class TicketResult:
    """Everything a ticket is owed as of `now`: per-metric clocks and the escalations they trigger."""

    id: str
    severity: str
    tier: Optional[str]
    customer: Optional[str]
    service: Optional[str]
    metrics: dict[str, MetricResult] = field(default_factory=dict)
    escalations: list[EscalationStep] = field(default_factory=list)
    problem: Optional[str] = None   # set (and nothing else) when the record could not be evaluated

    def to_json(self) -> dict:
        out: dict[str, Any] = {"id": self.id, "severity": self.severity, "tier": self.tier,
                               "customer": self.customer, "service": self.service}
        if self.problem is not None:
            out["problem"] = self.problem
            return out
        out["metrics"] = {k: m.to_json() for k, m in self.metrics.items()}
        out["escalations"] = [e.to_json() for e in self.escalations]
        return out


def json_seconds(td: timedelta) -> float | int:
    """A duration as JSON and CSV write it: whole seconds as an int, else fractional."""
    us = td // US
    return us // 1_000_000 if us % 1_000_000 == 0 else us / 1_000_000


class ResultColumns:
    """The results of n tickets as columns (see the module docstring). Tables are dicts of equal
    length numpy arrays: `metrics` and `cycles` (row, metric/cycle and the clock's fields) and
    `esc` (row, metric, cycle, due, fired, ref into `refs`); all sorted by row."""

    def __init__(self, *, ids, problems: dict[int, str], raw_severity: dict[int, str], final_sev: np.ndarray,
                 terms_of_row: np.ndarray, terms: list, sev_names: list[str], window_names: list[str],
                 metrics: dict, cycles: dict, esc: dict, refs: list):
        self.ids = ids
        self.problems = problems
        self.raw_severity = raw_severity
        self.final_sev = final_sev
        self.terms_of_row = terms_of_row
        self.terms = terms
        self.sev_names = sev_names
        self.window_names = window_names
        self.metrics, self.cycles, self.esc, self.refs = metrics, cycles, esc, refs
        self._lists: Optional[tuple] = None
        self.problem_kinds: dict[int, type] = {}   # row -> the error class of its problem (default RecordError)
        self.unnamed: set = set()                  # rows whose record has no id (named `#POSITION`)

    @property
    def n(self) -> int:
        return int(self.final_sev.size)

    def id_list(self) -> list[str]:
        if not isinstance(self.ids, list):
            self.ids = self.ids.to_pylist()
        return self.ids

    # -- views for Python users ---------------------------------------------------------------------
    def views(self) -> list[TicketResult]:
        """One TicketResult per ticket, in input order; a problem row's has only `.problem` set."""
        ids = self.id_list()
        out: list[TicketResult] = list(map(_LazyTicket, ids, [self] * len(ids), range(len(ids))))
        for r, message in self.problems.items():
            out[r] = TicketResult(ids[r], self.raw_severity.get(r, ""), None, None, None, problem=message)
        return out

    def ticket_terms(self, i: int) -> tuple[Optional[str], Optional[str], Optional[str]]:
        tid = int(self.terms_of_row[i])
        if tid < 0:
            return None, None, None
        t = self.terms[tid]
        return t.tier, t.customer, t.service

    def _python(self) -> tuple:
        """Every field as Python values, converted column by column on the first read."""
        if self._lists is None:
            m, c, x = self.metrics, self.cycles, self.esc
            self._lists = (
                _fields(m, self), np.searchsorted(m["row"], np.arange(self.n + 1)).tolist(),
                _fields(c, self), np.searchsorted(c["row"], np.arange(self.n + 1)).tolist(),
                {"metric": x["metric"].tolist(), "cycle": x["cycle"].tolist(), "due": instants(x["due"]),
                 "fired": x["fired"].tolist(), "ref": x["ref"].tolist()},
                np.searchsorted(x["row"], np.arange(self.n + 1)).tolist(),
            )
        return self._lists

    def metric_views(self, i: int) -> dict[str, MetricResult]:
        mf, mb, cf, cb, _, _ = self._python()
        out = {}
        for j in range(mb[i], mb[i + 1]):
            metric = METRICS[mf["metric"][j]]
            view = _metric(metric, mf, j)
            if mf["metric"][j] == U:
                view.cycles = [_metric("update", cf, q) for q in range(cb[i], cb[i + 1])]
            out[metric] = view
        return out

    def escalation_views(self, i: int) -> list[EscalationStep]:
        *_, xf, xb = self._python()
        out = []
        for j in range(xb[i], xb[i + 1]):
            step, repeat, notify, channels = self.refs[xf["ref"][j]]
            out.append(EscalationStep(METRICS[xf["metric"][j]], step, repeat, xf["due"][j], list(notify),
                                      list(channels), xf["fired"][j], xf["cycle"][j]))
        return out


def _fields(a: dict, cols: ResultColumns) -> dict:
    goal, e, internal = a["goal"], a["e"], a["internal"]
    return {"metric": a["metric"].tolist() if "metric" in a else None,
            "sev": list(map(cols.sev_names.__getitem__, a["sev"].tolist())),
            "goal": durations(goal), "e": durations(e), "remaining": durations(goal - e),
            "dl": instants(a["dl"]), "state": list(map(STATE_NAMES.__getitem__, a["state"].tolist())),
            "win": list(map(cols.window_names.__getitem__, a["win"].tolist())), "start": instants(a["start"]),
            "stopped": instants(a["stopped"]), "has_internal": (internal >= 0).tolist(),
            "internal": durations(internal), "idl": instants(a["idl"]),
            "istate": list(map(STATE_NAMES.__getitem__, a["istate"].tolist()))}


def _metric(name: str, f: dict, j: int) -> MetricResult:
    m = MetricResult(name, f["sev"][j], f["goal"][j], f["e"][j], f["remaining"][j], f["dl"][j], f["state"][j],
                     f["win"][j], f["start"][j], f["stopped"][j])
    if f["has_internal"][j]:
        m.internal_goal, m.internal_deadline, m.internal_state = f["internal"][j], f["idl"][j], f["istate"][j]
    return m


def durations(us: np.ndarray) -> list:
    """timedeltas of µs counts, made in C."""
    return us.astype("timedelta64[us]").tolist()


def instants(us: np.ndarray) -> list:
    """Aware UTC datetimes of epoch µs, None for MIN."""
    return [None if d is None else EPOCH + d for d in us.astype("timedelta64[us]").tolist()]


class _LazyTicket(TicketResult):
    """A ticket's result, read from the batch's columns the first time a field is used. Made
    100,000 at a time, so it holds only its place in the batch."""

    problem = None

    def __init__(self, ticket_id: str, cols: ResultColumns, i: int):  # noqa: D107 - see the class
        self.id, self._cols, self._i = ticket_id, cols, i

    def __getattr__(self, name: str):
        # only called for fields not set yet: fill them from the columns
        cols, i = self.__dict__["_cols"], self.__dict__["_i"]
        if name == "severity":
            value = cols.sev_names[cols.final_sev[i]]     # the severity in force as of now
        elif name in ("tier", "customer", "service"):
            value = cols.ticket_terms(i)[("tier", "customer", "service").index(name)]
        elif name == "metrics":
            value = cols.metric_views(i)
        elif name == "escalations":
            value = cols.escalation_views(i)
        else:
            raise AttributeError(name)
        self.__dict__[name] = value
        return value


# -- assembly from the kernel's groups ----------------------------------------------------------------

def assemble(policy, cols, terms_list: list, tables_list: list, terms_of_row: np.ndarray, outputs: list,
             problems: dict[int, str]) -> ResultColumns:
    """Gather the kernel's per-group columns into batch-wide tables in input order, dropping the
    rows that became problems."""
    n = cols.n
    sev_names = policy.severity_list
    window_names: list[str] = []
    window_index: dict[str, int] = {}
    refs: list = []
    ref_base: dict[int, int] = {}
    final_sev = np.full(n, -1, dtype=np.int64)
    m_parts: list[dict] = []
    c_parts: list[dict] = []
    x_parts: list[dict] = []
    for tid, rows, out in outputs:
        tables = tables_list[tid]
        win_map = np.array([window_index.setdefault(w.id, len(window_index)) for w in tables.windows] + [0],
                           dtype=np.int64)
        if tid not in ref_base:
            ref_base[tid] = len(refs)
            refs.extend((index + 1, k, tuple(tables.steps[index]["notify"]), tuple(tables.steps[index]["channels"]))
                        for index, k, _ in tables.plan)
        final_sev[rows] = out["sev"]
        whole = rows.size == n   # the group is the whole batch: its row numbers are the batch's

        def batch_rows(local):
            return local if whole else rows[local]

        m = out["metrics"]
        part = {k: m[k] for k in _FIELDS}
        part["win"] = win_map[m["win"]]
        part["row"], part["metric"] = batch_rows(m["row"]), m["metric"]
        m_parts.append(part)
        cyc = out["cycles"]
        keep = cyc["goal"] >= 0
        keep = slice(None) if keep.all() else keep
        part = {k: cyc[k][keep] for k in _FIELDS}
        part["win"] = win_map[part["win"]]
        part["row"], part["cycle"] = batch_rows(cyc["row"][keep]), cyc["cycle"][keep]
        c_parts.append(part)
        x = out["esc"]
        x_parts.append({"row": batch_rows(x["row"]), "metric": x["metric"], "cycle": x["cycle"], "gen": x["gen"],
                        "ref": x["p"] + ref_base[tid], "due": x["due"], "fired": x["fired"]})
        window_names = list(window_index)
    bad = np.zeros(n, dtype=bool)
    if problems:
        bad[list(problems)] = True
        final_sev[bad] = -1
    cycles = _concat(c_parts, ("row", "cycle", *_FIELDS))
    metrics = _concat(m_parts, ("row", "metric", *_FIELDS))
    if problems:
        cycles = _take(cycles, np.flatnonzero(~bad[cycles["row"]]))
        metrics = _take(metrics, np.flatnonzero(~bad[metrics["row"]]))
    if len(outputs) > 1:   # each group's cycles are in ticket order; groups interleave
        cycles = _take(cycles, np.argsort(cycles["row"], kind="stable"))
    if len(outputs) > 1:   # the kernel writes each ticket's metrics in order; groups interleave
        metrics = _take(metrics, np.argsort(metrics["row"], kind="stable"))
    esc = _concat(x_parts, ("row", "metric", "cycle", "gen", "ref", "due", "fired"))
    if problems:
        esc = _take(esc, np.flatnonzero(~bad[esc["row"]]))
    if len(outputs) > 1:
        # the kernel lists each ticket's records in order; groups interleave tickets
        esc = _take(esc, np.argsort(esc["row"], kind="stable"))
    return ResultColumns(ids=cols.ids, problems=problems, raw_severity=cols.raw_severity, final_sev=final_sev,
                         terms_of_row=np.where(bad, -1, terms_of_row), terms=terms_list, sev_names=sev_names,
                         window_names=window_names or [""], metrics=metrics, cycles=cycles, esc=esc, refs=refs)


def _concat(parts: list[dict], names: tuple) -> dict:
    if not parts:
        return {k: np.zeros(0, dtype=bool if k == "fired" else np.int64) for k in names}
    return {k: np.concatenate([p[k] for p in parts]) if len(parts) > 1 else parts[0][k] for k in names}


def _take(table: dict, index: np.ndarray) -> dict:
    return {k: v[index] for k, v in table.items()}
