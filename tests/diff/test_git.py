"""`slalang diff --base GIT_REF [PATHS]` in a real temporary git repository: the old side is read
with git (no checkout), so the work tree, the index and HEAD are left exactly as they were."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from diffcase import BASE, diff_app, variant

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

runner = CliRunner()
app = diff_app()


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


def _split(text: str) -> dict[str, str]:
    """BASE as two files joined by a relative import, so the old tree's layout matters."""
    cut = text.index("severity P1")
    header_end = text.index("window office")
    rest = text[cut:].replace("support office", "support hours.office").replace("exclude maintenance",
                                                                                 "exclude hours.maintenance")
    return {"policies/hours.sla": text[header_end:cut],
            "policies/main.sla": text[:header_end] + 'import "./shared/../hours.sla" as hours\n\n' + rest,
            "policies/shared/README.md": "not a policy\n"}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    for name, text in _split(BASE).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "policy")
    return root


def _edit(repo: Path, edits) -> None:
    for name, text in _split(variant(edits)).items():
        (repo / name).write_text(text)


def _state(repo: Path) -> tuple:
    files = {p.relative_to(repo).as_posix(): p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    return git(repo, "status", "--porcelain"), git(repo, "rev-parse", "HEAD"), git(repo, "stash", "list"), files


def test_base_compares_the_work_tree_with_a_revision(repo, monkeypatch):
    _edit(repo, [("response P1 within 2h", "response P1 within 4h"), ("mon-fri 09:00-17:00", "mon-fri 08:00-18:00")])
    before = _state(repo)
    monkeypatch.chdir(repo)
    result = runner.invoke(app, ["diff", "--base", "HEAD", "policies", "--fail-on", "looser"])
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("**1 looser**, 1 stricter across 2 entities")
    assert "| tier `standard` | response P1 | 2h | 4h | **looser** — 2h longer |" in result.stdout
    assert "| weekly hours | mon-fri 09:00-17:00 (40h/week) | mon-fri 08:00-18:00 (50h/week) | stricter" in result.stdout
    assert _state(repo) == before   # nothing checked out, staged, stashed or written


def test_base_defaults_to_the_current_directory_and_sees_committed_changes_as_none(repo, monkeypatch):
    monkeypatch.chdir(repo / "policies")
    result = runner.invoke(app, ["diff", "--base", "HEAD", "-f", "text"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "No semantic changes.\n"


def test_base_with_a_single_file_reads_the_files_it_imports(repo, monkeypatch):
    _edit(repo, [("sun 02:00-04:00", "sun 00:00-06:00")])
    monkeypatch.chdir(repo)
    result = runner.invoke(app, ["diff", "--base", "HEAD", "policies/main.sla", "-f", "text"])
    assert result.exit_code == 0, result.output
    # compiled from one file, the imported window is qualified by its module
    assert "looser  window hours.maintenance: weekly hours" in result.stdout


def test_base_against_an_older_commit(repo, monkeypatch):
    _edit(repo, [("cap 50%", "cap 30%")])
    git(repo, "commit", "-q", "-am", "lower cap")
    monkeypatch.chdir(repo)
    assert runner.invoke(app, ["diff", "--base", "HEAD", "policies"]).stdout == "No semantic changes.\n"
    result = runner.invoke(app, ["diff", "--base", "HEAD~1", "policies", "-f", "json"])
    assert result.exit_code == 0
    assert '"field": "credits cap"' in result.stdout and '"classification": "looser"' in result.stdout


def test_a_directory_new_since_the_revision_is_all_added(repo, monkeypatch):
    (repo / "more").mkdir()
    (repo / "more" / "extra.sla").write_text(BASE)
    monkeypatch.chdir(repo)
    result = runner.invoke(app, ["diff", "--base", "HEAD", "more", "-f", "text"])
    assert result.exit_code == 0, result.output
    assert "has no policy at more; everything is new" in result.output
    assert "added  tier standard: tier" in result.stdout
    assert result.stdout.splitlines()[-1] == "11 added across 11 entities"


def test_a_revision_that_does_not_compile_names_its_files_by_revision(repo, monkeypatch):
    main = repo / "policies" / "main.sla"
    good = main.read_text()
    main.write_text(good.replace("support hours.office", "support hours.ofice"))
    git(repo, "commit", "-q", "-am", "typo")
    main.write_text(good)
    monkeypatch.chdir(repo)
    result = runner.invoke(app, ["diff", "--base", "HEAD", "policies"])
    assert result.exit_code == 1
    assert 'HEAD:policies/main.sla:' in result.output and 'unknown window "hours.ofice"' in result.output
    assert "error: the policy at HEAD does not compile" in result.output
    assert "slalang-diff-" not in result.output   # the temporary copy stays out of sight


def test_an_unknown_revision_is_a_usage_error(repo, monkeypatch):
    monkeypatch.chdir(repo)
    result = runner.invoke(app, ["diff", "--base", "no-such-branch", "policies"])
    assert result.exit_code == 2
    assert "unknown git revision 'no-such-branch'" in result.output


def test_outside_a_repository_is_a_usage_error(tmp_path, monkeypatch):
    (tmp_path / "p.sla").write_text(BASE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    result = runner.invoke(app, ["diff", "--base", "HEAD", "p.sla"])
    assert result.exit_code == 2
    assert "not a git repository" in result.output.lower()


def test_the_command_in_a_real_process(repo):
    """Once end to end as a subprocess: real argv parsing, real stdout, real exit code."""
    _edit(repo, [("with notice 48h", "with notice 24h")])
    script = textwrap.dedent("""
        import sys
        sys.path.insert(0, sys.argv.pop(1))
        from diffcase import diff_app
        diff_app()(prog_name="slalang")
    """)
    done = subprocess.run([sys.executable, "-c", script, str(Path(__file__).parent),
                           "diff", "--base", "HEAD", "policies", "--fail-on", "looser"],
                          cwd=repo, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "| tier `standard` | exclude maintenance notice | 2d | 1d | **looser**" in done.stdout
    assert "Traceback" not in done.stderr
