"""Graph stage: link every reference once, flatten inheritance, and build the networkx policy graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import networkx as nx

from slalang.diagnostics import Diagnostic, Span
from slalang.resolve.inherit import (Stmt, WindowPart, apply_overrides, flatten_tier, flatten_window,
                                     objective_statements)
from slalang.resolve.loader import SourceFile, Sources
from slalang.resolve.scope import BUILTIN_STATUSES, Entity, Scope
from slalang.syntax import ast

DEFAULT_HORIZON = (2020, 2040)


@dataclass
class PolicySettings:
    name: str = ""
    version: str = ""
    owner: str = ""
    description: str = ""
    timezone: Optional[str] = None
    timezone_span: Optional[Span] = None
    horizon: tuple[int, int] = DEFAULT_HORIZON
    horizon_span: Optional[Span] = None
    span: Optional[Span] = None


@dataclass
class ContractInfo:
    customer: Entity
    node: ast.Contract
    index: int
    service: Optional[Entity]
    tier: Optional[Entity]
    overrides: list[Stmt]
    terms: dict[tuple, Stmt]


@dataclass
class Model:
    """Everything the validation passes and the IR builder read."""

    sources: Sources
    scope: Scope
    graph: nx.MultiDiGraph
    policy: PolicySettings
    windows: dict[str, list[WindowPart]] = field(default_factory=dict)
    tiers: dict[str, dict[tuple, Stmt]] = field(default_factory=dict)
    olas: dict[str, dict[tuple, Stmt]] = field(default_factory=dict)
    contracts: list[ContractInfo] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def file_timezone(self, sf: Optional[SourceFile]) -> Optional[str]:
        """The zone naive datetimes of `sf` are local to: its own header's, else the policy's."""
        if sf is not None and sf.module is not None and sf.module.header is not None:
            for node in sf.module.header.body:
                if isinstance(node, ast.Field) and node.key == "timezone":
                    return node.value.value
        return self.policy.timezone


def _settings(scope: Scope) -> PolicySettings:
    settings = PolicySettings()
    if scope.header is None:
        return settings
    header, _ = scope.header
    settings.name, settings.span = header.title.value, header.title.span
    for node in header.body:
        if isinstance(node, ast.Field):
            setattr(settings, node.key, node.value.value)
            if node.key == "timezone":
                settings.timezone_span = node.value.span
        elif isinstance(node, ast.Horizon):
            settings.horizon, settings.horizon_span = (node.first, node.last), node.span
    return settings


def build_model(sources: Sources) -> Model:
    """Link, flatten and graph a parsed policy. Reference errors land in the scope's diagnostics."""
    scope = Scope.build(sources)
    graph = nx.MultiDiGraph()
    model = Model(sources, scope, graph, _settings(scope))
    for sf in sources.files.values():
        graph.add_node(("module", sf.key), display=sf.display)
    for src, dst, span in sources.import_edges:
        graph.add_edge(("module", src), ("module", dst), kind="imports", span=span)
    for ent in scope.entities.values():
        graph.add_node(ent.node, span=ent.span, file=ent.file.display)

    def edge(a: Entity, b: Optional[Entity], kind: str, span: Span, **attrs) -> None:
        if b is not None:
            graph.add_node(b.node)
            graph.add_edge(a.node, b.node, kind=kind, span=span, **attrs)

    for ent in scope.of_kind("window"):
        if ent.decl.extends is not None:
            edge(ent, scope.lookup(ent.file, ent.decl.extends, "window", source=ent, role="extends"),
                 "extends", ent.decl.extends.span)
        parts = flatten_window(scope, ent)
        model.windows[ent.id] = parts
        for node in ent.decl.body:
            if isinstance(node, ast.Include):
                edge(ent, scope.lookup(ent.file, node.ref, "window", source=ent), "include", node.ref.span)
            elif isinstance(node, ast.ExceptWindow):
                edge(ent, scope.lookup(ent.file, node.ref, "window", source=ent), "except", node.ref.span)

    for ent in scope.of_kind("escalation"):
        for node in ent.decl.body:
            if isinstance(node, ast.Step):
                for ref in node.notify:
                    edge(ent, scope.lookup(ent.file, ref, "contact", source=ent, role="notifies", code="SLA603"),
                         "notifies", ref.span)

    for ent in scope.of_kind("tier"):
        if ent.decl.extends is not None:
            edge(ent, scope.lookup(ent.file, ent.decl.extends, "tier", source=ent, role="extends"),
                 "extends", ent.decl.extends.span)
        _link_objectives(model, ent, objective_statements(scope, ent, ent.decl.body, ent.file), edge)
        model.tiers[ent.id] = flatten_tier(scope, ent)

    for ent in scope.of_kind("service"):
        for node in ent.decl.body:
            if isinstance(node, ast.Offers):
                for ref in node.tiers:
                    edge(ent, scope.lookup(ent.file, ref, "tier", source=ent, role="offers"), "offers", ref.span)
            elif isinstance(node, ast.DependsOn):
                for ref in node.services:
                    edge(ent, scope.lookup(ent.file, ref, "service", source=ent, role="depends"),
                         "depends", ref.span, mode=node.kind, group=node.span)

    for ent in scope.of_kind("customer"):
        contracts = [n for n in ent.decl.body if isinstance(n, ast.Contract)]
        for index, node in enumerate(contracts):
            service = scope.lookup(ent.file, node.service, "service", source=ent, role="contract")
            tier = scope.lookup(ent.file, node.tier, "tier", source=ent, role="contract")
            overrides = objective_statements(scope, ent, node.overrides, ent.file)
            _link_objectives(model, ent, overrides, edge)
            base = model.tiers.get(tier.id, {}) if tier else {}
            model.contracts.append(ContractInfo(ent, node, index, service, tier, overrides,
                                                apply_overrides(base, overrides)))
            edge(ent, service, "contract", node.service.span, tier=tier.id if tier else None, index=index)
            edge(ent, tier, "contract_tier", node.tier.span, index=index)

    for ent in scope.of_kind("ola"):
        stmts = objective_statements(scope, ent, ent.decl.body, ent.file)
        _link_objectives(model, ent, stmts, edge)
        model.olas[ent.id] = {s.key: s for s in stmts}
        for node in ent.decl.body:
            if isinstance(node, ast.Underpins):
                for ref in node.services:
                    edge(ent, scope.lookup(ent.file, ref, "service", source=ent, role="underpins"),
                         "underpins", ref.span)

    for ent in scope.of_kind("source"):
        for node in ent.decl.body:
            if isinstance(node, ast.SourceMapping):
                if node.kind == "severity":
                    edge(ent, scope.lookup(ent.file, node.target, "severity", source=ent, role="maps"), "maps",
                         node.target.span)
                else:
                    edge(ent, _status(scope, ent.file, node.target, ent), "maps", node.target.span)

    for test, sf in scope.tests:
        _link_test(scope, test, sf)
    model.diagnostics = scope.diagnostics
    return model


def _status(scope: Scope, sf: SourceFile, ref: ast.QualName, owner: Optional[Entity]) -> Optional[Entity]:
    """The declared status a `pause when` or a source names. Built-in statuses need no declaration;
    a policy that declares no status may name any (its statuses are whatever tickets say)."""
    if ref.alias is None and ref.name in BUILTIN_STATUSES or not scope.of_kind("status"):
        return None
    return scope.lookup(sf, ref, "status", source=owner, role="pauses" if owner is None or owner.kind != "source"
                        else "maps")


def _link_objectives(model: Model, owner: Entity, stmts: list[Stmt], edge) -> None:
    scope = model.scope
    for stmt in stmts:
        node, sf = stmt.node, stmt.file
        if isinstance(node, ast.Support):
            edge(owner, scope.lookup(sf, node.window, "window", source=owner), "uses_window", node.window.span)
        elif isinstance(node, (ast.Target, ast.PercentileTarget, ast.Availability)) and node.during is not None:
            edge(owner, scope.lookup(sf, node.during, "window", source=owner), "uses_window", node.during.span)
        elif isinstance(node, ast.Escalate):
            edge(owner, scope.lookup(sf, node.ref, "escalation", source=owner, role="escalates"),
                 "escalates", node.ref.span)
        elif isinstance(node, ast.PauseWhen):
            for name in node.statuses:
                edge(owner, _status(scope, sf, ast.QualName(name.span, (name.value,)), owner), "pauses", name.span)
        elif isinstance(node, ast.Exclude):
            for item in node.items:
                target = scope.lookup(sf, item.ref, ("exclusion", "window"), source=owner, role="excludes")
                edge(owner, target, "excludes", item.ref.span)
        if isinstance(node, ast.Target) and stmt.severity is not None:
            edge(owner, stmt.severity, "targets", node.span, metric=node.metric)


def _link_test(scope: Scope, test: ast.TestDecl, sf: SourceFile) -> None:
    for node in test.body:
        if isinstance(node, ast.GivenTier):
            scope.lookup(sf, node.tier, "tier", role="test")
        elif isinstance(node, ast.GivenContract):
            scope.lookup(sf, node.customer, "customer", role="test")
            scope.lookup(sf, node.service, "service", role="test")
        elif isinstance(node, ast.TicketStmt):
            scope.lookup(sf, node.severity, "severity", role="test")
            for ev in node.events:
                if ev.kind == "severity":
                    scope.lookup(sf, ast.QualName(ev.span, tuple(ev.value.split("."))), "severity", role="test")
        elif isinstance(node, ast.OutageStmt):
            scope.lookup(sf, node.service, "service", role="test")
            for tag in node.tags:
                scope.lookup(sf, ast.QualName(tag.span, (tag.value,)), "exclusion", role="test", report=False)
        elif isinstance(node, ast.Expect):
            if node.contact is not None:
                scope.lookup(sf, node.contact, "contact", role="test")
            if node.service is not None:
                scope.lookup(sf, node.service, "service", role="test")

