"""SPEC §18, escalation at an exact instant and bounded escalation lists: a step has fired when
its due instant is before `now` and before the instant its clock stopped; a running clock lists
what fired and the next step due, never every repeat; a metric whose severity has no target
has no escalation rows."""

from __future__ import annotations

import pytest

import slalang

POLICY = '''policy "Instants" { timezone "UTC" }
severity P1 "Critical"
severity P2 "High"
severity P3 "Low"
contact lead "lead@example.com"
contact boss "boss@example.com"
escalation chain {
  at 50% notify lead
  at breach notify boss
  repeat every 1m up to 1000 times
}
tier t {
  support always via email
  response P1 within 1h
  response P2 within 4h
  resolution P1, P2, P3 within 1d
  escalate chain
}
tier r extends t { on severity change restart }
'''


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    d = tmp_path_factory.mktemp("instants")
    (d / "p.sla").write_text(POLICY)
    return slalang.compile(d)


def steps(result, metric="response"):
    return [(e.step, e.repeat, e.due.isoformat()[11:16] if e.due else None, e.fired)
            for e in result.escalations if e.metric == metric]


def one(policy, events, now, severity="P1", tier="t"):
    [r] = policy.evaluate_tickets([{"id": "T", "severity": severity, "opened": "2025-03-03T09:00:00Z", "tier": tier,
                                    "events": events}], now=now)
    return r


def test_an_answer_exactly_at_the_deadline_is_met_and_the_breach_step_never_fires(policy):
    r = one(policy, [{"at": "2025-03-03T10:00:00Z", "type": "responded"}], "2025-03-03T12:00:00Z")
    assert r.metrics["response"].state == "met"
    assert steps(r) == [(1, 0, "09:30", True)]   # the 50% step only: breach (10:00) is not before the stop


def test_at_a_now_equal_to_a_due_instant_the_step_has_not_fired_yet(policy):
    r = one(policy, [], "2025-03-03T09:30:00Z")
    assert steps(r) == [(1, 0, "09:30", False)]
    r = one(policy, [], "2025-03-03T09:30:01Z")
    assert steps(r) == [(1, 0, "09:30", True), (2, 0, "10:00", False)]


def test_a_running_clock_lists_what_fired_and_the_next_step_not_every_repeat(policy):
    r = one(policy, [], "2025-03-03T10:05:30Z")   # breach at 10:00, repeats every minute
    assert steps(r) == [(1, 0, "09:30", True), (2, 0, "10:00", True)] + \
        [(2, k, f"10:{k:02d}", True) for k in range(1, 6)] + [(2, 6, "10:06", False)]


@pytest.mark.parametrize("tier", ["t", "r"])
def test_a_metric_whose_severity_has_no_target_has_no_escalation_rows(policy, tier):
    # P1 response 1h: 50% fired at 09:30; at 09:45 the ticket becomes P3, which has no response target
    r = one(policy, [{"at": "2025-03-03T09:45:00Z", "severity": "P3"}], "2025-03-03T12:00:00Z", tier=tier)
    assert "response" not in r.metrics
    assert steps(r) == []
