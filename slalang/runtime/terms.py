"""Runtime stage: the terms in force for a ticket (a tier, or a contract with overrides) and ticket evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Optional

from slalang.runtime.clocks import Clock, Epoch, percent_threshold
from slalang.runtime.errors import RecordError
from slalang.runtime.records import US, Ticket, from_us, instant_us, iso_z, parse_ticket

METRICS = ("response", "resolution", "update")


def merge_objectives(base: dict, overrides: dict) -> dict:
    """A contract's terms: the tier's statements with the override's replacing them by key."""
    merged = dict(base)
    for key, value in overrides.items():
        if key == "targets":
            keep = {(t["metric"], t["severity"]): t for t in base.get("targets", [])}
            keep.update({(t["metric"], t["severity"]): t for t in value})
            merged["targets"] = sorted(keep.values(), key=lambda t: (t["metric"], t["severity"]))
        elif key == "percentiles":
            keep = {(p["metric"], tuple(p["severities"])): p for p in base.get("percentiles", [])}
            keep.update({(p["metric"], tuple(p["severities"])): p for p in value})
            merged["percentiles"] = list(keep.values())
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class Target:
    metric: str
    severity: str
    goal: int                 # µs
    internal: Optional[int]   # µs
    window: str


@dataclass
class MetricResult:
    """One metric of one ticket as of `now`."""

    metric: str
    severity: str
    goal: timedelta
    elapsed: timedelta
    remaining: timedelta            # goal - elapsed; negative once breached
    deadline: Optional[datetime]    # None while paused
    state: str                      # running | paused | breached | met | missed
    window: str
    started: datetime
    stopped: Optional[datetime] = None
    internal_goal: Optional[timedelta] = None
    internal_deadline: Optional[datetime] = None
    internal_state: Optional[str] = None
    cycles: list["MetricResult"] = field(default_factory=list)   # update: every cycle, oldest first

    def to_json(self) -> dict:
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


class Terms:
    """The objectives in force for a ticket or a service: a tier, or a contract's tier with overrides."""

    def __init__(self, policy, objectives: dict, *, tier: str, customer: Optional[str] = None,
                 service: Optional[str] = None, contract: Optional[dict] = None):
        self.policy = policy
        self.objectives = objectives
        self.tier = tier
        self.customer = customer
        self.service = service
        self.contract = contract
        self.targets: dict[tuple[str, str], Target] = {
            (t["metric"], t["severity"]): Target(t["metric"], t["severity"], t["goal"] * 1_000_000,
                                                 t["internal"] * 1_000_000 if t["internal"] else None,
                                                 t["window"] or objectives["support"]["window"])
            for t in objectives.get("targets", [])}
        self.pause_when = frozenset(objectives.get("pause_when", ()))
        self.restart = objectives.get("on_severity_change") == "restart"
        chain_id = objectives.get("escalation")
        self.chain = policy.artifact["escalations"].get(chain_id) if chain_id else None
        self._plan = self._escalation_plan()
        self._epochs: dict[tuple[str, str], tuple] = {}
        self._availability = None

    def _escalation_plan(self) -> list[tuple[int, int, object]]:
        """(step index, repeat k, goal -> threshold µs) for every notification of the chain, once."""
        if self.chain is None or not self.chain["steps"]:
            return []
        thresholds = []
        for step in self.chain["steps"]:
            if step["trigger"] == "percent":
                thresholds.append(percent_threshold(step["percent"]))
            else:
                after = step["after"] * 1_000_000
                thresholds.append(lambda goal, after=after: goal + after)
        plan = [(i, 0, thr) for i, thr in enumerate(thresholds)]
        repeat = self.chain.get("repeat")
        if repeat:
            last, every = thresholds[-1], repeat["every"] * 1_000_000
            plan += [(len(thresholds) - 1, k, lambda goal, k=k: last(goal) + k * every)
                     for k in range(1, repeat["times"] + 1)]
        return plan

    def __repr__(self) -> str:
        who = f"{self.customer}/{self.service} " if self.customer else ""
        return f"<Terms {who}tier {self.tier!r}>"

    # -- availability ----------------------------------------------------------------------------
    def availability(self, outages, period, include_dependencies: Optional[bool] = None,
                     service: Optional[str] = None):
        """Availability, downtime, error budget and credit for a period (SPEC §5), exact.

        `outages`: §7 dicts or parsed Outage records; `period`: `2025-03`, `2025-Q1`, ...
        `service` defaults to the contract's service; without one, every outage counts.
        """
        from slalang.runtime.availability import AvailabilityEngine, OutageSet
        from slalang.runtime.periods import Period, parse_period
        from slalang.runtime.records import Outage, parse_outage

        if self._availability is None:
            self._availability = AvailabilityEngine(self.policy, self.objectives)
        if not isinstance(period, Period):
            period = parse_period(period, self.policy.timezone)
        if not isinstance(outages, OutageSet):
            services = self.policy.service_names
            outages = [o if isinstance(o, Outage) else parse_outage(o, services) for o in outages]
        return self._availability.report(outages, period, service=service or self.service,
                                         include_dependencies=include_dependencies)

    # -- tickets ---------------------------------------------------------------------------------
    def _epoch(self, metric: str, severity: str, at: int) -> Epoch:
        found = self._epochs.get((metric, severity))
        if found is None:
            target = self.targets.get((metric, severity))
            found = (None, None, None) if target is None else (
                target.goal, target.internal, self.policy.window(target.window))
            self._epochs[(metric, severity)] = found
        return Epoch(at, found[0], found[1], found[2], severity)

    def evaluate_ticket(self, ticket: dict | Ticket, now: datetime | str) -> TicketResult:
        """Clocks, deadlines, states and escalations of one ticket as of `now` (SPEC §4)."""
        t = ticket if isinstance(ticket, Ticket) else parse_ticket(ticket, self.policy.severity_names)
        return self.evaluate_parsed(t, instant_us(now, "now"))

    def evaluate_parsed(self, t: Ticket, now_us: int) -> TicketResult:
        """`evaluate_ticket` for a parsed ticket and `now` in epoch microseconds."""
        if now_us < t.opened:
            raise RecordError(f"ticket {t.id} is opened at {iso_z(from_us(t.opened))}, after now ({iso_z(from_us(now_us))})")
        severity, paused, resolved = t.severity, False, False
        response = Clock("response", t.opened, [self._epoch("response", severity, t.opened)])
        resolution = Clock("resolution", t.opened, [self._epoch("resolution", severity, t.opened)])
        cycles = [Clock("update", t.opened, [self._epoch("update", severity, t.opened)])]
        last = t.opened
        for ev in t.events:
            if ev.at > now_us:
                break
            for clock in (response, resolution, cycles[-1]):
                clock.run(last, ev.at, paused)
            last = ev.at
            kind, at = ev.kind, ev.at
            if kind == "status":
                paused = ev.value in self.pause_when
            elif kind == "severity":
                if ev.value == severity:
                    continue  # a repeated value is not a change (it must not restart a clock)
                severity = ev.value
                for clock, cycle in ((response, 0), (resolution, 0), (cycles[-1], len(cycles))):
                    if clock.stopped is None:  # a stopped clock keeps its verdict
                        self._change_goal(clock, severity, at, paused, cycle)
            elif kind in ("responded", "updated"):
                if kind == "responded" and response.stopped is None:
                    response.stopped, response.stopped_by = at, kind
                if not resolved:
                    self._next_cycle(cycles, at, severity, kind)
            elif kind == "resolved" and not resolved:
                resolved = True
                for clock in (response, resolution, cycles[-1]):
                    if clock.stopped is None:
                        clock.stopped, clock.stopped_by = at, kind
            elif kind == "reopened" and resolved:
                resolved = False
                resolution.stopped = resolution.stopped_by = None
                if resolution.epoch.severity != severity:  # changed while resolved: applies from now
                    self._change_goal(resolution, severity, at, paused, 0)
                cycles.append(Clock("update", at, [self._epoch("update", severity, at)]))
        if now_us > last:
            for clock in (response, resolution, cycles[-1]):
                clock.run(last, now_us, paused)

        result = TicketResult(t.id, severity, self.tier, self.customer, self.service)
        for clock in (response, resolution):
            metric = self._metric(clock, severity, now_us, paused)
            if metric is not None:
                result.metrics[clock.metric] = metric
        update = self._update_metric(cycles, severity, now_us, paused)
        if update is not None:
            result.metrics["update"] = update
        if self.chain is not None:
            for clock in (response, resolution):
                result.escalations.extend(self._escalations(clock, now_us, paused, 0))
            for i, clock in enumerate(cycles, start=1):
                result.escalations.extend(self._escalations(clock, now_us, paused, i))
        return result

    def _change_goal(self, clock: Clock, severity: str, at: int, paused: bool, cycle: int) -> None:
        """A severity change at `at`: a new epoch (keep elapsed) or a new clock from zero (restart),
        which keeps the notifications the old clock already sent."""
        epoch = self._epoch(clock.metric, severity, at)
        if self.restart:
            # sent before the change: a step reached exactly at `at` is judged under the new goal
            sent = [e for e in self._own_escalations(clock, at, paused, cycle, project=False)
                    if e.fired and e.due < from_us(at)]
            clock.start, clock.history, clock.elapsed, clock.epochs = at, [], 0, [epoch]
            clock.archived = clock.archived + sent
        else:
            clock.epochs.append(epoch)

    def _next_cycle(self, cycles: list[Clock], at: int, severity: str, kind: str) -> None:
        """Close the current update cycle at `at` and start the next under the severity in force."""
        current = cycles[-1]
        if current.stopped is None:
            current.stopped, current.stopped_by = at, kind
        cycles.append(Clock("update", at, [self._epoch("update", severity, at)]))

    def _metric(self, clock: Clock, severity: str, now: int, paused: bool) -> Optional[MetricResult]:
        ep = clock.epoch
        if ep.goal is None:
            return None  # the severity in force has no target: the clock is cancelled
        goal = ep.goal
        deadline = clock.deadline(goal, now, paused)
        result = MetricResult(
            metric=clock.metric, severity=ep.severity, goal=goal * US, elapsed=clock.elapsed * US,
            remaining=(goal - clock.elapsed) * US, deadline=None if deadline is None else from_us(deadline),
            state=clock.state(goal, paused), window=ep.window.id, started=from_us(clock.start),
            stopped=None if clock.stopped is None else from_us(clock.stopped))
        if ep.internal is not None:
            internal_deadline = clock.deadline(ep.internal, now, paused)
            result.internal_goal = ep.internal * US
            result.internal_deadline = None if internal_deadline is None else from_us(internal_deadline)
            result.internal_state = clock.state(ep.internal, paused)
        return result

    def _update_metric(self, cycles: list[Clock], severity: str, now: int, paused: bool) -> Optional[MetricResult]:
        if cycles[-1].epoch.goal is None:
            return None  # the severity in force has no update target
        results = [m for m in (self._metric(c, severity, now, paused) for c in cycles) if m is not None]
        if not results:
            return None
        # The worst cycle decides: once any cycle has overrun, the largest overrun (the latest on
        # a tie) is the metric; until then, the current cycle is. Every cycle is kept.
        overrun = [m for m in results if m.elapsed > m.goal]
        shown = max(reversed(overrun), key=lambda m: m.elapsed - m.goal) if overrun else results[-1]
        return MetricResult(**{**shown.__dict__, "cycles": results})

    def _escalations(self, clock: Clock, now: int, paused: bool, cycle: int) -> list[EscalationStep]:
        """What the chain calls for on a clock: the notifications sent before any restart, then its own."""
        return clock.archived + self._own_escalations(clock, now, paused, cycle)

    def _own_escalations(self, clock: Clock, now: int, paused: bool, cycle: int,
                         project: bool = True) -> list[EscalationStep]:
        if not self._plan or all(ep.goal is None for ep in clock.epochs):
            return []
        steps = self.chain["steps"]
        out = []
        for index, k, thr in self._plan:
            due, fired = clock.due(thr, now, paused, project)
            if clock.stopped is not None and (due is None or due > clock.stopped):
                continue  # the clock stopped before this step: it never fires
            step = steps[index]
            out.append(EscalationStep(clock.metric, index + 1, k, None if due is None else from_us(due),
                                      step["notify"], step["channels"], fired, cycle))
        return out
