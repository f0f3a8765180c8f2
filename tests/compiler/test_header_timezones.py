"""Every timezone a policy header names is checked, not only the one the policy keeps: a header
that names two (a fuzzer found one) once reached the artifact builder and crashed it."""

from __future__ import annotations

import pytest

import slalang

POLICY = '''policy "Two zones" {
  timezone "2025.2"
  timezone "UTC"
}

severity P1 "Critical"

tier basic {
  support always
  response P1 within 1h
}

test "a naive instant" {
  given tier basic
  ticket T1 P1 opened 2025-03-03T09:00
  expect T1 response due 2025-03-03T10:00
}
'''


def test_an_unknown_zone_anywhere_in_the_header_is_sla401(tmp_path):
    (tmp_path / "policy.sla").write_text(POLICY)
    with pytest.raises(slalang.PolicyError) as caught:
        slalang.compile(tmp_path)
    assert "SLA401" in {d.code for d in caught.value.diagnostics}
