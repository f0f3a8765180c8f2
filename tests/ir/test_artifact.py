"""The artifact: deterministic, schema-checked on write and load, tamper-evident, atomic."""

from __future__ import annotations

import copy
import json
import os
import random
from pathlib import Path

import jsonschema
import pytest

import slalang
from slalang.runtime.artifact import FORMAT_VERSION, digest_of, schema, schema_errors, with_digest


def test_schema_is_valid_draft_2020_12_with_versioned_id():
    jsonschema.Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema()["$id"].endswith(f"/{FORMAT_VERSION}.json")
    assert schema()["additionalProperties"] is False


def test_same_sources_give_byte_identical_artifacts(acme_dir, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    slalang.compile(acme_dir).save(a)
    slalang.compile(acme_dir).save(b)
    assert a.read_bytes() == b.read_bytes()


def test_artifact_records_sources_and_digest(acme_dir, tmp_path):
    policy = slalang.compile(acme_dir)
    art = policy.artifact
    paths = [s["path"] for s in art["sources"]]
    assert "acme.sla" in paths and "contacts.sla" in paths
    import hashlib
    sha = {s["path"]: s["sha256"] for s in art["sources"]}
    assert sha["acme.sla"] == hashlib.sha256((acme_dir / "acme.sla").read_bytes()).hexdigest()
    assert art["digest"] == digest_of(art)
    assert art["format"] == FORMAT_VERSION


def test_load_round_trips(acme_dir, tmp_path):
    out = tmp_path / "p.json"
    policy = slalang.compile(acme_dir)
    policy.save(out)
    loaded = slalang.load(out)
    assert loaded.artifact == policy.artifact
    assert loaded.digest == policy.digest


def _saved(acme_dir, tmp_path) -> tuple[Path, dict]:
    out = tmp_path / "p.json"
    slalang.compile(acme_dir).save(out)
    return out, json.loads(out.read_text())


def test_load_rejects_newer_format(acme_dir, tmp_path):
    out, data = _saved(acme_dir, tmp_path)
    data["format"] = FORMAT_VERSION + 1
    out.write_text(json.dumps(with_digest(data)))
    with pytest.raises(slalang.ArtifactError, match="newer"):
        slalang.load(out)


def test_load_rejects_schema_violation_even_with_a_recomputed_digest(acme_dir, tmp_path):
    out, data = _saved(acme_dir, tmp_path)
    data["tiers"]["standard"]["targets"][0]["goal"] = "one hour"
    out.write_text(json.dumps(with_digest(data)))
    with pytest.raises(slalang.ArtifactError, match="schema.*goal"):
        slalang.load(out)


def test_load_rejects_hand_edit(acme_dir, tmp_path):
    out, _ = _saved(acme_dir, tmp_path)
    text = out.read_text().replace('"goal": 3600', '"goal": 7200', 1)
    assert '"goal": 7200' in text
    out.write_text(text)
    with pytest.raises(slalang.ArtifactError, match="digest mismatch"):
        slalang.load(out)


@pytest.mark.parametrize("cut", [0.0, 0.1, 0.5, 0.999])
def test_load_rejects_truncated_file(acme_dir, tmp_path, cut):
    out, _ = _saved(acme_dir, tmp_path)
    raw = out.read_bytes()
    out.write_bytes(raw[: int(len(raw) * cut)])
    with pytest.raises(slalang.ArtifactError):
        slalang.load(out)


@pytest.mark.parametrize("content", [b"[]", b"null", b"\xff\xfe", b'{"format": "1"}', b"{" * 100000])
def test_load_rejects_non_artifacts(tmp_path, content):
    out = tmp_path / "x.json"
    out.write_bytes(content)
    with pytest.raises(slalang.ArtifactError):
        slalang.load(out)


def test_load_of_missing_file_is_an_artifact_error(tmp_path):
    with pytest.raises(slalang.ArtifactError, match="cannot read"):
        slalang.load(tmp_path / "nope.json")


def test_save_is_atomic_when_interrupted(acme_dir, tmp_path, monkeypatch):
    out = tmp_path / "p.json"
    policy = slalang.compile(acme_dir)
    policy.save(out)
    before = out.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        policy.save(out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["acme", "p.json"] or sorted(p.name for p in tmp_path.iterdir()) == ["acme", "p.json"]


def _mutations(data: dict, rng: random.Random, n: int):
    """Small random edits of an artifact: some keep it valid, most break the schema."""
    paths = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + (i,))

    walk(data, ())
    replacements = [None, -1, 0, 1.5, "x", "", True, [], {}, "sha256:" + "0" * 64, "2025-01-01T00:00:00Z",
                    "99.9", "P1", 86400]
    for _ in range(n):
        doc = copy.deepcopy(data)
        path = rng.choice(paths[1:])
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        action = rng.random()
        if action < 0.6:
            parent[path[-1]] = rng.choice(replacements)
        elif action < 0.8 and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent["unexpected"] = 1
        else:
            parent.append(rng.choice(replacements))
        yield doc


def test_compiled_validator_agrees_with_jsonschema(acme_dir):
    data = slalang.compile(acme_dir).artifact
    rng = random.Random(20251122)
    assert schema_errors(data) == [] and schema_errors(data, authoritative=True) == []
    disagreements = []
    n_invalid = 0
    for doc in _mutations(data, rng, 400):
        fast = bool(schema_errors(doc))
        reference = bool(schema_errors(doc, authoritative=True))
        n_invalid += reference
        if fast != reference:
            disagreements.append(schema_errors(doc, authoritative=True) or schema_errors(doc))
    assert not disagreements, disagreements[:3]
    assert n_invalid > 200  # the mutations really exercised the schema
