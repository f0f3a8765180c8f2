"""SPEC §18: the policy root is a boundary, a path that is not a regular file is named as such,
and the artifact records the holiday data it was expanded with."""

from __future__ import annotations

import os
from importlib.metadata import version

import pytest
from typer.testing import CliRunner

import slalang
from slalang.cli import app

POLICY = 'policy "H" { timezone "UTC" }\nseverity P1 "x"\n'


def test_a_link_out_of_the_policy_root_is_refused_like_an_import(tmp_path):
    (tmp_path / "pol").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "pol" / "p.sla").write_text(POLICY)
    (tmp_path / "outside" / "o.sla").write_text('severity P2 "y"\n')
    os.symlink(tmp_path / "outside" / "o.sla", tmp_path / "pol" / "link.sla")
    result = CliRunner().invoke(app, ["check", str(tmp_path / "pol")])
    assert result.exit_code == 1
    assert "error[SLA102]" in result.output and "resolves outside the policy root" in result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_a_fifo_is_not_a_regular_file_rather_than_no_such_file(tmp_path):
    os.mkfifo(tmp_path / "f.sla")
    result = CliRunner().invoke(app, ["check", str(tmp_path / "f.sla")])
    assert result.exit_code == 2 and "is not a regular file" in result.output


def test_the_artifact_records_the_holidays_version(tmp_path):
    (tmp_path / "p.sla").write_text(POLICY)
    assert slalang.compile(tmp_path).artifact["holidays"] == version("holidays")


def test_report_names_an_outage_tag_that_is_no_exclusion(tmp_path):
    (tmp_path / "p.sla").write_text(POLICY + 'exclusion customer_caused "Caused by the customer"\n'
                                    'tier t {\n  support always\n  availability 99.9% monthly\n'
                                    '  exclude customer_caused\n}\nservice api { offers t }\n'
                                    'customer c { contract api t from 2025-01-01 }\n')
    (tmp_path / "o.jsonl").write_text('{"service": "api", "start": "2025-03-04T10:00:00Z", '
                                      '"end": "2025-03-04T10:30:00Z", "tags": ["customer_cause"]}\n')
    result = CliRunner().invoke(app, ["report", "--policy", str(tmp_path), "--outages", str(tmp_path / "o.jsonl"),
                                      "--period", "2025-03", "--format", "json"])
    assert result.exit_code == 0
    assert ('warning: outage tag "customer_cause" is no exclusion of this policy: 1 outage counted as downtime '
            '(did you mean "customer_caused"?)') in result.stderr
