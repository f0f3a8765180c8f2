"""The command line as a user meets it: exit codes, diagnostics, artifacts, graphs."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from slalang.cli import app

runner = CliRunner()


def test_check_example_exits_zero_with_warnings_only(acme_dir):
    result = runner.invoke(app, ["check", str(acme_dir)])
    assert result.exit_code == 0, result.output
    assert "warning[SLA210]" in result.output
    assert "error[" not in result.output


def test_check_strict_fails_on_warnings(acme_dir):
    result = runner.invoke(app, ["check", "--strict", str(acme_dir)])
    assert result.exit_code == 1


def test_check_reports_error_with_caret_and_help(small_dir):
    src = small_dir / "policy.sla"
    src.write_text(src.read_text().replace("support office", "support ofice"))
    result = runner.invoke(app, ["check", str(small_dir)])
    assert result.exit_code == 1
    assert 'error[SLA203]: unknown window "ofice"' in result.output
    assert "^^^^^" in result.output
    assert 'help: did you mean "office"?' in result.output


def test_check_json_format(small_dir):
    src = small_dir / "policy.sla"
    src.write_text(src.read_text().replace("99.5%", "100.5%"))
    result = runner.invoke(app, ["check", "--format", "json", str(small_dir)])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["errors"] == 1
    diag = payload["diagnostics"][0]
    assert diag["code"] == "SLA503" and diag["severity"] == "error"
    assert diag["span"]["line"] == 17 and diag["span"]["column"] == 16 and diag["span"]["file"].endswith("policy.sla")


def test_check_missing_path_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path / "nope")])
    assert result.exit_code == 2


def test_compile_writes_artifact_and_nothing_on_errors(small_dir, tmp_path):
    out = tmp_path / "out" / "policy.json"
    result = runner.invoke(app, ["compile", str(small_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["policy"]["name"] == "Small"
    bad = tmp_path / "bad.json"
    (small_dir / "policy.sla").write_text("tier {")
    result = runner.invoke(app, ["compile", str(small_dir), "-o", str(bad)])
    assert result.exit_code == 1
    assert not bad.exists()


def test_graph_formats(small_dir):
    dot = runner.invoke(app, ["graph", str(small_dir), "--format", "dot"])
    assert dot.exit_code == 0 and '"service:api" -> "tier:basic" [label="offers"]' in dot.output
    mermaid = runner.invoke(app, ["graph", str(small_dir), "--format", "mermaid"])
    assert mermaid.output.startswith("flowchart LR") and "-->|offers|" in mermaid.output
    data = json.loads(runner.invoke(app, ["graph", str(small_dir), "--format", "json"]).output)
    assert {"source": "tier:basic", "target": "window:office", "kind": "uses_window"} in data["edges"]


def test_real_subprocess_on_random_bytes_prints_no_traceback(tmp_path):
    (tmp_path / "junk.sla").write_bytes(bytes(range(256)) * 4)
    proc = subprocess.run([sys.executable, "-m", "slalang.cli", "check", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "SLA010" in proc.stdout


def test_runtime_import_stays_light():
    code = ("import sys, slalang, slalang.runtime; "
            "print(sorted(m for m in ('lark', 'networkx', 'holidays', 'jsonschema') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_report_for_a_period_beyond_the_horizon_is_an_input_error(tmp_path):
    from pathlib import Path
    repo = Path(__file__).resolve().parents[2]
    outages = tmp_path / "outages.jsonl"
    outages.write_text("")
    result = runner.invoke(app, ["report", "--policy", str(repo / "policies"), "--outages", str(outages),
                                 "--period", "2041-01"])
    assert result.exit_code == 2
    assert "outside the policy horizon" in result.output
    proc = subprocess.run([sys.executable, "-m", "slalang.cli", "report", "--policy", str(repo / "policies"),
                           "--outages", str(outages), "--period", "2041-01"], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
