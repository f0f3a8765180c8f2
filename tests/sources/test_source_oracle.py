"""The compiled reading of sources (slalang/runtime/sources: columns, derive.py) against the plain
Python oracle (tests/oracle/sources.py), on random event rows: tickets interleaved and unsorted,
ties, unmapped and missing values, bad instants, conflicting attributes, resolved / reopened /
cancelled / responds statuses. Set SLALANG_PROPERTY_EXAMPLES for a longer run."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import slalang
from oracle.sources import tickets_of
from slalang.runtime.sources import Row, _rows

EXAMPLES = int(os.environ.get("SLALANG_PROPERTY_EXAMPLES", "150"))

POLICY = '''policy "Desk" { timezone "Europe/London" }
severity P1 "Critical"
severity P3 "Moderate"
status pending_customer "Waiting for the customer"
tier standard {
  support always via email
  pause when pending_customer
  response P1, P3 within 4h
}
source sn {
  format events
  timezone "Europe/London"
  severity "1 - Critical" as P1
  severity "3 - Moderate" as P3
  status "New" as open
  status "Active", "Working" as open responds
  status "Awaiting User" as pending_customer
  status "Resolved", "Closed" as resolved
  status "Canceled" as cancelled
}
source local {
  format events
  timezone "America/Sao_Paulo"
  instants "%d/%m/%Y %H:%M"
  severity "1 - Critical" as P1
  severity "3 - Moderate" as P3
  status "New" as open
  status "Active", "Working" as open responds
  status "Awaiting User" as pending_customer
  status "Resolved", "Closed" as resolved
  status "Canceled" as cancelled
}
'''

STATUSES = ["New", "Active", "Working", "Awaiting User", "Resolved", "Closed", "Canceled", "Bogus", None, None]
SEVERITIES = ["1 - Critical", "3 - Moderate", "P1", "2 - High", None, None, None]
TYPES = [None] * 8 + ["responded", "updated", "resolved", "reopened", "closed"]
# London: 30 March 2025 01:30 does not exist, 26 October 01:30 happens twice
INSTANTS = ["2025-03-03T09:00:00", "2025-03-03T09:00:00", "2025-03-03T10:30:00", "2025-03-04T08:15:00Z",
            "2025-03-30T01:30:00", "2025-10-26T01:30:00", "2025-03-03T09:00:00.250000", "2025-03-05T11:00:00+01:00",
            "2025-13-01T00:00:00", "", None]


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    d = tmp_path_factory.mktemp("oracle")
    (d / "p.sla").write_text(POLICY)
    return slalang.compile(d)


@pytest.fixture(scope="module")
def source(policy):
    return policy.source("sn")


# São Paulo kept DST until 2019: 3 Nov 2018 00:30 did not exist, 16 Feb 2019 23:30 happened twice;
# single digits, a 31 February, seconds the format does not have
LOCAL = ["3/3/2025 9:00", "03/03/2025 09:00", "04/11/2018 00:30", "16/02/2019 23:30", "17/02/2019 00:30",
         "31/02/2025 10:00", "03/03/2025 09:00:00", "2025-03-03T09:00:00", "", None]


rows_strategy = st.lists(st.fixed_dictionaries({
    "ticket": st.sampled_from(["A", "B", "C", "D", None]),
    "at": st.sampled_from(INSTANTS),
    "status": st.sampled_from(STATUSES),
    "severity": st.sampled_from(SEVERITIES),
    "type": st.sampled_from(TYPES),
    "opened": st.sampled_from([None] * 6 + ["2025-03-03T08:00:00", "2025-03-03T09:00:00", "bad"]),
    "customer": st.sampled_from([None] * 5 + ["acme", "globex"]),
    "tier": st.sampled_from([None, "standard"]),
}), min_size=1, max_size=25)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy)
def test_compiled_reading_agrees_with_the_oracle(source, rows):
    records = [dict(r, line=k + 2) for k, r in enumerate(rows)]
    want = list(tickets_of(list(_rows(records)), source.mapping))
    got = list(source.records(rows))
    # the product numbers lines from its own input (item k is line k+1); the oracle was given k+2
    got = [(line + 1, record, problem.replace(f"line {line}:", f"line {line + 1}:") if problem else problem)
           for line, record, problem in got]
    assert got == want


def test_the_oracle_and_the_product_read_rows_alike_on_a_worked_case(source):
    rows = [{"ticket": "T", "at": "2025-03-03T09:00:00", "status": "Working", "severity": "3 - Moderate"},
            {"ticket": "T", "at": "2025-03-03T09:10:00", "status": "Active"},
            {"ticket": "T", "at": "2025-03-03T09:20:00", "status": "Resolved"},
            {"ticket": "T", "at": "2025-03-03T09:30:00", "status": "Closed"},
            {"ticket": "T", "at": "2025-03-03T09:40:00", "status": "Working", "severity": "1 - Critical"}]
    [(line, record, problem)] = list(source.records(rows))
    assert problem is None and record["severity"] == "P3"
    # opening in a responds status is its first entry; Working -> Active is an entry but not the first
    assert [(e["at"][11:16], e.get("type") or e.get("status") or e.get("severity")) for e in record["events"]] == [
        ("09:00", "responded"), ("09:20", "resolved"), ("09:40", "P1"), ("09:40", "reopened")]
    oracle = list(tickets_of([Row(k + 1, **r) for k, r in enumerate(rows)], source.mapping))
    assert oracle == [(line, record, None)]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy, at=st.lists(st.sampled_from(LOCAL), min_size=25, max_size=25))
def test_instants_in_a_format_and_a_zone_read_as_the_oracle_reads_them(policy, rows, at):
    source = policy.source("local")
    rows = [dict(r, at=a, opened=None if r["opened"] is None else a) for r, a in zip(rows, at)]
    records = [dict(r, line=k + 1) for k, r in enumerate(rows)]
    assert list(source.records(rows)) == list(tickets_of(list(_rows(records)), source.mapping))
