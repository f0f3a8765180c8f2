"""`slalang eval` and `slalang test` as a user meets them: formats, --now, bad records, exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slalang.cli import app

REPO = Path(__file__).resolve().parents[2]
POLICIES = REPO / "policies"
SAMPLES = POLICIES / "samples" / "tickets.jsonl"
NOW = "2025-04-01T00:00:00Z"      # after every sample ticket opened

runner = CliRunner()


def eval_(*args: str):
    return runner.invoke(app, ["eval", *args])


@pytest.fixture(scope="module")
def sample_ids() -> list[str]:
    return [json.loads(line)["id"] for line in SAMPLES.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def json_run():
    result = eval_(str(SAMPLES), "--policy", str(POLICIES), "--now", NOW, "--format", "json")
    assert result.exit_code == 0, result.output
    return result


def test_json_has_one_line_per_ticket_in_input_order(json_run, sample_ids):
    rows = [json.loads(line) for line in json_run.stdout.splitlines()]
    assert [r["id"] for r in rows] == sample_ids
    assert json_run.stderr == "31 records read, 31 evaluated, 0 skipped\n"


def test_json_values_for_one_ticket_worked_out_by_hand(json_run):
    # NW-2003: Woodgrove, api_gateway, gold (24x7) with the contract's P1 overrides: response 10m
    # internal 5m, resolution 3h internal 2h; gold updates P1 every 1h; critical_chain.
    # Opened 10:02, responded 10:08, updated 10:40, resolved 11:05 (all UTC).
    row = next(json.loads(line) for line in json_run.stdout.splitlines() if '"NW-2003"' in line)
    assert (row["customer"], row["service"], row["tier"]) == ("woodgrove", "api_gateway", "gold")
    resp, res, upd = (row["metrics"][k] for k in ("response", "resolution", "update"))
    # response: 6m ≤ 10m met; internal 5m reached 10:07 → missed; 4m left, counted from the stop
    assert (resp["state"], resp["elapsed"], resp["goal"], resp["deadline"]) == ("met", 360, 600, "2025-03-04T10:12:00Z")
    assert (resp["internal_state"], resp["internal_deadline"]) == ("missed", "2025-03-04T10:07:00Z")
    # resolution: 63m of 3h met; internal 2h met; deadlines from the stop: +117m, +57m
    assert (res["state"], res["elapsed"], res["deadline"]) == ("met", 3780, "2025-03-04T13:02:00Z")
    assert (res["internal_state"], res["internal_deadline"]) == ("met", "2025-03-04T12:02:00Z")
    # update cycles: 6m, 32m, 25m, none over 1h → the current (last) cycle is shown
    assert [c["elapsed"] for c in upd["cycles"]] == [360, 1920, 1500]
    assert (upd["state"], upd["elapsed"], upd["deadline"]) == ("met", 1500, "2025-03-04T11:40:00Z")
    # escalations: 50% of the 10m response (10:07), 50% of the second update cycle (10:38)
    assert [(e["metric"], e["cycle"], e["step"], e["due"], e["notify"], e["fired"]) for e in row["escalations"]] == [
        ("response", 0, 1, "2025-03-04T10:07:00Z", ["duty_manager"], True),
        ("update", 2, 1, "2025-03-04T10:38:00Z", ["duty_manager"], True)]


def test_csv_format_one_row_per_metric():
    result = eval_(str(SAMPLES), "--policy", str(POLICIES), "--now", NOW, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["id", "severity", "tier", "customer", "service", "metric", "state", "deadline", "goal",
                             "elapsed", "remaining", "internal_state", "internal_deadline", "problem"]
    # NW-2001: contoso gold P2, opened 08:42, responded 09:10: 28m of 1h (internal 30m, met, due 09:12)
    resp = next(r for r in rows if r["id"] == "NW-2001" and r["metric"] == "response")
    assert resp == {"id": "NW-2001", "severity": "P2", "tier": "gold", "customer": "contoso",
                    "service": "api_gateway", "metric": "response", "state": "met",
                    "deadline": "2025-03-03T09:42:00Z", "goal": "3600", "elapsed": "1680", "remaining": "1920",
                    "internal_state": "met", "internal_deadline": "2025-03-03T09:12:00Z", "problem": ""}


def test_table_format_shows_every_ticket_and_the_fired_escalations(sample_ids):
    result = eval_(str(SAMPLES), "--policy", str(POLICIES), "--now", NOW)
    assert result.exit_code == 0, result.output
    # 00:00Z on 1 April is 01:00 in London (summer time)
    assert "Tickets as of 2025-04-01 01:00 (Europe/London)" in result.stdout
    assert "Escalations fired" in result.stdout
    for ticket_id in sample_ids:
        assert ticket_id in result.stdout


def test_table_format_lists_the_first_tickets_and_sums_up_all_of_a_large_file(tmp_path):
    from slalang.views.eval import TABLE_TICKETS

    records = [json.loads(line) for line in SAMPLES.read_text().splitlines() if line.strip()]
    many = [{**records[i % len(records)], "id": f"X{i}"} for i in range(TABLE_TICKETS + 50)]
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in many))
    result = eval_(str(path), "--policy", str(POLICIES), "--now", NOW)
    assert result.exit_code == 0, result.output
    assert f"X{TABLE_TICKETS - 1} " in result.stdout and f"X{TABLE_TICKETS} " not in result.stdout
    assert f"All {TABLE_TICKETS + 50:,} tickets by state" in result.stdout
    assert "50 tickets are not listed above; --format csv, json or parquet lists every one." in result.stdout
    # the summary counts every ticket: one metric's states add up to the tickets that have it
    rows = [line for line in result.stdout.splitlines() if line.startswith("│ response ")]
    assert sum(int(cell.strip().replace(",", "")) for cell in rows[-1].split("│")[2:-1]) == TABLE_TICKETS + 50


def test_table_format_with_a_running_clock(tmp_path):
    line = next(line for line in SAMPLES.read_text().splitlines() if '"NW-2003"' in line)
    result = runner.invoke(app, ["eval", "-", "--policy", str(POLICIES), "--now", "2025-03-04T10:05:00Z"],
                           input=line + "\n")
    assert result.exit_code == 0, result.output
    assert "NW-2003" in result.stdout and "running" in result.stdout


def test_table_format_when_no_clock_is_running():
    line = next(line for line in SAMPLES.read_text().splitlines() if '"NW-2003"' in line)
    result = runner.invoke(app, ["eval", "-", "--policy", str(POLICIES), "--now", NOW], input=line + "\n")
    assert result.exit_code == 0, result.output
    assert "Tickets as of 2025-04-01 01:00 (Europe/London)" in result.stdout
    assert "NW-2003" in result.stdout and "missed" in result.stdout      # the internal response goal
    assert "Escalations fired" in result.stdout and "duty_manager" in result.stdout


def test_now_decides_what_has_happened():
    # NW-2003 at 10:05: 3m into the 10m response, nothing responded yet
    line = next(line for line in SAMPLES.read_text().splitlines() if '"NW-2003"' in line)
    result = runner.invoke(app, ["eval", "-", "--policy", str(POLICIES), "--now", "2025-03-04T10:05:00Z",
                                 "--format", "json"], input=line + "\n")
    assert result.exit_code == 0, result.output
    resp = json.loads(result.stdout)["metrics"]["response"]
    assert (resp["state"], resp["elapsed"], resp["deadline"]) == ("running", 180, "2025-03-04T10:12:00Z")


def test_ticket_opened_after_now_is_reported_with_its_line(sample_ids):
    result = eval_(str(SAMPLES), "--policy", str(POLICIES), "--now", "2025-03-31T10:00:00Z", "--format", "json")
    assert result.exit_code == 0, result.output
    # NW-2031 (line 31) opened at 12:02 on the 31st
    assert f"{SAMPLES}:31:" in result.stderr and "after now" in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == sample_ids   # the late one too, in its place, with its problem
    assert "after now" in rows[-1]["problem"] and all("problem" not in r for r in rows[:-1])


@pytest.mark.parametrize("now", ["2025-04-01T00:00:00", "tomorrow"])
def test_bad_now_is_a_usage_error(now):
    result = eval_(str(SAMPLES), "--policy", str(POLICIES), "--now", now)
    assert result.exit_code == 2
    assert "--now" in result.stderr and "Traceback" not in result.output


def test_missing_tickets_file_is_a_usage_error(tmp_path):
    result = eval_(str(tmp_path / "nope.jsonl"), "--policy", str(POLICIES), "--now", NOW)
    assert result.exit_code == 2 and "cannot read" in result.stderr


@pytest.fixture
def with_bad_records(tmp_path) -> Path:
    lines = SAMPLES.read_text().splitlines()
    lines.insert(2, '{"id": "BROKEN", "severity": ')                                  # line 3
    lines.insert(5, json.dumps({"id": "NW-9", "severity": "P9", "opened": "2025-03-04T10:00:00Z",
                                "customer": "contoso", "service": "api_gateway"}))   # line 6
    path = tmp_path / "tickets.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_bad_records_are_reported_with_line_numbers_and_skipped(with_bad_records, sample_ids):
    result = eval_(str(with_bad_records), "--policy", str(POLICIES), "--now", NOW, "--format", "json")
    assert result.exit_code == 0, result.output
    err = result.stderr.splitlines()
    assert err[0].startswith(f"{with_bad_records}:3: not valid JSON") and err[0].endswith("(skipped)")
    assert err[1] == f'{with_bad_records}:6: unknown severity "P9" (skipped)'
    assert err[2] == "33 records read, 31 evaluated, 2 skipped"
    # every record read is in the output, in its place: a skipped one with its problem
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == sample_ids[:2] + ["#3"] + sample_ids[2:4] + ["NW-9"] + sample_ids[4:]
    assert rows[2]["problem"].startswith("not valid JSON") and rows[5]["problem"] == 'unknown severity "P9"'
    assert all("problem" not in r for i, r in enumerate(rows) if i not in (2, 5))


def test_strict_stops_at_the_first_bad_record_with_exit_2(with_bad_records):
    result = eval_(str(with_bad_records), "--policy", str(POLICIES), "--now", NOW, "--format", "json", "--strict")
    assert result.exit_code == 2
    assert f"{with_bad_records}:3: not valid JSON" in result.stderr
    assert ":6:" not in result.stderr and result.stdout == ""


def test_strict_on_clean_input_exits_0():
    result = eval_(str(SAMPLES), "--policy", str(POLICIES), "--now", NOW, "--format", "json", "--strict")
    assert result.exit_code == 0 and result.stderr == "31 records read, 31 evaluated, 0 skipped\n"


def test_compiled_artifact_gives_the_same_answers(tmp_path, json_run):
    artifact = tmp_path / "policy.json"
    assert runner.invoke(app, ["compile", str(POLICIES), "-o", str(artifact)]).exit_code == 0
    result = eval_(str(SAMPLES), "--policy", str(artifact), "--now", NOW, "--format", "json")
    assert result.exit_code == 0 and result.stdout == json_run.stdout


def test_eval_as_a_real_subprocess(with_bad_records, sample_ids):
    proc = subprocess.run([sys.executable, "-m", "slalang.cli", "eval", str(with_bad_records), "--policy",
                           str(POLICIES), "--now", NOW, "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{with_bad_records}:6: unknown severity" in proc.stderr
    ids = [json.loads(line)["id"] for line in proc.stdout.splitlines()]
    assert ids == sample_ids[:2] + ["#3"] + sample_ids[2:4] + ["NW-9"] + sample_ids[4:]


# -- slalang test ------------------------------------------------------------------------------------

def test_bundled_policy_tests_pass():
    result = runner.invoke(app, ["test", str(POLICIES)])
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output and "FAIL" not in result.output


WRONG = '''policy "Wrong" {
  version "1"
  timezone "UTC"
  horizon 2024..2026
}

severity P1 "Critical"

tier t {
  support always
  response P1 within 1h
}

test "right" {
  given tier t
  ticket a P1 opened 2025-03-03T09:00
  expect a response due 2025-03-03T10:00
}

test "a wrong due date" {
  given tier t
  ticket a P1 opened 2025-03-03T09:00
  expect a response state running at 2025-03-03T09:30
  expect a response due 2025-03-03T10:30
}
'''


def test_a_wrong_expectation_fails_with_name_place_expected_and_got(tmp_path):
    (tmp_path / "policy.sla").write_text(WRONG)
    line = WRONG.splitlines().index("  expect a response due 2025-03-03T10:30") + 1
    result = runner.invoke(app, ["test", str(tmp_path)])
    assert result.exit_code == 1
    out = result.output
    assert "PASS  right" in out
    assert "FAIL  a wrong due date" in out
    assert f"policy.sla:{line}:" in out
    assert "expected response due 2025-03-03T10:30:00Z" in out
    assert "got      due 2025-03-03T10:00:00Z" in out
    assert "1 passed, 1 failed" in out
    # only the wrong expectation is reported, not the state expectation above it
    assert out.count("expected ") == 1


def test_strict_also_stops_at_a_ticket_that_cannot_be_evaluated():
    result = eval_(str(SAMPLES), "--policy", str(POLICIES), "--now", "2025-03-31T10:00:00Z", "--format", "json",
                   "--strict")
    assert result.exit_code == 2
    assert f"{SAMPLES}:31:" in result.stderr and result.stdout == ""
