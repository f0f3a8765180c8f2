"""What the diff reads: sources however they are laid out, and compiled artifacts."""

from __future__ import annotations

import pytest

import slalang
from diffcase import BASE, FIXTURES, artifact, variant, write_policy
from slalang.diff import SourceError, compare, load_policy_any


def test_formatting_only_changes_show_no_change():
    """Reindented, declarations and statements reordered, comments added, `2h` as `120m`,
    `99.0%` as `99%`, `mon-fri` as a day list, hours split in two ranges: the same policy."""
    old = FIXTURES / "reformatted" / "old.sla"
    new = FIXTURES / "reformatted" / "new.sla"
    assert old.read_text() != new.read_text()
    assert compare(artifact(old), artifact(new)) == []


def test_the_same_policy_split_across_files_shows_no_change(tmp_path):
    """Root files keep bare ids, so moving declarations into an imported file changes nothing."""
    one = write_policy(tmp_path / "one", BASE)
    split = tmp_path / "split"
    split.mkdir()
    windows_end = BASE.index("severity P1")
    (split / "windows.sla").write_text('policy "Diff" {\n  version "1"\n  timezone "Europe/London"\n  horizon 2024..2026\n}\n'
                                       + BASE[BASE.index("window office"):windows_end])
    rest = BASE[windows_end:].replace("support office", "support w.office").replace("exclude maintenance", "exclude w.maintenance")
    (split / "rest.sla").write_text('import "./windows.sla" as w\n\n' + rest)
    assert compare(artifact(one), artifact(split)) == []


def test_an_artifact_compares_like_its_sources(tmp_path):
    old_dir = write_policy(tmp_path / "old", BASE)
    new_dir = write_policy(tmp_path / "new", variant([("response P1 within 2h", "response P1 within 4h")]))
    saved = tmp_path / "old.json"
    slalang.compile(old_dir).save(saved)
    from_sources = compare(load_policy_any(old_dir).artifact, load_policy_any(new_dir).artifact)
    from_artifact = compare(load_policy_any(saved).artifact, load_policy_any(new_dir).artifact)
    assert from_artifact == from_sources and len(from_sources) == 1
    assert compare(load_policy_any(saved).artifact, artifact(old_dir)) == []


def test_a_tampered_artifact_is_an_input_error(tmp_path):
    saved = tmp_path / "policy.json"
    slalang.compile(write_policy(tmp_path / "p", BASE)).save(saved)
    saved.write_text(saved.read_text().replace('"Diff"', '"Tampered"'))
    with pytest.raises(SourceError, match="policy.json"):
        load_policy_any(saved)


def test_a_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        load_policy_any(tmp_path / "nope")


def test_sources_with_errors_raise_policy_error(tmp_path):
    bad = write_policy(tmp_path / "bad", BASE.replace("support office", "support ofice"))
    with pytest.raises(slalang.PolicyError):
        load_policy_any(bad)


def test_every_change_is_deterministic(tmp_path):
    old = artifact(FIXTURES / "golden" / "old")
    new = artifact(FIXTURES / "golden" / "new")
    assert compare(old, new) == compare(old, new)
    assert [c.to_json() for c in compare(old, new)] == [c.to_json() for c in compare(dict(old), dict(new))]


def test_nothing_to_compare_against_means_everything_is_added():
    from slalang.diff import empty_artifact

    new = artifact(FIXTURES / "golden" / "new")
    changes = compare(empty_artifact(new["policy"]), new)
    assert {c.classification for c in changes} == {"added"}
    assert {(c.kind, c.entity) for c in changes if c.kind == "tier"} == {("tier", t) for t in new["tiers"]}


def test_spans_sources_digest_and_version_are_ignored(tmp_path):
    old = artifact(write_policy(tmp_path / "p", BASE))
    new = {**old, "slalang": "9.9.9", "digest": "sha256:" + "0" * 64, "sources": [], "tests": []}
    new["tiers"] = {tid: {**tier, "span": "elsewhere.sla:1:1"} for tid, tier in old["tiers"].items()}
    assert compare(old, new) == []


def test_horizons_that_do_not_meet_still_compare(tmp_path):
    old = artifact(write_policy(tmp_path / "old", BASE))
    # a date outside the horizon is SLA414: the contract moves with it
    new = artifact(write_policy(tmp_path / "new", BASE.replace("horizon 2024..2026", "horizon 2030..2031")
                                .replace("from 2025-01-01 to 2025-12-31", "from 2030-01-01 to 2030-12-31")))
    rows = {(c.kind, c.field, c.classification) for c in compare(old, new)}
    assert ("policy", "horizon", "neutral") in rows
    # the holiday days differ only because the years differ: no window change is claimed
    assert not [r for r in rows if r[0] == "window"]


def test_a_part_that_cannot_be_measured_alone_is_judged_with_the_whole_window(tmp_path):
    """Old `d` includes `a`; new `a` includes a new `c` that includes `d`. Taking only `a`'s new
    include into the old policy makes a cycle; the window is then judged as a whole."""
    old = artifact(write_policy(tmp_path / "p", BASE))
    new = {**old, "windows": dict(old["windows"])}
    empty = {"timezone": "UTC", "weekly": [], "dated": [], "include": [], "except": [], "closed": [],
             "closed_dates": [], "holidays": []}
    old["windows"] = {**old["windows"], "a": dict(empty), "d": {**empty, "include": ["a"]}}
    new["windows"].update(a={**empty, "include": ["c"]}, c={**empty, "weekly": [[0, 0, 3600]], "include": ["d"]},
                          d=dict(empty))
    rows = {(c.entity, c.field, c.classification) for c in compare(old, new)}
    assert ("a", "include", "neutral") in rows and ("c", "window", "added") in rows
