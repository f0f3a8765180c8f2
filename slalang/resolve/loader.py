"""Resolve stage: find the policy's files, parse them, and follow imports (stdlib and relative, root-confined)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from slalang.diagnostics import Diagnostic, Span, error
from slalang.resources import resource_dir
from slalang.syntax import ast
from slalang.syntax.parser import parse_bytes

STD_PREFIX = "std/"


@dataclass
class SourceFile:
    """One module: its text, its AST and how other modules name it."""

    key: str            # identity: absolute path, or "std/NAME" for the stdlib
    display: str        # the path diagnostics print
    rel: str            # the path recorded in the artifact (relative to the policy root)
    data: bytes
    text: str | None
    module: ast.Module | None
    is_root: bool
    module_id: str      # "" for root files, else the qualifier of its entity ids ("std.windows")
    bindings: dict[str, str] = field(default_factory=dict)   # import alias -> module key
    binding_spans: dict[str, Span] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def is_std(self) -> bool:
        return self.key.startswith(STD_PREFIX)


@dataclass
class Sources:
    """Every module of a policy, roots first (sorted), then what they import."""

    root: Path
    files: dict[str, SourceFile]
    diagnostics: list[Diagnostic]
    import_edges: list[tuple[str, str, Span]]  # importer key, imported key, span of the import

    def texts(self) -> dict[str, str]:
        return {f.display: f.text for f in self.files.values() if f.text is not None}


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith(".." + os.sep + "..") else rel


def _within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def discover(paths: list[str | os.PathLike]) -> tuple[Path, list[Path], list[Diagnostic]]:
    """The policy root and its root files: every `*.sla` under a directory, or the files given."""
    diags: list[Diagnostic] = []
    files: list[Path] = []
    dirs: list[Path] = []
    for raw in paths or ["."]:
        p = Path(raw).resolve()
        if p.is_dir():
            dirs.append(p)
            for q in sorted(p.rglob("*.sla")):
                target = q.resolve()
                if not _within(target, p):   # a link out of the policy root: refused, as an import would be
                    diags.append(error("SLA102", f"{q} resolves outside the policy root {p} (to {target})", None,
                                       "copy the file into the policy, or import it from inside the root"))
                elif target.is_file():
                    files.append(target)
                elif target.exists():
                    diags.append(error("SLA100", f"{q} is not a regular file", None,
                                       "a policy file is a regular .sla file"))
        elif p.is_file():
            files.append(p)
        elif p.exists():
            diags.append(error("SLA100", f"{raw} is not a regular file or directory", None,
                               "give a .sla file or a directory of them"))
        else:
            diags.append(error("SLA100", f"no such file or directory: {raw}", None,
                               "give a .sla file or a directory of them"))
    if dirs:
        root = Path(os.path.commonpath([str(d) for d in dirs] + [str(f.parent) for f in files]))
    elif files:
        root = Path(os.path.commonpath([str(f.parent) for f in files]))
    else:
        root = Path.cwd()
    unique = list(dict.fromkeys(files))
    if not unique and not diags:
        diags.append(error("SLA100", f"no .sla files found in {', '.join(map(str, paths or ['.']))}", None))
    return root, unique, diags


def _module_id(rel: str) -> str:
    stem = rel[:-4] if rel.endswith(".sla") else rel
    return stem.replace("/", ".").replace(os.sep, ".")


def load_sources(paths: list[str | os.PathLike]) -> Sources:
    """Read and parse the root files and, transitively, their imports."""
    root, root_files, diags = discover(paths)
    std_dir = resource_dir("stdlib").resolve()
    files: dict[str, SourceFile] = {}
    edges: list[tuple[str, str, Span]] = []

    def read_file(path: Path, is_root: bool, std_name: str | None = None) -> SourceFile:
        key = f"{STD_PREFIX}{std_name}" if std_name else str(path)
        if key in files:
            return files[key]
        display = f"{STD_PREFIX}{std_name}.sla" if std_name else _display(path)
        rel = display if std_name else path.relative_to(root).as_posix()
        data = path.read_bytes()
        text, module, parse_diags = parse_bytes(data, display)
        diags.extend(parse_diags)
        module_id = "" if is_root else (f"std.{std_name.replace('/', '.')}" if std_name else _module_id(rel))
        sf = SourceFile(key, display, rel, data, text, module, is_root, module_id)
        files[key] = sf
        return sf

    queue = [read_file(p, True) for p in root_files]
    while queue:
        sf = queue.pop(0)
        if sf.module is None:
            continue
        for imp in sf.module.imports:
            target = _resolve_import(sf, imp, root, std_dir, diags)
            if target is None:
                continue
            path, std_name = target
            if not path.is_file():
                diags.append(error("SLA101", f'cannot find import "{imp.path.value}"', imp.path.span,
                                   "stdlib modules are std/windows, std/severities and std/exclusions"
                                   if std_name is not None else f"looked for {_display(path)}"))
                continue
            known = f"{STD_PREFIX}{std_name}" if std_name else str(path)
            is_new = known not in files
            imported = read_file(path, False, std_name)
            if is_new:
                queue.append(imported)
            alias = imp.alias.value if imp.alias else Path(imp.path.value).name.removesuffix(".sla")
            if alias in sf.bindings and sf.bindings[alias] != imported.key:
                diags.append(error("SLA206", f'import name "{alias}" is already bound', imp.span,
                                   'bind one of them under another name with `as`',
                                   [("first bound here", sf.binding_spans[alias])]))
                continue
            sf.bindings[alias] = imported.key
            sf.binding_spans.setdefault(alias, (imp.alias or imp).span)
            edges.append((sf.key, imported.key, imp.span))
    return Sources(root, files, diags, edges)


def _resolve_import(sf: SourceFile, imp: ast.Import, root: Path, std_dir: Path,
                    diags: list[Diagnostic]) -> tuple[Path, str | None] | None:
    spec = imp.path.value
    if spec.startswith(STD_PREFIX):
        name = spec[len(STD_PREFIX):].removesuffix(".sla")
        path = (std_dir / f"{name}.sla").resolve()
        if not name or not _within(path, std_dir):
            diags.append(error("SLA102", f'import "{spec}" leaves the stdlib', imp.path.span))
            return None
        return path, name
    if sf.is_std:
        base, confine, where = std_dir, std_dir, "the stdlib"
        base = (std_dir / sf.key[len(STD_PREFIX):]).parent
    else:
        base, confine, where = Path(sf.key).parent, root, f'the policy root "{_display(root)}"' 
    path = (base / spec).resolve()
    if not spec.endswith(".sla"):
        path = path.with_name(path.name + ".sla") if not path.is_file() else path
    if not _within(path, confine):
        diags.append(error("SLA102", f'import "{spec}" resolves outside {where}', imp.path.span,
                           "imports may only reach files under the policy root or the stdlib"))
        return None
    if sf.is_std:
        return path, path.relative_to(std_dir).as_posix().removesuffix(".sla")
    return path, None
