"""The oracle's ticket evaluation (SPEC §4): a walk over one ticket's events, then its JSON.

`evaluate(policy, ticket, now)` returns exactly what `TicketResult.to_json()` gives for a ticket
the product can evaluate, and raises what the product raises for one it cannot: RecordError (a
malformed record, or a ticket opened after `now`), InstantError (a bad `now`), HorizonError
(a clock that runs, or a deadline that lies, outside the policy horizon) or LookupError (no
terms for the ticket).
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional, Union

from slalang.runtime.errors import RecordError
from slalang.runtime.records import Ticket, from_us, instant_us, iso_z, parse_ticket

from oracle.clock import Clock, Epoch, after_threshold, percent_threshold

def evaluate(policy, ticket: Union[dict, Ticket], now: Union[str, datetime, int]) -> dict:
    """One ticket (a §7 dict or a parsed Ticket) as of `now` (ISO string, aware datetime or epoch
    µs), under the terms it is pinned to at its opened instant: `TicketResult.to_json()`."""
    now_us = _now_us(now)
    t = ticket if isinstance(ticket, Ticket) else parse_ticket(ticket, policy.severity_names)
    return evaluate_under(policy, terms_for(policy, t), t, now_us)


def _now_us(now) -> int:
    return now if isinstance(now, int) and not isinstance(now, bool) else instant_us(now, "now")


def terms_for(policy, t: Ticket):
    """The terms a ticket is pinned to: the tier it names, or its contract in force when opened."""
    if t.tier is not None:
        return policy.tier(t.tier)
    if t.customer is None or t.service is None:
        raise LookupError("a ticket needs a tier, or a customer and a service")
    return policy.terms(t.customer, t.service, t.opened)


def evaluate_under(policy, terms, ticket: Union[dict, Ticket], now: Union[str, datetime, int]) -> dict:
    """`evaluate` under terms chosen by the caller (as `terms.evaluate_ticket` does)."""
    t = ticket if isinstance(ticket, Ticket) else parse_ticket(ticket, policy.severity_names)
    return _Evaluation(policy, terms, t, _now_us(now)).json()


# -- the terms, as the oracle reads them from the artifact ---------------------------------------

class Rules:
    """What the clocks need from a tier or contract, read from its compiled objectives (the
    artifact's data, contract overrides already merged by `policy.terms`), not from the product's
    derived tables."""

    def __init__(self, policy, terms):
        objectives = terms.objectives
        support = objectives["support"]["window"]
        # (metric, severity) -> (goal µs, internal goal µs or None, window id)
        self.targets = {(t["metric"], t["severity"]): (t["goal"] * 1_000_000,
                                                       t["internal"] * 1_000_000 if t["internal"] else None,
                                                       t["window"] or support)
                        for t in objectives.get("targets", [])}
        self.pause_when = set(objectives.get("pause_when", ()))
        self.restart = objectives.get("on_severity_change") == "restart"
        chain_id = objectives.get("escalation")
        self.chain = policy.artifact["escalations"].get(chain_id) if chain_id else None
        self.plan = escalation_plan(self.chain)


def escalation_plan(chain: Optional[dict]) -> list[tuple[int, int, object]]:
    """(step index, repeat k, goal -> threshold µs) for every notification the chain can send."""
    if chain is None or not chain["steps"]:
        return []
    thresholds = []
    for step in chain["steps"]:
        if step["trigger"] == "percent":
            thresholds.append(percent_threshold(step["percent"]))
        else:  # `at breach` and `at breach + D`
            thresholds.append(after_threshold(step["after"] * 1_000_000))
    plan = [(i, 0, threshold) for i, threshold in enumerate(thresholds)]
    repeat = chain.get("repeat")
    if repeat:
        last, every = thresholds[-1], repeat["every"] * 1_000_000
        for k in range(1, repeat["times"] + 1):
            plan.append((len(thresholds) - 1, k, lambda goal, k=k: last(goal) + k * every))
    return plan


def seconds(us: int) -> Union[int, float]:
    """A duration as the JSON says it: whole seconds as an int, else fractional seconds."""
    return us // 1_000_000 if us % 1_000_000 == 0 else us / 1_000_000


def instant(us: Optional[int]) -> Optional[str]:
    return None if us is None else iso_z(from_us(us))


# -- one ticket ----------------------------------------------------------------------------------

class _Evaluation:
    """One ticket under one set of terms as of `now`: the walk runs on construction, `json()`
    reads the clocks."""

    def __init__(self, policy, terms, t: Ticket, now: int):
        self.policy, self.terms, self.t, self.now = policy, terms, t, now
        self.rules = Rules(policy, terms)
        if now < t.opened:
            raise RecordError(f"ticket {t.id} is opened at {iso_z(from_us(t.opened))}, "
                              f"after now ({iso_z(from_us(now))})")
        self._walk()

    def epoch(self, metric: str, severity: str, at: int) -> Epoch:
        """The goal of `metric` for `severity`, in force from `at`."""
        target = self.rules.targets.get((metric, severity))
        if target is None:
            return Epoch(at, None, None, None, None, severity)
        goal, internal, window = target
        return Epoch(at, goal, internal, window, self.policy.window(window), severity)

    def new_clock(self, metric: str, at: int, severity: str) -> Clock:
        return Clock(metric, at, [self.epoch(metric, severity, at)])

    # -- the walk over the events --------------------------------------------------------------
    def _walk(self) -> None:
        t, now = self.t, self.now
        self.severity, self.paused, resolved = t.severity, False, False
        self.cancelled = False
        self.response = self.new_clock("response", t.opened, t.severity)
        self.resolution = self.new_clock("resolution", t.opened, t.severity)
        self.cycles = [self.new_clock("update", t.opened, t.severity)]
        last = t.opened
        for ev in t.events:
            if ev.at > now:
                break  # not yet known at `now`
            self.run_clocks(last, ev.at)
            last = at = ev.at
            if ev.kind == "status" and ev.value == "cancelled":
                # the built-in status (SPEC §12): every clock stops here and the ticket is over;
                # what comes after it is ignored
                self.cancelled = True
                for clock in (self.response, self.resolution, self.cycles[-1]):
                    if clock.stopped is None:
                        clock.stopped = at
                break
            if ev.kind == "status":
                self.paused = ev.value in self.rules.pause_when
            elif ev.kind == "severity":
                if ev.value == self.severity:
                    continue  # a repeated value is not a change (it must not restart a clock)
                self.severity = ev.value
                for clock, cycle in ((self.response, 0), (self.resolution, 0), (self.cycles[-1], len(self.cycles))):
                    if clock.stopped is None:  # a stopped clock keeps its verdict
                        self.change_goal(clock, at, cycle)
            elif ev.kind in ("responded", "updated"):
                if ev.kind == "responded" and self.response.stopped is None:
                    self.response.stopped = at
                if not resolved:  # close the update cycle, start the next under the severity in force
                    if self.cycles[-1].stopped is None:
                        self.cycles[-1].stopped = at
                    self.cycles.append(self.new_clock("update", at, self.severity))
            elif ev.kind == "resolved" and not resolved:
                resolved = True
                for clock in (self.response, self.resolution, self.cycles[-1]):
                    if clock.stopped is None:
                        clock.stopped = at
            elif ev.kind == "reopened" and resolved:
                resolved = False
                self.resolution.stopped = None
                if self.resolution.epoch.severity != self.severity:  # changed while resolved: from now on
                    self.change_goal(self.resolution, at, 0)
                self.cycles.append(self.new_clock("update", at, self.severity))
        if now > last:
            self.run_clocks(last, now)

    def run_clocks(self, a: int, b: int) -> None:
        for clock in (self.response, self.resolution, self.cycles[-1]):
            clock.run(a, b, self.paused)

    def change_goal(self, clock: Clock, at: int, cycle: int) -> None:
        """A severity change at `at`: a new epoch keeping elapsed, or (restart) a new clock from
        zero that keeps the notifications the old one already sent."""
        epoch = self.epoch(clock.metric, self.severity, at)
        if self.rules.restart:
            # sent before the change: a step reached exactly at `at` is judged under the new goal
            sent = [e for e in self.own_escalations(clock, at, cycle, project=False)
                    if e["fired"] and e["due"] < at]
            clock.start, clock.history, clock.elapsed, clock.epochs = at, [], 0, [epoch]
            clock.archived = clock.archived + sent
        else:
            clock.epochs.append(epoch)

    # -- results -------------------------------------------------------------------------------
    def json(self) -> dict:
        metrics: dict[str, dict] = {}
        for clock in (self.response, self.resolution):
            m = self.metric(clock)
            if m is not None:
                metrics[clock.metric] = m
        update = self.update_metric()
        if update is not None:
            metrics["update"] = update
        escalations: list[dict] = []
        if self.rules.chain is not None:
            for clock, cycle in [(self.response, 0), (self.resolution, 0)] + \
                    [(c, i) for i, c in enumerate(self.cycles, start=1)]:
                if clock.epoch.goal is not None:   # a clock whose severity has no target has none
                    escalations += clock.archived + self.own_escalations(clock, self.now, cycle)
        return {"id": self.t.id, "severity": self.severity, "tier": self.terms.tier,
                "customer": self.terms.customer, "service": self.terms.service,
                "metrics": metrics, "escalations": [{**e, "due": instant(e["due"])} for e in escalations]}

    def metric(self, clock: Clock) -> Optional[dict]:
        """A clock's JSON as of now (None when the severity in force has no target: cancelled)."""
        ep = clock.epoch
        if ep.goal is None:
            return None
        out = {"metric": clock.metric, "severity": ep.severity, "goal": seconds(ep.goal),
               "elapsed": seconds(clock.elapsed), "remaining": seconds(ep.goal - clock.elapsed),
               "deadline": self.deadline(clock, ep.goal), "state": self.state(clock, ep.goal),
               "window": ep.window_id, "started": instant(clock.start), "stopped": instant(clock.stopped)}
        if ep.internal is not None:
            out["internal_goal"] = seconds(ep.internal)
            out["internal_deadline"] = self.deadline(clock, ep.internal)
            out["internal_state"] = self.state(clock, ep.internal)
        return out

    def deadline(self, clock: Clock, goal: int) -> Optional[str]:
        """A cancelled ticket has no deadline (none is computed: none can lie beyond the horizon)."""
        return None if self.cancelled else instant(clock.deadline(goal, self.now, self.paused))

    def state(self, clock: Clock, goal: int) -> str:
        return "cancelled" if self.cancelled else clock.state(goal, self.paused)

    def update_metric(self) -> Optional[dict]:
        """The update metric: the worst cycle, with every cycle listed (oldest first)."""
        if self.cycles[-1].epoch.goal is None:
            return None  # the severity in force has no update target
        listed = [(c, m) for c in self.cycles if (m := self.metric(c)) is not None]
        # Once any cycle has overrun, the largest overrun (the latest on a tie) is shown; until
        # then, the current (last listed) cycle is.
        shown = listed[-1]
        worst = None
        for clock, m in listed:
            overrun = clock.elapsed - clock.epoch.goal
            if overrun > 0 and (worst is None or overrun >= worst):
                shown, worst = (clock, m), overrun
        return {**shown[1], "cycles": [m for _, m in listed]}

    def own_escalations(self, clock: Clock, now: int, cycle: int, project: bool = True) -> list[dict]:
        """The chain's notifications on one clock (not those archived by a restart); `due` in µs."""
        if not self.rules.plan or all(ep.goal is None for ep in clock.epochs):
            return []
        out = []
        pending = False
        for index, k, threshold in self.rules.plan:
            # a running clock lists the next step due, not the ones after it (none is projected)
            due, fired = clock.due(threshold, now, self.paused, project and not pending)
            if clock.stopped is not None and (due is None or due >= clock.stopped):
                continue  # the clock stopped before (or as) this step came due: it never fires
            if clock.stopped is None and not fired:
                if pending:
                    continue
                pending = True
            step = self.rules.chain["steps"][index]
            out.append({"metric": clock.metric, "step": index + 1, "repeat": k, "due": due,
                        "notify": step["notify"], "channels": step["channels"], "fired": fired,
                        "cycle": cycle})
        return out
