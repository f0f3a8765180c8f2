"""SPEC §18 fuzzing of what a running system is handed: records in every input format, and
artifacts edited by hand with a recomputed digest. Invariants: `slalang eval` ends with exit 0 or
2 and never a traceback, and accounts for every record; an edited artifact either loads (and then
evaluates tickets without an undocumented exception) or is refused with ArtifactError. Modest
example counts here; SLALANG_FUZZ_EXAMPLES raises them."""

from __future__ import annotations

import copy
import csv
import io
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import slalang
from slalang.cli import app
from slalang.runtime.artifact import digest_of
from slalang.runtime.errors import SlalangError

EXAMPLES = int(os.environ.get("SLALANG_FUZZ_EXAMPLES", "40"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

POLICY = '''policy "Fuzz" { timezone "Europe/London" }
severity P1 "Critical"
severity P2 "High"
status waiting "Waiting"
contact lead "lead@example.com"
escalation chain {
  at 50% notify lead
  at breach notify lead
  repeat every 30m up to 3 times
}
window office { mon-fri 09:00-17:00 }
tier t {
  support office via email
  pause when waiting
  response P1, P2 within 4h
  resolution P1 within 1d
  availability 99.9% monthly
  escalate chain
}
service api { offers t }
customer c { contract api t from 2025-01-01 }
source ev {
  format events
  timezone "Europe/London"
  severity "high" as P1
  status "Waiting" as waiting
  status "Done" as resolved
}
'''

GOOD = {"id": "T1", "severity": "P1", "opened": "2025-03-03T09:00:00Z", "tier": "t",
        "events": [{"at": "2025-03-03T10:00:00Z", "type": "responded"}]}
FIELDS = st.sampled_from(["id", "severity", "opened", "tier", "customer", "service", "events", "problem", "x"])
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 20, 10 ** 20), st.text(max_size=30),
                   st.sampled_from(["P1", "P2", "t", "c", "api", "2025-03-03T09:00:00Z", "0001-01-01T00:00:00Z",
                                    "9999-12-31T23:59:59Z", "2025-03-30T01:30:00", "waiting", "resolved",
                                    "cancelled", "responded", "[]", "{}"]))
EVENTS = st.lists(st.dictionaries(st.sampled_from(["at", "status", "severity", "type", "x"]), VALUES, max_size=4),
                  max_size=4)


@pytest.fixture(scope="module")
def policy_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    (d / "p.sla").write_text(POLICY)
    return d


@pytest.fixture(scope="module")
def artifact(policy_dir):
    return slalang.compile(policy_dir).artifact


def run_eval(policy_dir, path, *args):
    return CliRunner().invoke(app, ["eval", str(path), "--policy", str(policy_dir), "--now", "2025-04-01T00:00:00Z",
                                    "--format", "csv", *args])


def assert_clean(result):
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


@SETTINGS
@given(records=st.lists(st.one_of(st.fixed_dictionaries({}, optional={"events": EVENTS}).flatmap(
    lambda base: st.dictionaries(FIELDS, VALUES, max_size=6).map(lambda d: {**GOOD, **base, **d})),
    st.just(GOOD)), min_size=1, max_size=6))
def test_json_lines_records_of_any_shape_end_cleanly_and_are_all_accounted_for(policy_dir, tmp_path, records):
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    result = run_eval(policy_dir, path)
    assert_clean(result)
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert f"{len(records)} record" in result.stderr
    assert len({r["id"] for r in rows}) <= len(records) <= len(rows)   # every record has a row at least


@SETTINGS
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".jsonl", ".csv"]), source=st.booleans())
def test_bytes_of_any_kind_in_any_format_end_cleanly(policy_dir, tmp_path, data, suffix, source):
    path = tmp_path / f"t{suffix}"
    head = b"ticket,at,status,severity\n" if suffix == ".csv" else b""
    path.write_bytes(head + data)
    assert_clean(run_eval(policy_dir, path, *(["--source", "ev"] if source else [])))


@SETTINGS
@given(rows=st.lists(st.lists(st.one_of(st.text(max_size=12), st.sampled_from(
    ["T1", "high", "Waiting", "Done", "2025-03-03T09:00:00", "2025-03-30T01:30:00", '"', "\r", "\n", ","])),
    min_size=0, max_size=6), max_size=8))
def test_event_csv_rows_of_any_shape_end_cleanly(policy_dir, tmp_path, rows):
    path = tmp_path / "e.csv"
    body = "\n".join(",".join(cells) for cells in rows)
    path.write_text("ticket,at,status,severity\n" + body + "\n", encoding="utf-8")
    assert_clean(run_eval(policy_dir, path, "--source", "ev"))


def _leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            if k not in ("digest", "span"):
                yield from _leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))
    else:
        yield path


@SETTINGS
@given(data=st.data())
def test_an_edited_artifact_with_a_fresh_digest_loads_and_works_or_is_refused(artifact, data):
    edited = copy.deepcopy(artifact)
    leaves = list(_leaves(edited))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(leaves))
        holder = edited
        for key in path[:-1]:
            holder = holder[key]
        holder[path[-1]] = data.draw(st.one_of(
            st.none(), st.integers(-10 ** 18, 10 ** 18), st.text(max_size=12),
            st.sampled_from(["Nowhere/Zone", "always", "P9", "9999-12-31T00:00:00Z", "0", "-1", [], {}])))
    edited["digest"] = digest_of(edited)
    try:
        policy = slalang.runtime.loads(json.dumps(edited).encode())
    except slalang.ArtifactError:
        return
    try:
        policy.evaluate_tickets([GOOD, {**GOOD, "id": "T2", "tier": None, "customer": "c", "service": "api"}],
                                now="2025-04-01T00:00:00Z")
        terms = policy.terms("c", "api", "2025-03-01T00:00:00Z")
        terms.availability(policy.outages([{"service": "api", "start": "2025-03-04T10:00:00Z",
                                            "end": "2025-03-04T11:00:00Z"}]), period="2025-03")
    except (SlalangError, LookupError):
        pass   # documented: a record's or a lookup's problem
