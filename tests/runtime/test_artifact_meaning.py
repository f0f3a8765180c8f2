"""SPEC §18: artifacts are validated for meaning, not only shape. A hand-edited artifact with a
recomputed digest is refused at load with ArtifactError, never a KeyError, an unknown zone or an
OverflowError at use."""

from __future__ import annotations

import copy
import json

import pytest

import slalang
from slalang.runtime.artifact import digest_of

POLICY = '''policy "Meaning" { timezone "Europe/London" }
severity P1 "Critical"
contact lead "lead@example.com"
escalation chain { at 50% notify lead }
window office { mon-fri 09:00-17:00 }
tier t {
  support office via email
  response P1 within 1h
  escalate chain
}
service api { offers t }
customer c { contract api t from 2025-01-01 }
'''


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    d = tmp_path_factory.mktemp("meaning")
    (d / "p.sla").write_text(POLICY)
    return slalang.compile(d).artifact


def edited(artifact, change) -> bytes:
    data = copy.deepcopy(artifact)
    change(data)
    data["digest"] = digest_of(data)
    return json.dumps(data).encode()


@pytest.mark.parametrize("change, words", [
    (lambda a: a["windows"]["office"].update(timezone="Mars/Olympus"), 'unknown zone "Mars/Olympus"'),
    (lambda a: a["policy"].update(timezone="Nowhere"), 'policy/timezone: unknown zone "Nowhere"'),
    (lambda a: a["services"]["api"].update(offers=["gold"]), 'tier "gold" is not in the artifact'),
    (lambda a: a["tiers"]["t"].update(escalation="gone"), 'names chain "gone"'),
    (lambda a: a["escalations"]["chain"]["steps"][0].update(notify=["ghost"]), 'notifies "ghost"'),
    (lambda a: a["tiers"]["t"]["targets"][0].update(goal=10 ** 15), "is not a goal within the horizon"),
    (lambda a: a["customers"]["c"]["contracts"][0].update(start="9999-12-30T00:00:00Z"),
     "is outside the horizon 2020..2040"),
    (lambda a: a["policy"].update(horizon=[2040, 2020]), "is not a range of years"),
])
def test_a_hand_edited_artifact_that_means_nothing_is_refused_at_load(artifact, change, words):
    with pytest.raises(slalang.ArtifactError) as caught:
        slalang.runtime.loads(edited(artifact, change))
    assert "artifact does not make sense" in str(caught.value) and words in str(caught.value)


def test_the_compiled_artifact_loads(artifact):
    assert slalang.runtime.loads(json.dumps(artifact).encode()).name == "Meaning"
