"""`slalang fmt` through typer's CliRunner (on a local app, as slalang.cli registers it) and once as a process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from slalang.fmt.command import fmt_command

MESSY = ('severity S1 "Urgent"\nseverity S2 "Normal"\ntier t {\n'
         '    response S1 within 1h   # fast\nresponse S2 within 4h\n}\n')
CLEAN = ('severity S1 "Urgent"\nseverity S2 "Normal"\n\ntier t {\n'
         + "  response S1 within 1h".ljust(36) + "# fast\n  response S2 within 4h\n}\n")
BROKEN = "service api {\n  offers a b\n}\n"


def _app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command("fmt")(fmt_command)

    @app.callback()
    def main() -> None:  # a group, so that `fmt` is a subcommand as in slalang.cli
        """slalang (test app)."""

    return app


def run(*args: str):
    return CliRunner().invoke(_app(), ["fmt", *args])


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "a.sla").write_text(MESSY)
    (tmp_path / "sub" / "b.sla").write_text(MESSY)
    (tmp_path / "sub" / "clean.sla").write_text(CLEAN)
    (tmp_path / ".hidden" / "skip.sla").write_text(MESSY)
    (tmp_path / "notes.txt").write_text(MESSY)
    return tmp_path


def test_formats_every_sla_file_under_a_directory_in_place(tree: Path) -> None:
    result = run(str(tree))
    assert result.exit_code == 0, result.output
    assert (tree / "a.sla").read_text() == CLEAN
    assert (tree / "sub" / "b.sla").read_text() == CLEAN
    assert (tree / ".hidden" / "skip.sla").read_text() == MESSY   # hidden directories are skipped
    assert (tree / "notes.txt").read_text() == MESSY
    assert "2 files reformatted, 1 unchanged" in result.stderr
    assert not list(tree.rglob("*.tmp"))
    again = run(str(tree))
    assert again.exit_code == 0 and "0 files reformatted, 3 unchanged" in again.stderr


def test_a_file_named_on_the_command_line_is_formatted_whatever_its_suffix(tree: Path) -> None:
    assert run(str(tree / "notes.txt")).exit_code == 0
    assert (tree / "notes.txt").read_text() == CLEAN


def test_check_lists_what_would_change_writes_nothing_and_exits_1(tree: Path) -> None:
    result = run("--check", str(tree))
    assert result.exit_code == 1
    assert f"would reformat {tree / 'a.sla'}" in result.stderr
    assert f"would reformat {tree / 'sub' / 'b.sla'}" in result.stderr
    assert "clean.sla" not in result.stderr
    assert (tree / "a.sla").read_text() == MESSY
    assert run("--check", str(tree / "sub" / "clean.sla")).exit_code == 0


def test_diff_prints_a_unified_diff_and_writes_nothing(tree: Path) -> None:
    result = run("--diff", str(tree / "a.sla"))
    assert result.exit_code == 0
    name = str(tree / "a.sla")
    assert result.stdout.startswith(f"--- {name}\n+++ {name}\n@@ ")
    assert "-    response S1 within 1h   # fast\n" in result.stdout
    assert "+" + "  response S1 within 1h".ljust(36) + "# fast\n" in result.stdout
    assert "+\n" in result.stdout   # the blank line added before the tier
    assert (tree / "a.sla").read_text() == MESSY
    both = run("--check", "--diff", str(tree / "a.sla"))
    assert both.exit_code == 1 and both.stdout == result.stdout


def test_diff_marks_a_missing_final_newline(tmp_path: Path) -> None:
    (tmp_path / "p.sla").write_text('contact a "a@example.test"')
    result = run("--diff", str(tmp_path))
    assert '-contact a "a@example.test"\n\\ No newline at end of file\n+contact a "a@example.test"\n' in result.stdout


def test_a_file_that_does_not_parse_is_reported_and_left_alone(tree: Path) -> None:
    (tree / "broken.sla").write_text(BROKEN)
    result = run(str(tree))
    assert result.exit_code == 1
    assert f"{tree / 'broken.sla'}:2:12: error[SLA003]" in result.stderr
    assert "   2 |   offers a b" in result.stderr
    assert "1 not formatted" in result.stderr
    assert (tree / "broken.sla").read_text() == BROKEN
    assert (tree / "a.sla").read_text() == CLEAN   # the others are still formatted
    assert "Traceback" not in result.output


def test_a_file_that_is_not_utf8_is_reported_and_left_alone(tmp_path: Path) -> None:
    data = b'contact a "caf\xe9"\n'
    (tmp_path / "latin1.sla").write_bytes(data)
    result = run(str(tmp_path))
    assert result.exit_code == 1 and "error[SLA010]" in result.stderr
    assert (tmp_path / "latin1.sla").read_bytes() == data


def test_line_endings_and_byte_order_mark_are_normalised(tmp_path: Path) -> None:
    (tmp_path / "crlf.sla").write_bytes(b'\xef\xbb\xbfcontact a "a@example.test"\r\n')
    assert run("--check", str(tmp_path)).exit_code == 1
    assert run(str(tmp_path)).exit_code == 0
    assert (tmp_path / "crlf.sla").read_bytes() == b'contact a "a@example.test"\n'


def test_a_missing_path_is_a_usage_error_and_nothing_is_written(tree: Path) -> None:
    result = run(str(tree / "a.sla"), str(tree / "nope.sla"))
    assert result.exit_code == 2
    assert "nope.sla: no such file or directory" in result.stderr
    assert (tree / "a.sla").read_text() == MESSY


def test_no_paths_means_the_current_directory(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    assert run("--check").exit_code == 1
    assert run().exit_code == 0
    assert (tree / "sub" / "b.sla").read_text() == CLEAN


def test_as_a_real_process(tree: Path) -> None:
    """Exit codes and streams as a shell sees them; no traceback for bad input."""
    (tree / "broken.sla").write_text(BROKEN)
    script = ("import typer\nfrom slalang.fmt.command import fmt_command\n"
              "app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)\n"
              "app.command('fmt')(fmt_command)\n"
              "app.callback()(lambda: None)\n"
              "app()\n")
    proc = subprocess.run([sys.executable, "-c", script, "fmt", "--check", str(tree)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "would reformat" in proc.stderr and "error[SLA003]" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tree / "a.sla").read_text() == MESSY
