"""One table per classification: an edit of the base policy → exactly the changes it must show.

Each row is (case id, edits of BASE, expected changes as (kind, entity, field, label)); the
label is the classification as printed, so internal goals read `neutral (internal)`.
"""

from __future__ import annotations

import pytest

from diffcase import BASE, artifact
from slalang.diff import compare

STRICTER = [
    ("shorter response goal", [("response P1 within 2h", "response P1 within 1h")],
     {("tier", "standard", "response P1", "stricter")}),
    ("more support hours", [("mon-fri 09:00-17:00", "mon-fri 08:00-18:00")],
     {("window", "office", "weekly hours", "stricter")}),
    ("fewer holidays in the support window", [('  except holidays "GB-ENG"\n', "")],
     {("window", "office", "holidays", "stricter")}),
    ("higher availability", [("availability 99.95% monthly", "availability 99.99% monthly")],
     {("tier", "premium", "availability", "stricter")}),
    ("larger credit", [("below 99.9% credit 10%", "below 99.9% credit 15%")],
     {("tier", "standard", "credits below 99.9%", "stricter")}),
    ("higher credit threshold", [("below 99.9% credit 10%", "at or below 99.9% credit 10%")],
     {("tier", "standard", "credits below 99.9% threshold", "stricter")}),
    ("cap removed", [("    cap 50%\n", "")], {("tier", "standard", "credits cap", "stricter")}),
    ("earlier escalation", [("at 50% notify", "at 25% notify")],
     {("escalation", "chain", "step at 50%", "stricter")}),
    ("escalation repeats", [("at breach notify lead via pager\n", "at breach notify lead via pager\n  repeat every 1h up to 2 times\n")],
     {("escalation", "chain", "repeat", "stricter")}),
    ("exclusion removed", [("with notice 48h, customer_caused", "with notice 48h")],
     {("tier", "standard", "exclude customer_caused", "stricter")}),
    ("new target", [("  resolution P1 within 16h\n", "  resolution P1 within 16h\n  resolution P2 within 40h\n")],
     {("tier", "standard", "resolution P2", "stricter")}),
    ("dependencies' outages count", [("availability 99.95% monthly", "availability 99.95% monthly including dependencies")],
     {("tier", "premium", "availability including dependencies", "stricter")}),
    ("contract runs longer", [("to 2025-12-31", "to 2026-06-30")],
     {("customer", "acme", "contract api: end", "stricter")}),
    ("contract override", [("contract api standard from 2025-01-01 to 2025-12-31",
                            "contract api standard from 2025-01-01 to 2025-12-31 {\n    response P1 within 30m\n  }")],
     {("customer", "acme", "contract api: response P1", "stricter")}),
]

LOOSER = [
    ("longer response goal", [("response P1 within 2h", "response P1 within 4h")],
     {("tier", "standard", "response P1", "looser")}),
    ("target removed", [("  resolution P1 within 16h\n", "")],
     {("tier", "standard", "resolution P1", "looser")}),
    ("lower availability", [("availability 99.95% monthly", "availability 99.9% monthly")],
     {("tier", "premium", "availability", "looser")}),
    ("availability measured in fewer hours", [("availability 99.95% monthly", "availability 99.95% monthly during office")],
     {("tier", "premium", "availability measured during", "looser")}),
    ("more holidays in the support window", [('  except holidays "GB-ENG"\n', '  except holidays "GB-ENG"\n  except holidays "GB-SCT"\n')],
     {("window", "office", "holidays", "looser")}),
    ("fewer channels", [("support office via email, phone", "support office via email")],
     {("tier", "standard", "channel phone", "looser")}),
    ("longer maintenance window", [("sun 02:00-04:00", "sun 00:00-06:00")],
     {("window", "maintenance", "weekly hours", "looser")}),
    ("new exclusion", [('exclusion customer_caused "Caused by the customer"',
                        'exclusion customer_caused "Caused by the customer"\nexclusion force_majeure "Beyond our control"'),
                       ("with notice 48h, customer_caused", "with notice 48h, customer_caused, force_majeure")],
     {("exclusion", "force_majeure", "exclusion", "added"), ("tier", "standard", "exclude force_majeure", "looser")}),
    ("shorter notice", [("with notice 48h", "with notice 24h")],
     {("tier", "standard", "exclude maintenance notice", "looser")}),
    ("longer ignored outages", [("under 1m", "under 5m")], {("tier", "standard", "ignore outages under", "looser")}),
    ("pause status added", [("pause when pending_customer", "pause when pending_customer, awaiting_vendor")],
     {("tier", "standard", "pause when awaiting_vendor", "looser")}),
    ("smaller credit", [("below 99.0% credit 25%", "below 99.0% credit 20%")],
     {("tier", "standard", "credits below 99%", "looser")}),
    ("lower cap", [("cap 50%", "cap 30%")], {("tier", "standard", "credits cap", "looser")}),
    ("later escalation", [("at 50% notify", "at 75% notify")], {("escalation", "chain", "step at 50%", "looser")}),
    ("contract ends sooner", [("to 2025-12-31", "to 2025-06-30")],
     {("customer", "acme", "contract api: end", "looser")}),
    ("contract starts later", [("from 2025-01-01", "from 2025-02-01")],
     {("customer", "acme", "contract api: start", "looser")}),
]

NEUTRAL = [
    ("wording", [('description "Office-hours support"', 'description "Support in office hours"')],
     {("tier", "standard", "description", "neutral")}),
    ("internal goal", [("internal 4h", "internal 2h")],
     {("tier", "standard", "response P2 internal", "neutral (internal)")}),
    ("owner", [('owner "team-api"', 'owner "team-platform"')], {("service", "api", "owner", "neutral")}),
    ("the same hours at other times", [("mon-fri 09:00-17:00", "mon-fri 10:00-18:00")],
     {("window", "office", "weekly hours", "neutral")}),
    ("contact address", [('"lead@example.com"', '"leads@example.com"')], {("contact", "lead", "address", "neutral")}),
    ("policy version", [('version "1"', 'version "2"')], {("policy", "policy", "version", "neutral")}),
    ("who is notified", [('contact lead "lead@example.com"', 'contact lead "lead@example.com"\ncontact boss "boss@example.com"'),
                         ("at breach notify lead", "at breach notify boss")],
     {("contact", "boss", "contact", "added"), ("escalation", "chain", "step at breach notify", "neutral")}),
]

ADDED = [
    ("new tier offered", [("offers standard, premium", "offers standard, premium, basic"),
                          ("service api {", "tier basic {\n  support office via email\n  response P1 within 8h\n"
                                            "  response P2 within 16h\n}\n\nservice api {")],
     {("tier", "basic", "tier", "added"), ("service", "api", "offers basic", "added")}),
    ("new customer", [("customer acme {", 'customer globex {\n  name "Globex"\n  contract api premium from 2025-03-01\n}\n\n'
                                          "customer acme {")],
     {("customer", "globex", "customer", "added")}),
    ("new window", [("window maintenance {", "window night {\n  mon-fri 22:00-06:00\n}\n\nwindow maintenance {")],
     {("window", "night", "window", "added")}),
]

REMOVED = [
    ("tier nobody contracts", [("offers standard, premium", "offers standard"),
                               (BASE[BASE.index("tier premium {"):BASE.index("service api {")], "")],
     {("tier", "premium", "tier", "removed"), ("service", "api", "offers premium", "removed")}),
    ("customer", [(BASE[BASE.index("customer acme {"):], "")], {("customer", "acme", "customer", "removed")}),
]

BREAKING = [
    ("severity with targets", [('severity P2 "Normal"\n', ""), ("  response P2 within 8h internal 4h\n", ""),
                               ("  response P2 within 1h\n", "")],
     {("severity", "P2", "severity", "breaking"), ("tier", "premium", "response P2", "looser"),
      ("tier", "standard", "response P2", "looser")}),
    ("service with a contract", [(BASE[BASE.index("service api {"):], "")],
     {("service", "api", "service", "breaking"), ("customer", "acme", "customer", "removed")}),
]

# Removing what a contract used also moves that contract: its term changes are listed too, so
# these cases check the breaking rows and the contract's tier row only.
BREAKING_WITH_MOVES = [
    ("offer a contract uses", [("offers standard, premium", "offers premium"), ("contract api standard", "contract api premium")],
     {("service", "api", "offers standard", "breaking"), ("customer", "acme", "contract api: tier", "neutral")}),
    ("tier a contract uses", [("offers standard, premium", "offers premium"), ("contract api standard", "contract api premium"),
                              (BASE[BASE.index("tier standard {"):BASE.index("tier premium {")], "")],
     {("tier", "standard", "tier", "breaking"), ("service", "api", "offers standard", "breaking"),
      ("customer", "acme", "contract api: tier", "neutral")}),
]


def _rows(policy_pair, edits) -> set[tuple[str, str, str, str]]:
    old, new = policy_pair(edits)
    return {(c.kind, c.entity, c.field, c.label) for c in compare(artifact(old), artifact(new))}


def _table(rows):
    return pytest.mark.parametrize("edits, expected", [r[1:] for r in rows], ids=[r[0] for r in rows])


@_table(STRICTER)
def test_stricter(policy_pair, edits, expected):
    assert _rows(policy_pair, edits) == expected


@_table(LOOSER)
def test_looser(policy_pair, edits, expected):
    assert _rows(policy_pair, edits) == expected


@_table(NEUTRAL)
def test_neutral(policy_pair, edits, expected):
    assert _rows(policy_pair, edits) == expected


@_table(ADDED)
def test_added(policy_pair, edits, expected):
    assert _rows(policy_pair, edits) == expected


@_table(REMOVED)
def test_removed(policy_pair, edits, expected):
    assert _rows(policy_pair, edits) == expected


@_table(BREAKING)
def test_breaking(policy_pair, edits, expected):
    assert _rows(policy_pair, edits) == expected


@_table(BREAKING_WITH_MOVES)
def test_breaking_lists_the_moved_contract(policy_pair, edits, expected):
    rows = _rows(policy_pair, edits)
    assert expected <= rows
    assert {r for r in rows if r[3] == "breaking"} == {r for r in expected if r[3] == "breaking"}


def test_a_moved_contract_shows_what_the_customer_gets_from_the_new_tier(policy_pair):
    old, new = policy_pair([("offers standard, premium", "offers premium"), ("contract api standard", "contract api premium")])
    by_field = {c.field: c for c in compare(artifact(old), artifact(new)) if c.kind == "customer"}
    assert (by_field["contract api: response P1"].old, by_field["contract api: response P1"].new) == ("2h", "15m")
    assert by_field["contract api: response P1"].classification == "stricter"
    assert by_field["contract api: resolution P1"].classification == "looser"   # premium has none
    assert by_field["contract api: support window"].new == "always (24x7)"


def test_a_tier_change_is_reported_on_the_tier_not_on_each_contract(policy_pair):
    old, new = policy_pair([("response P1 within 2h", "response P1 within 4h")])
    changes = compare(artifact(old), artifact(new))
    assert [(c.kind, c.entity) for c in changes] == [("tier", "standard")]


def test_an_override_that_is_dropped_falls_back_to_the_tier(tmp_path):
    from diffcase import variant, write_policy

    with_override = variant([("contract api standard from 2025-01-01 to 2025-12-31",
                              "contract api standard from 2025-01-01 to 2025-12-31 {\n    response P1 within 30m\n  }")])
    old = artifact(write_policy(tmp_path / "old", with_override))
    new = artifact(write_policy(tmp_path / "new", BASE))
    [change] = compare(old, new)
    assert (change.field, change.old, change.new, change.classification) == ("contract api: response P1", "30m", "2h", "looser")


def test_values_read_like_the_source(policy_pair):
    old, new = policy_pair([("response P1 within 2h", "response P1 within 1h30m"),
                            ("availability 99.95% monthly", "availability 99.9% monthly")])
    values = {c.field: (c.old, c.new) for c in compare(artifact(old), artifact(new))}
    assert values["response P1"] == ("2h", "1h30m")
    assert values["availability"] == ("99.95%", "99.9%")
