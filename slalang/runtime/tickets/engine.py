"""Runtime stage: the ticket engine — pins each ticket's terms, groups tickets by terms and by
event count, runs the kernel on each group and gathers the result columns in input order.

A record that cannot be evaluated (malformed, opened after `now`, no terms, a clock reaching
outside the horizon) is a problem of that row only: the rest of its group is evaluated as usual.
"""

from __future__ import annotations

from collections import deque
from itertools import islice
from typing import Callable, Iterable, Iterator, Optional, TypeVar

import numpy as np

from slalang.runtime.errors import HorizonError, RecordError
from slalang.runtime.instants import instant_us
from slalang.runtime.tickets.columns import TicketColumns
from slalang.runtime.tickets.kernel import CORES, run_group
from slalang.runtime.tickets.results import ResultColumns, assemble
from slalang.runtime.tickets.rules import Tables



def tables_of(terms, sev_names: list[str]) -> Tables:
    """The kernel's tables of a terms object, built once and kept on it."""
    found = terms.__dict__.get("_tables")
    if found is None:
        found = terms.__dict__["_tables"] = Tables(terms, sev_names)
    return found


def evaluate_columns(policy, cols: TicketColumns, now: int, *, strict: bool = False, terms=None,
                     threads: Optional[int] = None) -> ResultColumns:
    """Every ticket of `cols` as of `now` (epoch µs), each under the terms in force at its opened
    instant (or every one under `terms`, for `Terms.evaluate_ticket`). With `strict`, the first
    problem in input order raises RecordError instead. The kernel runs on `threads` threads
    (default: one per core, for a batch large enough)."""
    from slalang.runtime.records import iso_z

    sev_names = policy.severity_list
    n = cols.n
    problems = dict(cols.problems)
    ok = np.ones(n, dtype=bool)
    if problems:
        ok[list(problems)] = False
    kinds: dict[int, type] = {}   # the error each problem is, for callers of one ticket
    terms_list: list = []
    terms_index: dict[int, int] = {}
    terms_of_row = np.full(n, -1, dtype=np.int64)
    single_key = len(cols.keys) == 1
    if terms is not None:
        terms_list.append(terms)
        terms_of_row[ok] = 0
    for kid, key in enumerate(cols.keys if terms is None else ()):
        if key[0] == "bad":
            continue
        members = np.flatnonzero(ok if single_key else ok & (cols.key_of == kid))
        if members.size == 0:
            continue
        for terms, part in _terms_of(policy, key, cols.opened, members):
            if terms is None:
                for r in part.tolist():
                    problems[r] = _no_terms(policy, key, int(cols.opened[r]))
                    kinds[r] = LookupError
                continue
            tid = terms_index.setdefault(id(terms), len(terms_list))
            if tid == len(terms_list):
                terms_list.append(terms)
            terms_of_row[part] = tid
    # a ticket opened after `now` (once its terms are known: no terms is the first thing to say)
    late = np.flatnonzero((terms_of_row >= 0) & (cols.opened > now))
    if late.size:
        ids = cols.id_list()
        for r in late.tolist():
            problems[r] = (f"ticket {ids[r]} is opened at {iso_z(int(cols.opened[r]))}, "
                           f"after now ({iso_z(now)})")
        terms_of_row[late] = -1
    horizon = policy.windows.start_us, policy.windows.end_us
    ev_first = np.cumsum(cols.counts) - cols.counts
    outputs = []
    tables_list = [tables_of(t, sev_names) for t in terms_list]
    for tid, tables in enumerate(tables_list):
        pausing = np.array([s in tables.pause_when for s in cols.statuses] or [False], dtype=np.int64)
        everyone = len(terms_list) == 1 and not problems and (terms_of_row == 0).all()
        rows = np.arange(n) if everyone else np.flatnonzero(terms_of_row == tid)
        events = _events_of_rows(cols, rows, ev_first)
        out = run_group(tables, horizon, cols.opened[rows], cols.sev[rows], cols.counts[rows], events["t"],
                        events["code"], events["val"], pausing, now, threads=threads)
        outputs.append((tid, rows, out))
    first, last = policy.horizon
    for _, rows, out in outputs:
        for r in rows[out["outside"]].tolist():
            kinds[r] = HorizonError
            problems[r] = (f"a clock of this ticket runs outside the policy horizon {first}..{last}, where "
                           f"slalang has no window data; widen `horizon` in the policy header")
    if strict and problems:
        r = min(problems)
        raise RecordError(f"ticket {cols.first + r + 1}: {problems[r]}")
    for r in problems:   # a problem found after reading keeps the severity the record gave
        if r not in cols.raw_severity and cols.sev[r] >= 0:
            cols.raw_severity[r] = sev_names[cols.sev[r]]
    result = assemble(policy, cols, terms_list, tables_list, terms_of_row, outputs, problems)
    result.problem_kinds, result.unnamed = kinds, cols.unnamed
    result.status_columns = cols   # `status_use` reads them when a run's summary asks (never per ticket)
    return result


def status_use(cols: TicketColumns, problems: dict) -> dict[str, tuple[int, int]]:
    """Each status the evaluated tickets' events name: (events, tickets)."""
    from slalang.runtime.tickets.rules import STATUS

    if not cols.statuses or cols.ev_code.size == 0:
        return {}
    rows = np.repeat(np.arange(cols.n), cols.counts)
    keep = cols.ev_code == STATUS
    if problems:
        keep &= ~np.isin(rows, list(problems))
    vals, rows = cols.ev_val[keep], rows[keep]
    events = np.bincount(vals, minlength=len(cols.statuses))
    pairs = np.unique(vals * (cols.n + 1) + rows)
    tickets = np.bincount(pairs // (cols.n + 1), minlength=len(cols.statuses))
    return {name: (int(events[i]), int(tickets[i])) for i, name in enumerate(cols.statuses) if events[i]}


T = TypeVar("T")
R = TypeVar("R")


def in_order(work: Callable[[T, Optional[int]], R], items: Iterable[T]) -> Iterator[R]:
    """`work(item, threads)` for every item, results in input order, one batch per core at a time:
    whole batches side by side keep both the kernel and the Arrow/numpy work around it busy on
    every core (each releases the GIL), where threads inside the kernel alone leave the rest of a
    batch on one core. Each such batch's kernel then runs on one thread (`threads=1`); an input
    of a single batch runs alone with the kernel's own threads (`threads=None`). At most one
    batch per core plus one is read ahead, so memory stays bounded."""
    it = iter(items)
    head = list(islice(it, 2))
    if len(head) < 2 or CORES < 2:
        for item in head:
            yield work(item, None)
        for item in it:
            yield work(item, None)
        return
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(CORES, thread_name_prefix="slalang-batch")
    try:
        pending = deque(pool.submit(work, item, 1) for item in head)
        for item in it:
            while len(pending) >= CORES:
                yield pending.popleft().result()
            pending.append(pool.submit(work, item, 1))
        while pending:
            yield pending.popleft().result()
    finally:   # a failed batch or a consumer that stops early: drop what has not started
        pool.shutdown(wait=True, cancel_futures=True)


def _events_of_rows(cols: TicketColumns, rows: np.ndarray, ev_first: np.ndarray) -> dict:
    """The flat event arrays (instant, code, value) of the selected tickets, in their order."""
    counts = cols.counts[rows]
    total = int(counts.sum())
    if rows.size == cols.n and total == cols.ev_t.size:  # every ticket, in order
        return {"t": cols.ev_t, "code": cols.ev_code, "val": cols.ev_val}
    local_first = np.cumsum(counts) - counts
    idx = np.repeat(ev_first[rows] - local_first, counts) + np.arange(total, dtype=np.int64)
    return {"t": cols.ev_t[idx], "code": cols.ev_code[idx], "val": cols.ev_val[idx]}


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


def _no_terms(policy, key: tuple, opened: int) -> str:
    """Why a ticket has no terms, as `Policy.terms_for_ticket` words it."""
    try:
        if key[0] == "tier":
            policy.tier(key[1])
        elif key[1] is None or key[2] is None:
            raise LookupError("a ticket needs a tier, or a customer and a service")
        else:
            policy.terms(key[1], key[2], opened)
    except LookupError as exc:
        return str(exc.args[0]) if exc.args else str(exc)
    return "no terms in force for this ticket"  # pragma: no cover - _terms_of found none
