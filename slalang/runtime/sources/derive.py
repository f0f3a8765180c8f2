"""Runtime stage: what a ticket's statuses mean (SPEC §12), compiled — the one definition of the
rules that turn a ticket's mapped rows, in time order, into §7 events.

For each ticket: the first severity given is the one it opened with, a later different one is
a severity change; entering a status mapped to `resolved` resolves (Resolved -> Closed, both
`resolved`, is no reopening) and leaving it for another reopens; entering `cancelled` cancels and
ends the ticket (later rows are not read); any other status is a status event, a repeat of the
status in force is none; the first entry into a raw value mapped with `responds` (a change of
raw value into it, the status a ticket opens in included) is the first response, once per
ticket; an explicit `type` is that event. The kernel also finds a ticket's first row whose value
the source does not map (in time order, up to its cancellation), a ticket with no severity, and
one with a change before its `opened` instant. The test suite keeps a plain Python version of
the same rules as its oracle (tests/oracle/sources.py).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from slalang.runtime.tickets.rules import CANCELLED, MIN, REOPENED, RESOLVED, RESPONDED, SEV, STATUS

# what a mapped raw status is
K_NONE, K_STATUS, K_RESOLVED, K_CANCELLED = 0, 1, 2, 3
# what the kernel finds wrong with a ticket
P_NONE, P_UNMAPPED, P_NO_SEVERITY = 0, 1, 2


@njit(cache=True, nogil=True)
def _emit(write, ne, ev_t, ev_code, ev_val, at, code, val):
    if write:
        ev_t[ne], ev_code[ne], ev_val[ne] = at, code, val
    return ne + 1


@njit(cache=True, nogil=True)
def derive(write, lo, hi, order, t, kind, status, responds, raw, sev, typ, err, opened_in,
           opened, sev0, counts, problem, problem_row, ev_t, ev_code, ev_val):
    """Tickets i = 0..len(lo)-1, each the rows order[lo[i]..hi[i]-1] of the row arrays (in time
    order): writes each ticket's opened instant, initial severity, events (flat, `counts` per
    ticket; only counted unless `write`) and problem (with the position in `order` it is at).
    Status 0 is `open`, the status a ticket starts in. Returns (events kept, the room the
    writing needs)."""
    ne = 0
    peak = 0   # the most events written at once: a ticket found wrong is written, then taken back
    for i in range(lo.size):
        first_event = ne
        opens = opened_in[i] == MIN   # no `opened` field: the first row opens the ticket
        at0 = opened_in[i] if not opens else t[order[lo[i]]]
        severity = -1
        initial = -1
        resolved = False
        cancelled = False
        responded = False
        current = 0
        previous_raw = -1
        problem[i] = P_NONE
        problem_row[i] = -1
        for q in range(lo[i], hi[i]):
            k = order[q]
            if cancelled:
                break
            if err[k] >= 0:
                problem[i] = P_UNMAPPED
                problem_row[i] = q
                break
            at = t[k] if t[k] > at0 else at0   # a change logged before `opened` is the state at opening
            if sev[k] >= 0:
                if severity < 0:
                    severity = sev[k]
                    initial = sev[k]
                elif sev[k] != severity:
                    ne = _emit(write, ne, ev_t, ev_code, ev_val, at, SEV, sev[k])
                    severity = sev[k]
            if kind[k] == K_CANCELLED:
                ne = _emit(write, ne, ev_t, ev_code, ev_val, at, CANCELLED, 0)
                cancelled = True
            elif kind[k] == K_RESOLVED:
                if not resolved:
                    ne = _emit(write, ne, ev_t, ev_code, ev_val, at, RESOLVED, 0)
                    resolved = True
            elif kind[k] == K_STATUS:
                if resolved:
                    ne = _emit(write, ne, ev_t, ev_code, ev_val, at, REOPENED, 0)
                    resolved = False
                if status[k] != current:
                    ne = _emit(write, ne, ev_t, ev_code, ev_val, at, STATUS, status[k])
                    current = status[k]
                if responds[k] and not responded and raw[k] != previous_raw:
                    ne = _emit(write, ne, ev_t, ev_code, ev_val, at, RESPONDED, 0)
                    responded = True
            if kind[k] != K_NONE:
                previous_raw = raw[k]
            if typ[k] >= 0:
                ne = _emit(write, ne, ev_t, ev_code, ev_val, at, typ[k], 0)
                if typ[k] == RESPONDED:
                    responded = True
        if problem[i] == P_NONE and initial < 0:
            problem[i] = P_NO_SEVERITY
        peak = max(peak, ne)
        if problem[i] != P_NONE:
            ne = first_event
            counts[i] = 0
        else:
            counts[i] = ne - first_event
        opened[i] = at0
        sev0[i] = initial
    return ne, peak


def run(lo: np.ndarray, hi: np.ndarray, order: np.ndarray, t: np.ndarray, kind: np.ndarray, status: np.ndarray,
        responds: np.ndarray, raw: np.ndarray, sev: np.ndarray, typ: np.ndarray, err: np.ndarray,
        opened_in: np.ndarray) -> dict:
    """`derive` twice: once to count the events, once to write them into arrays of that size."""
    n = lo.size
    out = {"opened": np.empty(n, np.int64), "sev": np.empty(n, np.int64), "counts": np.empty(n, np.int64),
           "problem": np.empty(n, np.int64), "problem_row": np.empty(n, np.int64)}
    args = (lo, hi, order, t, kind, status, responds, raw, sev, typ, err, opened_in, out["opened"], out["sev"],
            out["counts"], out["problem"], out["problem_row"])
    none = np.empty(0, np.int64)
    kept, room = derive(False, *args, none, none, none)
    ev_t, ev_code, ev_val = (np.empty(room, np.int64) for _ in range(3))
    derive(True, *args, ev_t, ev_code, ev_val)
    out["ev_t"], out["ev_code"], out["ev_val"] = ev_t[:kept], ev_code[:kept], ev_val[:kept]
    return out

