"""Graph stage: the policy graph as Graphviz dot, Mermaid, or node-link JSON (views for `slalang graph`)."""

from __future__ import annotations

import json

import networkx as nx

_SHAPES = {"service": "box", "tier": "component", "customer": "house", "window": "ellipse", "ola": "hexagon",
           "escalation": "cds", "contact": "note", "module": "folder", "exclusion": "octagon", "severity": "plain"}


def _node_id(node) -> str:
    kind, ident = node
    return f"{kind}:{ident}"


def _label(node, data) -> str:
    kind, ident = node
    return f"{kind} {data.get('display', ident) if kind == 'module' else ident}"


def _edges(graph: nx.MultiDiGraph):
    seen = set()
    for a, b, data in sorted(graph.edges(data=True), key=lambda e: (_node_id(e[0]), _node_id(e[1]), e[2]["kind"])):
        label = data["kind"] + (f" ({data['mode']})" if data.get("mode") == "any" else "")
        if (a, b, label) not in seen:
            seen.add((a, b, label))
            yield a, b, label


def to_dot(graph: nx.MultiDiGraph) -> str:
    lines = ["digraph policy {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for node, data in sorted(graph.nodes(data=True), key=lambda n: _node_id(n[0])):
        lines.append(f'  "{_node_id(node)}" [label="{_label(node, data)}", shape={_SHAPES.get(node[0], "box")}];')
    for a, b, label in _edges(graph):
        lines.append(f'  "{_node_id(a)}" -> "{_node_id(b)}" [label="{label}"];')
    lines.append("}")
    return "\n".join(lines)


def to_mermaid(graph: nx.MultiDiGraph) -> str:
    ids = {node: f"n{i}" for i, node in enumerate(sorted(graph.nodes, key=_node_id))}
    lines = ["flowchart LR"]
    for node, data in sorted(graph.nodes(data=True), key=lambda n: _node_id(n[0])):
        lines.append(f'  {ids[node]}["{_label(node, data)}"]')
    for a, b, label in _edges(graph):
        lines.append(f"  {ids[a]} -->|{label}| {ids[b]}")
    return "\n".join(lines)


def to_json(graph: nx.MultiDiGraph) -> str:
    nodes = [{"id": _node_id(n), "kind": n[0], "name": n[1]} for n in sorted(graph.nodes, key=_node_id)]
    edges = [{"source": _node_id(a), "target": _node_id(b), "kind": label} for a, b, label in _edges(graph)]
    return json.dumps({"nodes": nodes, "edges": edges}, indent=2)
