"""IR stage: the validated model -> the compiled artifact (plain JSON data, deterministic)."""

from __future__ import annotations

import datetime as dt
from typing import Optional
from zoneinfo import ZoneInfo

from slalang.version import __version__
from slalang.graph.model import ContractInfo, Model
from slalang.ir.holidays import expand_holidays
from slalang.resolve.inherit import Stmt
from slalang.resolve.loader import SourceFile
from slalang.resolve.scope import ALWAYS, Entity
from slalang.runtime.artifact import FORMAT_VERSION, with_digest
from slalang.runtime.records import iso_z
from slalang.runtime.tz import localize
from slalang.syntax import ast

UTC = dt.timezone.utc


def _holidays_version() -> str:
    """The version of the holiday data the windows were expanded with: the same sources under
    another `holidays` release can give another artifact (SPEC §18), and this says which."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("holidays")
    except PackageNotFoundError:   # pragma: no cover - holidays is a dependency
        return "unknown"


def iso(instant: dt.datetime) -> str:
    return iso_z(instant, fraction=False)


def span_ir(sf: Optional[SourceFile], span) -> Optional[str]:
    """`file:line:column` of a declaration, for tracing a runtime answer back to its source."""
    if span is None or sf is None:
        return None
    return f"{sf.rel}:{span.line}:{span.column}"


def instant(value, tz: Optional[str], *, end_of_day: bool = False) -> dt.datetime:
    """A Date (local midnight, or the next one for an inclusive end) or DateTime as an aware UTC instant."""
    if isinstance(value, ast.Date):
        day = value.value + (dt.timedelta(days=1) if end_of_day else dt.timedelta())
        return localize(dt.datetime(day.year, day.month, day.day), ZoneInfo(tz))
    if value.value.tzinfo is not None:
        return value.value.astimezone(UTC)
    return localize(value.value, ZoneInfo(tz))


class Builder:
    """Builds the artifact; the model has passed validation, so every reference resolves."""

    def __init__(self, model: Model):
        self.model = model
        self.scope = model.scope
        self.reachable = self._reachable()

    def _reachable(self) -> set[tuple[str, str]]:
        # Root files' declarations and everything they reach; unused stdlib entries stay out.
        graph = self.model.graph
        roots = [e.node for e in self.scope.entities.values() if e.file.is_root]
        seen: set = set()
        stack = list(roots)
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(graph.successors(node) if node in graph else ())
        for ref in self.scope.references:
            if ref.source is None:  # used by a test
                seen.add(ref.target.node)
        return {n for n in seen if n[0] != "module"}

    def _ids(self, kind: str) -> list[Entity]:
        return sorted((e for e in self.scope.of_kind(kind) if e.node in self.reachable), key=lambda e: e.id)

    def ref(self, sf: SourceFile, qn: ast.QualName, kinds) -> Entity:
        return self.scope.lookup(sf, qn, kinds, report=False)

    # -- artifact ---------------------------------------------------------------------------------
    def build(self) -> dict:
        policy = self.model.policy
        files = sorted(self.model.sources.files.values(), key=lambda f: f.rel)
        body = {
            "format": FORMAT_VERSION,
            "slalang": __version__,
            "holidays": _holidays_version(),
            "policy": {"name": policy.name, "version": policy.version, "owner": policy.owner,
                       "description": policy.description, "timezone": policy.timezone or "UTC",
                       "horizon": list(policy.horizon)},
            "sources": [{"path": f.rel, "sha256": f.sha256} for f in files],
            "severities": self.severities(),
            "statuses": {e.id: {"description": e.decl.description.value, "span": self.span(e)}
                         for e in self._ids("status")},
            "exclusions": {e.id: {"description": e.decl.description.value, "span": self.span(e)}
                           for e in self._ids("exclusion")},
            "contacts": {e.id: {"address": e.decl.address.value, "span": self.span(e)}
                         for e in self._ids("contact")},
            "windows": {e.id: self.window(e) for e in self._ids("window")},
            "escalations": {e.id: self.escalation(e) for e in self._ids("escalation")},
            "tiers": {e.id: self.tier(e) for e in self._ids("tier")},
            "services": {e.id: self.service(e) for e in self._ids("service")},
            "customers": {e.id: self.customer(e) for e in self._ids("customer")},
            "olas": {e.id: self.ola(e) for e in self._ids("ola")},
            "ticket_sources": {e.id: self.ticket_source(e) for e in self._ids("source")},
            "tests": [self.test(t, sf) for t, sf in self.scope.tests],
        }
        return with_digest(body)

    def span(self, ent: Entity) -> Optional[dict]:
        return span_ir(ent.file, ent.span)

    def severities(self) -> list[dict]:
        out = []
        for sf in self.model.sources.files.values():
            for rank, ent in enumerate(self.scope.by_file[sf.key]["severity"].values()):
                if ent.node in self.reachable:
                    out.append({"name": ent.id, "description": ent.decl.description.value, "rank": rank,
                                "scale": sf.rel, "span": self.span(ent)})
        return out

    # -- ticket sources ---------------------------------------------------------------------------
    def ticket_source(self, ent: Entity) -> dict:
        """A source as its readers use it: format, zone and strptime format of naive instants, where
        each field is, and every raw severity and status name with what it means."""
        out = {"format": None, "timezone": None, "instants": None, "columns": {}, "severities": {}, "statuses": {},
               "span": self.span(ent)}
        for node in ent.decl.body:
            if isinstance(node, ast.SourceFormat):
                out["format"] = node.format.value
            elif isinstance(node, ast.Field) and node.key == "timezone":
                out["timezone"] = node.value.value
            elif isinstance(node, ast.Instants):
                out["instants"] = node.format.value
            elif isinstance(node, ast.Column):
                out["columns"][node.field.value] = node.path.value
            elif isinstance(node, ast.SourceMapping) and node.kind == "severity":
                target = self.ref(ent.file, node.target, "severity").id
                for raw in node.raws:
                    out["severities"].setdefault(raw.value, target)
            elif isinstance(node, ast.SourceMapping):
                for raw in node.raws:
                    out["statuses"].setdefault(raw.value, {"status": node.target.name, "responds": node.responds})
        return out

    # -- windows ----------------------------------------------------------------------------------
    def window(self, ent: Entity) -> dict:
        parts = self.model.windows[ent.id]
        tz = next((p.node.value.value for p in parts if isinstance(p.node, ast.Field)),
                  self.model.file_timezone(ent.file)) or "UTC"
        out = {"timezone": tz, "weekly": [], "dated": [], "include": [], "except": [], "closed": [],
               "closed_dates": [], "holidays": [], "span": self.span(ent)}
        if ent.decl.extends is not None:
            out["extends"] = self.ref(ent.file, ent.decl.extends, "window").id
        for part in parts:
            node = part.node
            if isinstance(node, ast.Weekly):
                out["weekly"].extend([part.day, r.start, r.end] for r in node.ranges)
            elif isinstance(node, ast.Dated):
                out["dated"].append(self._interval(node.start, node.end, tz))
            elif isinstance(node, ast.Include):
                out["include"].append(self.ref(part.file, node.ref, "window").id)
            elif isinstance(node, ast.ExceptWindow):
                out["except"].append(self.ref(part.file, node.ref, "window").id)
            elif isinstance(node, ast.ExceptDates):
                if isinstance(node.start, ast.Date) and (node.end is None or isinstance(node.end, ast.Date)):
                    last = node.end or node.start
                    out["closed_dates"].append([node.start.value.isoformat(), last.value.isoformat()])
                else:
                    out["closed"].append(self._interval(node.start, node.end, tz))
            elif isinstance(node, ast.ExceptHolidays):
                region = node.region.value
                days = expand_holidays(region, self.model.policy.horizon)
                out["holidays"].append({"region": region, "days": days or {}})
        out["weekly"].sort()
        return out

    def _interval(self, start, end, tz: str) -> list[str]:
        last = end or start
        return [iso(instant(start, tz)), iso(instant(last, tz, end_of_day=isinstance(last, ast.Date)))]

    # -- escalation -------------------------------------------------------------------------------
    def escalation(self, ent: Entity) -> dict:
        steps, repeat = [], None
        for node in ent.decl.body:
            if isinstance(node, ast.Step):
                steps.append({
                    "trigger": "percent" if node.percent is not None else "breach",
                    "percent": str(node.percent.value) if node.percent is not None else None,
                    "after": node.after.seconds if node.after is not None else 0,
                    "notify": [self.ref(ent.file, r, "contact").id for r in node.notify],
                    "channels": [c.value for c in node.channels],
                    "span": span_ir(ent.file, node.span),
                })
            elif isinstance(node, ast.Repeat):
                repeat = {"every": node.every.seconds, "times": node.times}
        return {"steps": steps, "repeat": repeat, "span": self.span(ent)}

    # -- objectives -------------------------------------------------------------------------------
    def objectives(self, stmts: dict[tuple, Stmt], *, partial: bool = False) -> dict:
        """The IR of a set of keyed statements. `partial` keeps only what is stated (contract overrides)."""
        out: dict = {}
        by_type = {k[0] if len(k) == 1 else None: s for k, s in stmts.items()}
        support = by_type.get("Support")
        if support is not None:
            out["support"] = {"window": self.ref(support.file, support.node.window, "window").id,
                              "channels": [c.value for c in support.node.channels]}
        elif not partial:
            out["support"] = {"window": ALWAYS, "channels": []}
        desc = by_type.get("description")
        if desc is not None or not partial:
            out["description"] = desc.node.value.value if desc else ""
        pause = by_type.get("PauseWhen")
        if pause is not None or not partial:
            out["pause_when"] = [n.value for n in pause.node.statuses] if pause else []
        change = by_type.get("SeverityChange")
        if change is not None or not partial:
            out["on_severity_change"] = change.node.mode if change else "keep_elapsed"
        targets, percentiles = [], []
        for key, s in stmts.items():
            node = s.node
            if isinstance(node, ast.Target):
                targets.append({"metric": node.metric, "severity": key[1], "goal": node.goal.seconds,
                                "internal": node.internal.seconds if node.internal else None,
                                # null: the support window in force (a contract may override it)
                                "window": self.ref(s.file, node.during, "window").id if node.during else None,
                                "span": span_ir(s.file, node.span)})
            elif isinstance(node, ast.PercentileTarget):
                percentiles.append({"metric": node.metric, "severities": list(key[2]),
                                    "share": str(node.share.value), "goal": node.goal.seconds,
                                    "window": self.ref(s.file, node.during, "window").id if node.during else None,
                                    "span": span_ir(s.file, node.span)})
        if targets or not partial:
            out["targets"] = sorted(targets, key=lambda t: (t["metric"], t["severity"]))
        if percentiles or not partial:
            out["percentiles"] = percentiles
        avail = by_type.get("Availability")
        if avail is not None:
            node = avail.node
            out["availability"] = {
                "target": str(node.target.value), "period": node.period,
                "window": self.ref(avail.file, node.during, "window").id if node.during else ALWAYS,
                "internal": str(node.internal.value) if node.internal else None,
                "including_dependencies": node.including_dependencies,
                "span": span_ir(avail.file, node.span)}
        elif not partial:
            out["availability"] = None
        exclude = by_type.get("Exclude")
        if exclude is not None or not partial:
            out["exclusions"] = [self._exclusion(exclude.file, item) for item in exclude.node.items] if exclude else []
        ignore = by_type.get("IgnoreUnder")
        if ignore is not None or not partial:
            out["ignore_under"] = ignore.node.duration.seconds if ignore else 0
        credits = by_type.get("Credits")
        if credits is not None:
            rows = [n for n in credits.node.body if isinstance(n, ast.CreditRow)]
            cap = next((n for n in credits.node.body if isinstance(n, ast.Cap)), None)
            out["credits"] = {"rows": [{"threshold": str(r.threshold.value), "inclusive": r.inclusive,
                                        "credit": str(r.credit.value)} for r in rows],
                              "cap": str(cap.value.value) if cap else None}
        elif not partial:
            out["credits"] = None
        esc = by_type.get("Escalate")
        if esc is not None:
            out["escalation"] = self.ref(esc.file, esc.node.ref, "escalation").id
        elif not partial:
            out["escalation"] = None
        return out

    def _exclusion(self, sf: SourceFile, item: ast.ExcludeItem) -> dict:
        target = self.ref(sf, item.ref, ("exclusion", "window"))
        # Outage data tags a category by its declared name, whichever module declared it.
        return {"kind": "category" if target.kind == "exclusion" else "window", "ref": target.id,
                "tag": target.name, "notice": item.notice.seconds if item.notice else None}

    def tier(self, ent: Entity) -> dict:
        out = self.objectives(self.model.tiers[ent.id])
        out["extends"] = self.ref(ent.file, ent.decl.extends, "tier").id if ent.decl.extends else None
        out["span"] = self.span(ent)
        return out

    # -- services, customers, olas ----------------------------------------------------------------
    def service(self, ent: Entity) -> dict:
        out = {"description": "", "owner": "", "offers": [], "depends": {"serial": [], "any": []},
               "span": self.span(ent)}
        for node in ent.decl.body:
            if isinstance(node, ast.Field):
                out[node.key] = node.value.value
            elif isinstance(node, ast.Offers):
                out["offers"].extend(self.ref(ent.file, r, "tier").id for r in node.tiers)
            elif isinstance(node, ast.DependsOn):
                ids = [self.ref(ent.file, r, "service").id for r in node.services]
                if node.kind == "serial":
                    out["depends"]["serial"].extend(ids)
                else:
                    out["depends"]["any"].append(ids)
        return out

    def customer(self, ent: Entity) -> dict:
        out = {"name": ent.name, "description": "", "contracts": [], "span": self.span(ent)}
        for node in ent.decl.body:
            if isinstance(node, ast.Field):
                out[node.key] = node.value.value
        contracts = [c for c in self.model.contracts if c.customer is ent]
        out["contracts"] = [self.contract(c) for c in contracts]
        return out

    def contract(self, c: ContractInfo) -> dict:
        tz = self.model.policy.timezone or "UTC"
        node = c.node
        return {
            "service": c.service.id, "tier": c.tier.id,
            "from": node.start.value.isoformat(), "to": node.end.value.isoformat() if node.end else None,
            "start": iso(instant(node.start, tz)),
            "end": iso(instant(node.end, tz, end_of_day=True)) if node.end else None,
            "overrides": self.objectives({s.key: s for s in c.overrides}, partial=True),
            "span": span_ir(c.customer.file, node.span),
        }

    def ola(self, ent: Entity) -> dict:
        out = self.objectives(self.model.olas[ent.id])
        out.update({"provider": "", "consumer": "", "underpins": [], "span": self.span(ent)})
        for node in ent.decl.body:
            if isinstance(node, ast.Field) and node.key in ("provider", "consumer"):
                out[node.key] = node.value.value
            elif isinstance(node, ast.Underpins):
                out["underpins"].extend(self.ref(ent.file, r, "service").id for r in node.services)
        return out

    # -- tests ------------------------------------------------------------------------------------
    def test(self, test: ast.TestDecl, sf: SourceFile) -> dict:
        tz = next((n.value.value for n in test.body if isinstance(n, ast.Field) and n.key == "timezone"),
                  self.model.file_timezone(sf)) or "UTC"

        def at(value) -> Optional[str]:
            return iso(instant(value, tz)) if value is not None else None

        out = {"name": test.name.value, "timezone": tz, "given": None, "tickets": [], "outages": [],
               "expects": [], "span": span_ir(sf, test.span)}
        for node in test.body:
            if isinstance(node, ast.GivenTier):
                out["given"] = {"tier": self.ref(sf, node.tier, "tier").id}
            elif isinstance(node, ast.GivenContract):
                out["given"] = {"customer": self.ref(sf, node.customer, "customer").id,
                                "service": self.ref(sf, node.service, "service").id}
            elif isinstance(node, ast.TicketStmt):
                events = []
                for ev in node.events:
                    item = {"at": at(ev.at)}
                    if ev.kind == "status":
                        item["status"] = ev.value
                    elif ev.kind == "severity":
                        sev = self.ref(sf, ast.QualName(ev.span, tuple(ev.value.split("."))), "severity")
                        item["severity"] = sev.id
                    else:
                        item["type"] = ev.kind
                    events.append(item)
                out["tickets"].append({"id": node.name.value,
                                       "severity": self.ref(sf, node.severity, "severity").id,
                                       "opened": at(node.opened), "events": events,
                                       "span": span_ir(sf, node.span)})
            elif isinstance(node, ast.OutageStmt):
                outage = {"service": self.ref(sf, node.service, "service").id, "start": at(node.start),
                          "end": at(node.end), "tags": [t.value for t in node.tags],
                          "span": span_ir(sf, node.span)}
                if node.announced is not None:
                    outage["announced"] = at(node.announced)
                if node.impact is not None:
                    outage["impact"] = str(node.impact)
                out["outages"].append(outage)
            elif isinstance(node, ast.Expect):
                out["expects"].append(self.expect(sf, node, at))
        return out

    def expect(self, sf: SourceFile, node: ast.Expect, at) -> dict:
        item = {"what": node.what, "span": span_ir(sf, node.span)}
        if node.ticket is not None:
            item["ticket"] = node.ticket.value
        if node.metric is not None:
            item["metric"] = node.metric
            item["internal"] = node.internal
        if node.what == "due":
            item["due"] = at(node.due)
        if node.at is not None:
            item["at"] = at(node.at)
        if node.state is not None:
            item["state"] = node.state.value
        if node.elapsed is not None:
            item["elapsed"] = node.elapsed.seconds
        if node.contact is not None:
            item["contact"] = self.ref(sf, node.contact, "contact").id
        if node.period is not None:
            item["period"] = node.period
        if node.service is not None:
            item["service"] = self.ref(sf, node.service, "service").id
        if node.percent is not None:
            item["percent"] = node.percent.text.rstrip("%")
        if node.verdict is not None:
            item["verdict"] = node.verdict
        return item


def build_artifact(model: Model) -> dict:
    """The artifact for a model that passed validation (no error diagnostics)."""
    return Builder(model).build()
