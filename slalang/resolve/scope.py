"""Resolve stage: declarations become entities with ids; references are looked up per file namespace."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from slalang.diagnostics import Diagnostic, Span, did_you_mean, error
from slalang.resolve.loader import SourceFile, Sources
from slalang.syntax import ast

KINDS = ("window", "severity", "status", "exclusion", "contact", "escalation", "tier", "service", "customer", "ola",
         "source")
# names tickets carry bare (a severity or a status in a ticket's record): their ids are bare in
# every file, and a bare name may come from any imported file
BARE = ("severity", "status")
# statuses every policy has (SPEC §12): entering `resolved` resolves, `cancelled` cancels
BUILTIN_STATUSES = ("open", "resolved", "cancelled")
ALWAYS = "always"


@dataclass(eq=False)
class Entity:
    """A declaration with its artifact id and the file whose namespace its references use."""

    kind: str
    id: str
    name: str
    file: Optional[SourceFile]
    decl: Optional[ast.Node]

    @property
    def span(self) -> Optional[Span]:
        return self.decl.name.span if self.decl is not None and hasattr(self.decl, "name") else None

    @property
    def node(self) -> tuple[str, str]:
        return (self.kind, self.id)


BUILTIN_ALWAYS = Entity("window", ALWAYS, ALWAYS, None, None)


@dataclass
class Reference:
    """A resolved use: who refers (None for tests and imports), what, where, and in which role."""

    source: Optional[Entity]
    target: Entity
    span: Span
    role: str


@dataclass
class Scope:
    """Every entity of the policy, the per-file namespaces, and each reference made so far."""

    sources: Sources
    entities: dict[tuple[str, str], Entity] = field(default_factory=dict)
    by_file: dict[str, dict[str, dict[str, Entity]]] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    header: Optional[tuple[ast.PolicyHeader, SourceFile]] = None
    tests: list[tuple[ast.TestDecl, SourceFile]] = field(default_factory=list)
    used_bindings: set[tuple[str, str]] = field(default_factory=set)
    _reported: set = field(default_factory=set)

    # -- building ------------------------------------------------------------------------------
    @classmethod
    def build(cls, sources: Sources) -> "Scope":
        scope = cls(sources)
        for sf in sources.files.values():
            scope._declare_file(sf)
        return scope

    def _declare_file(self, sf: SourceFile) -> None:
        table: dict[str, dict[str, Entity]] = {k: {} for k in KINDS}
        self.by_file[sf.key] = table
        if sf.module is None:
            return
        for item in sf.module.items:
            if isinstance(item, ast.PolicyHeader):
                if not sf.is_root:
                    continue  # an imported file's header speaks for that file only
                if self.header is not None:
                    first = self.header[0]
                    self.diagnostics.append(error(
                        "SLA208", "a policy has one header; this is the second", item.title.span,
                        "keep the policy block in one file", [("first header here", first.title.span)]))
                else:
                    self.header = (item, sf)
                continue
            if isinstance(item, ast.TestDecl):
                self.tests.append((item, sf))
                continue
            kind = ast.DECL_KINDS.get(type(item))
            if kind is None:
                continue
            name = item.name.value
            if name in table[kind]:
                first = table[kind][name]
                self.diagnostics.append(error(
                    "SLA202", f'{kind} "{name}" is declared twice in this file', item.name.span,
                    f"rename or remove one of the two {kind}s", [("first declared here", first.span)]))
                continue
            ent_id = name if (sf.is_root or kind in BARE) else f"{sf.module_id}.{name}"
            ent = Entity(kind, ent_id, name, sf, item)
            if (kind, ent_id) in self.entities:
                first = self.entities[(kind, ent_id)]
                here, other = item.name.span, first.span
                if first.file.is_root and not sf.is_root:
                    # point at the policy's own file, not into the imported one (often the stdlib)
                    here, other = first.span, item.name.span
                self.diagnostics.append(error(
                    "SLA204", f'{kind} "{name}" is declared in two files of this policy', here,
                    f"a {kind} name must be unique across the policy's files; rename one",
                    [("also declared", other)]))
                continue
            table[kind][name] = ent
            self.entities[(kind, ent_id)] = ent

    # -- lookups --------------------------------------------------------------------------------
    def of_kind(self, kind: str) -> list[Entity]:
        return [e for (k, _), e in self.entities.items() if k == kind]

    def get(self, kind: str, ent_id: str) -> Optional[Entity]:
        if kind == "window" and ent_id == ALWAYS and ("window", ALWAYS) not in self.entities:
            return BUILTIN_ALWAYS
        return self.entities.get((kind, ent_id))

    def _report(self, diag: Diagnostic) -> None:
        key = (diag.code, diag.span, diag.message)
        if key not in self._reported:
            self._reported.add(key)
            self.diagnostics.append(diag)

    def lookup(self, sf: SourceFile, ref: ast.QualName, kinds: tuple[str, ...] | str, *,
               source: Optional[Entity] = None, role: str = "uses", report: bool = True,
               code: str = "SLA203") -> Optional[Entity]:
        """The entity `ref` names in file `sf`, trying each kind in order; a diagnostic when none."""
        kinds = (kinds,) if isinstance(kinds, str) else kinds
        if ref.alias is not None:
            target_key = sf.bindings.get(ref.alias)
            if target_key is None:
                if report:
                    self._report(error("SLA205", f'unknown import "{ref.alias}" in "{ref.text}"', ref.span,
                                       did_you_mean(ref.alias, sf.bindings) or
                                       f'import the file first: import "./{ref.alias}.sla"'))
                return None
            self.used_bindings.add((sf.key, ref.alias))
            tables = [self.by_file.get(target_key, {})]
        else:
            tables = [self.by_file.get(sf.key, {})]
        for kind in kinds:
            for table in tables:
                ent = table.get(kind, {}).get(ref.name)
                if ent is not None:
                    return self._used(source, ent, ref.span, role)
            if ref.alias is None and kind == "window" and ref.name == ALWAYS:
                return self._used(source, BUILTIN_ALWAYS, ref.span, role)
            if ref.alias is None and kind in BARE:
                ent = self._imported_bare(sf, ref, kind)
                if ent is not None:
                    return self._used(source, ent, ref.span, role)
        if report:
            self._report(self._unknown(sf, ref, kinds, code))
        return None

    def _imported_bare(self, sf: SourceFile, ref: ast.QualName, kind: str) -> Optional[Entity]:
        # Tickets carry bare severity and status names, so a bare name may come from any import.
        found = [(alias, self.by_file[key][kind][ref.name]) for alias, key in sf.bindings.items()
                 if ref.name in self.by_file.get(key, {}).get(kind, {})]
        if len(found) == 1:
            self.used_bindings.add((sf.key, found[0][0]))
            return found[0][1]
        return None

    def _used(self, source: Optional[Entity], ent: Entity, span: Span, role: str) -> Entity:
        self.references.append(Reference(source, ent, span, role))
        return ent

    def names_in_scope(self, sf: SourceFile, kind: str) -> list[str]:
        names = list(self.by_file.get(sf.key, {}).get(kind, {}))
        for alias, key in sf.bindings.items():
            names += [f"{alias}.{n}" for n in self.by_file.get(key, {}).get(kind, {})]
            if kind in BARE:
                names += list(self.by_file.get(key, {}).get(kind, {}))
        if kind == "window":
            names.append(ALWAYS)
        return names

    def _unknown(self, sf: SourceFile, ref: ast.QualName, kinds: tuple[str, ...], code: str) -> Diagnostic:
        what = " or ".join(kinds)
        candidates = [n for k in kinds for n in self.names_in_scope(sf, k)]
        if ref.alias is not None:
            key = sf.bindings[ref.alias]
            candidates = [f"{ref.alias}.{n}" for k in kinds for n in self.by_file.get(key, {}).get(k, {})]
        help_ = did_you_mean(ref.text, candidates)
        if help_ is None:
            elsewhere = [k for k in KINDS if k not in kinds and ref.name in self.by_file.get(sf.key, {}).get(k, {})]
            if elsewhere:
                help_ = f'"{ref.text}" is a {elsewhere[0]}, not a {what}'
            elif candidates:
                shown = ", ".join(sorted(set(candidates))[:6])
                plural = " or ".join(k[:-1] + "ies" if k.endswith("y") else k + ("es" if k.endswith("s") else "s")
                                     for k in kinds)
                help_ = f"known {plural} here: {shown}"
            else:
                help_ = f"declare it with `{kinds[0]} {ref.name} ...`"
        return error(code, f'unknown {what} "{ref.text}"', ref.span, help_)
