"""Graph stage, pass `cycles`: extends, window include/except, imports and depends-on must be acyclic."""

from __future__ import annotations

import networkx as nx

from slalang.diagnostics import Diagnostic, error
from slalang.graph.model import Model

# (edge kinds, code, what the cycle is called)
_FAMILIES = (
    (("extends",), "SLA301", "extends"),
    (("include", "except"), "SLA302", "window composition"),
    (("imports",), "SLA303", "import"),
    (("depends",), "SLA304", "dependency"),
)


def _label(node) -> str:
    kind, ident = node
    if kind == "module":
        return ident.rsplit("/", 1)[-1] if not ident.startswith("std/") else ident
    return ident


def check_cycles(model: Model) -> list[Diagnostic]:
    out = []
    for kinds, code, what in _FAMILIES:
        sub = nx.DiGraph()
        for a, b, data in model.graph.edges(data=True):
            if data.get("kind") in kinds:
                sub.add_edge(a, b, span=data.get("span"))
        for component in nx.strongly_connected_components(sub):
            nodes = sorted(component)
            if len(nodes) == 1 and not sub.has_edge(nodes[0], nodes[0]):
                continue
            cycle = nx.find_cycle(sub.subgraph(component), source=nodes[0])
            path = [cycle[0][0]] + [b for _, b in cycle]
            closing = cycle[-1]
            span = sub.edges[closing]["span"]
            kind = path[0][0]
            out.append(error(code, f"{what} cycle: " + " -> ".join(_label(n) for n in path), span,
                             f"break the cycle: a {kind} cannot {'import' if kind == 'module' else 'reach'} itself",
                             [(f"{_label(a)} -> {_label(b)}", sub.edges[(a, b)]["span"]) for a, b in cycle[:-1]
                              if sub.edges[(a, b)]["span"] is not None]))
    return out
