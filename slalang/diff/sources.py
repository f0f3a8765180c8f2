"""Diff stage: where the two policies come from — files, directories, artifacts, or a git revision
read with `git cat-file` into a temporary directory (never a checkout; the work tree is untouched)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Optional, Sequence


class SourceError(Exception):
    """The input cannot be read: a missing path, an unreadable artifact, a git problem (exit 2)."""


def load_policy_any(path: str | os.PathLike):
    """A `.json` artifact is loaded (`slalang.load`); a directory or `.sla` file is compiled
    (`slalang.compile`, raising PolicyError with every diagnostic)."""
    import slalang

    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    if path.is_file() and path.suffix == ".json":
        try:
            return slalang.load(path)
        except slalang.ArtifactError as exc:
            raise SourceError(f"{path}: {exc}") from exc
        except OSError as exc:
            raise SourceError(f"{path}: {exc.strerror or exc}") from exc
    return slalang.compile(path)


def compile_many(paths: Sequence[Path]):
    """One policy from several paths (as `slalang check PATHS` sees them), or one artifact."""
    import slalang

    for path in paths:
        if not path.exists():
            raise SourceError(f"{path}: no such file or directory")
    if len(paths) == 1:
        return load_policy_any(paths[0])
    if any(p.is_file() and p.suffix == ".json" for p in paths):
        raise SourceError("an artifact (.json) must be the only path")
    return slalang.compile(*paths)


def _git(repo: Path, *args: str, binary: bool = False):
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise SourceError("git is not installed (needed for --base)") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"git {' '.join(args)} failed"
        raise SourceError(message)
    return done.stdout if binary else done.stdout.decode("utf-8", "replace")


def _repository(paths: Sequence[Path]) -> Path:
    """The work tree that holds every path."""
    tops = set()
    for path in paths:
        where = path if path.is_dir() else path.parent
        if not where.is_dir():
            raise SourceError(f"{path}: no such file or directory")
        tops.add(Path(_git(where, "rev-parse", "--show-toplevel").strip()).resolve())
    if len(tops) != 1:
        raise SourceError("the paths belong to different git repositories")
    return tops.pop()


class Revision:
    """The policy files as they were at a git revision, written under a temporary directory with
    the repository's layout, so relative imports resolve exactly as they did then."""

    def __init__(self, ref: str, paths: Sequence[Path]):
        self.ref = ref
        self.paths = [p.resolve() for p in paths]
        self.repo = _repository(self.paths)
        try:
            _git(self.repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        except SourceError:
            raise SourceError(f"unknown git revision {ref!r} in {self.repo}") from None
        self._tmp = tempfile.TemporaryDirectory(prefix="slalang-diff-")
        self.root = Path(self._tmp.name)

    def __enter__(self) -> "Revision":
        return self

    def __exit__(self, *exc) -> None:
        self._tmp.cleanup()

    def materialise(self) -> Optional[list[Path]]:
        """Write the revision's files under the paths (for a file: its directory, whose files it
        may import) and return the paths to compile there; None when the revision has none."""
        wanted: dict[str, None] = {}
        targets = []
        for path in self.paths:
            rel = path.relative_to(self.repo)
            folder = rel if path.is_dir() else rel.parent
            listed = _git(self.repo, "ls-tree", "-r", "-z", "--name-only", self.ref, "--",
                          folder.as_posix() if folder.parts else ".")
            for name in filter(None, listed.split("\0")):
                if name.endswith(".sla") or name == rel.as_posix():
                    wanted[name] = None
            if path.is_dir() or rel.as_posix() in wanted:
                targets.append(self.root / rel)
        for name in wanted:
            dest = self.root / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(_git(self.repo, "cat-file", "blob", f"{self.ref}:{name}", binary=True))
        # a directory that did not exist at the revision contributes nothing
        targets = [t for t in targets if t.exists()]
        return targets or None
