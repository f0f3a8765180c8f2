"""What the documents promise: one per contract and per tier, the year's holidays, internal goals
only on request, exact allowed downtime, self-contained HTML."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import slalang
from slalang.docs import render_documents
from slalang.docs.downtime import allowed_seconds, downtime_table

SECTIONS = ["1. Agreement overview", "2. Service description", "3. Support hours and channels",
            "4. Service levels", "5. Availability", "6. Exclusions", "7. Escalation procedure",
            "8. Service credits", "9. Reporting and review"]


def _expected_names(art: dict, ext: str) -> set[str]:
    names = {f"customer-{cid}-{c['service']}-{c['from']}.{ext}"
             for cid, cust in art["customers"].items() for c in cust["contracts"]}
    return names | {f"tier-{tid}.{ext}" for tid in art["tiers"]} | {f"index.{ext}"}


@pytest.mark.parametrize("format", ["md", "html"])
def test_one_document_per_contract_and_per_tier_and_an_index(format: str, northwind, render) -> None:
    docs = render(format)
    assert set(docs) == _expected_names(northwind.artifact, format)
    assert "customer-tailspin-api_gateway-2023-01-01." + format in docs   # an ended contract still has one
    for name in docs:
        if name.startswith(("customer-", "tier-")):
            assert name in docs[f"index.{format}"], f"the index does not link {name}"


@pytest.mark.parametrize("format", ["md", "html"])
def test_sections_come_in_the_order_of_a_classic_sla(format: str, render) -> None:
    for name, text in render(format).items():
        if name.startswith("index"):
            continue
        positions = [text.find(title) for title in SECTIONS]
        assert -1 not in positions, f"{name} lacks a section"
        assert positions == sorted(positions), f"{name}: sections out of order"


def test_holidays_of_the_year_asked_for(render) -> None:
    bronze_2025 = render("md", 2025)["tier-bronze.md"]
    assert "| Friday 18 April 2025 | Good Friday |" in bronze_2025
    assert "| Friday 26 December 2025 | Boxing Day |" in bronze_2025
    assert "- 29 to 31 December 2025" in bronze_2025       # the desk's own closure
    bronze_2026 = render("md", 2026)["tier-bronze.md"]
    assert "| Friday 3 April 2026 | Good Friday |" in bronze_2026
    assert "### Public holidays in 2026" in bronze_2026
    assert "2025 |" not in bronze_2026
    assert "29 to 31 December 2025" not in bronze_2026   # a dated closure of another year
    tailspin = render("md", 2025)["customer-tailspin-api_gateway-2025-01-01.md"]
    assert "| Thursday 27 November 2025 | Thanksgiving Day |" in tailspin   # the New York desk's holidays
    assert "Good Friday" not in tailspin


def test_round_the_clock_support_lists_no_holidays(render) -> None:
    gold = render("md")["tier-gold.md"]
    assert "**Support hours:** 24×7 (every hour of every day)." in gold
    assert "Public holidays in" not in gold


@pytest.mark.parametrize("format", ["md", "html"])
def test_internal_goals_only_in_the_internal_edition(format: str, render) -> None:
    published = render(format)
    for name, text in published.items():
        assert "internal goal" not in text and "Internal edition" not in text, name
    assert "10 minutes" not in published[f"tier-gold.{format}"]     # gold: response P1 ... internal 10m
    assert "99.99%" not in published[f"tier-gold.{format}"]         # gold: availability ... internal 99.99%
    internal = render(format, internal=True)
    gold = internal[f"tier-gold.{format}"]
    assert "Internal edition" in gold
    assert "internal goal: 10 minutes" in gold        # response P1 within 15m internal 10m
    assert "99.99%" in gold                           # availability 99.95% ... internal 99.99%
    woodgrove = internal[f"customer-woodgrove-api_gateway-2025-01-01.{format}"]
    assert "internal goal: 5 minutes" in woodgrove    # the contract's own internal goal


def test_published_targets_and_contract_overrides(render) -> None:
    docs = render("md")
    assert "| P1 | 15 minutes | 4 hours | every hour |" in docs["tier-gold.md"]
    contoso = docs["customer-contoso-api_gateway-2024-04-01.md"]
    assert "| P1 | 10 minutes | 4 hours | every hour |" in contoso
    assert "- P1 response: 10 minutes instead of 15 minutes" in contoso
    silver = docs["tier-silver.md"]
    assert "| P1 | 1 hour | 24 hours, counted around the clock | every 2 hours |" in silver
    assert "In each calendar month, 80% of P3 and P4 tickets receive a first response within 8 hours." in silver
    tailspin = docs["customer-tailspin-api_gateway-2025-01-01.md"]
    assert "**Support hours:** Monday–Friday 08:00–20:00 (America/New_York time)." in tailspin


def test_allowed_downtime_is_exact(render) -> None:
    silver = render("md")["tier-silver.md"]
    # 99.9% of 720 h = 2,592 s; of 744 h = 2,678.4 s (rounded down); March 743 h; October 745 h.
    assert "99.9% allows at most 43 min 12 s of downtime in a 30-day month and 44 min 38 s in a 31-day month." in silver
    assert "| March | 31 days (743 hours), clocks go forward | 44 min 34 s |" in silver
    assert "| October | 31 days (745 hours), clocks go back | 44 min 42 s |" in silver
    assert "| February | 28 days (672 hours) | 40 min 19 s |" in silver
    bronze = render("md")["tier-bronze.md"]
    # Measured in service desk hours: December 2025 has 18 open days of 10 h; 0.5% of 180 h = 54 min.
    assert "| December | 180 hours of service desk time | 54 min |" in bronze
    assert allowed_seconds(720 * 3600 * 10**6, "99.9") == 2592
    assert allowed_seconds(744 * 3600 * 10**6, "99.9") == 2678


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("tier, month, start", [
    ("silver", "2025-03", "2025-03-12T10:00:00"),      # every hour, a month with a clock change
    ("gold", "2025-10", "2025-10-14T10:00:00"),
    ("bronze", "2025-12", "2025-12-01T08:00:00"),      # service desk hours (GMT = UTC in December)
])
def test_the_allowed_downtime_is_the_most_that_still_meets_the_target(northwind, tier, month, start) -> None:
    """An outage of exactly the stated downtime meets the target; one second more misses it."""
    terms = northwind.tier(tier)
    av = terms.objectives["availability"]
    table = downtime_table(northwind, av, int(month[:4]), internal=False)
    label = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"][int(month[5:]) - 1]
    allowed = next(r.allowed for r in table.rows if label in r.periods)
    service = "object_storage" if tier != "bronze" else "analytics"
    for seconds, met in ((allowed, True), (allowed + 1, False)):
        outage = {"service": service, "start": start + "Z",
                  "end": (_utc(start) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z"), "tags": []}
        report = terms.availability([outage], period=month, service=service)
        assert report.met is met, (tier, month, seconds)


def test_html_is_self_contained(render) -> None:
    for name, text in render("html").items():
        assert text.startswith("<!DOCTYPE html>")
        assert not re.search(r"https?:", text), f"{name} refers to the network"
        for needle in ("<script", "<link", "src=", "@import", "url(", "<iframe", "<object"):
            assert needle not in text, f"{name} has {needle}"
        assert '<html lang="en">' in text and "<style>" in text


def test_html_has_the_escalation_diagram_and_accessible_tables(render) -> None:
    gold = render("html")["tier-gold.html"]
    svg = gold[gold.index("<svg"):gold.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    for label in ("50% of target", "Breach", "Breach + 30 min", "Repeat ×2", "Incident commander", "via pager"):
        assert label in svg
    assert '<th scope="col">Severity</th>' in gold
    assert gold.count("<h2 ") >= 10   # contents + nine sections


def test_markdown_escapes_policy_text(tmp_path: Path) -> None:
    (tmp_path / "p.sla").write_text('''policy "Pipes | and *stars*" {
  version "1"
  timezone "UTC"
}
window office { mon-fri 09:00-17:00 }
severity S1 "Urgent | critical"
tier basic {
  description "Uses *emphasis* and a | pipe"
  support office via email
  response S1 within 2h
}
service api { offers basic }
customer acme {
  name "Acme | Co"
  contract api basic from 2025-01-01
}
''')
    docs = render_documents(slalang.compile(tmp_path), year=2025, format="md")
    text = docs["customer-acme-api-2025-01-01.md"]
    assert r"| Customer | Acme \| Co |" in text
    assert r"| S1 | Urgent \| critical |" in text
    assert r"Uses \*emphasis\* and a \| pipe" in text
    html = render_documents(slalang.compile(tmp_path), year=2025, format="html")["tier-basic.html"]
    assert "Acme" not in html and "Uses *emphasis* and a | pipe" in html   # tier pages name no customer


def test_year_outside_the_horizon_is_refused(northwind) -> None:
    with pytest.raises(ValueError, match="outside the policy horizon 2020..2040"):
        render_documents(northwind, year=2041, format="md")


def test_rendering_is_deterministic(northwind) -> None:
    a = render_documents(northwind, year=2025, format="html")
    b = render_documents(slalang.compile(Path(__file__).resolve().parents[2] / "policies"), year=2025, format="html")
    assert a == b


@pytest.mark.parametrize("format", ["md", "html"])
def test_the_spec_example_documents(acme_dir: Path, format: str) -> None:
    docs = render_documents(slalang.compile(acme_dir), year=2025, internal=True, format=format)
    assert f"customer-acme_bank-payments_api-2025-01-01.{format}" in docs
    standard = docs[f"tier-standard.{format}"]
    assert "Every Sunday 02:00–04:00" in standard                       # exclude sunday_maintenance
    assert "at least 72 hours before that window starts" in standard
    assert "24 to 31 December 2025" in standard                         # except 2025-12-24..2025-12-31
    assert "Below 95.0%" in standard and "50% (the cap)" in standard    # credit 100% bounded by cap 50%


@pytest.mark.parametrize("format", ["md", "html"])
def test_a_minimal_policy_says_what_it_lacks(small_dir: Path, format: str) -> None:
    docs = render_documents(slalang.compile(small_dir), year=2025, format=format)
    assert sorted(docs) == [f"index.{format}", f"tier-basic.{format}"]
    basic = docs[f"tier-basic.{format}"]
    for missing in ("These terms define no escalation procedure.", "These terms carry no service credits.",
                    "There are no exclusions: all downtime counts."):
        assert missing in basic
    assert "Monday–Friday 09:00–17:00 (Europe/London time)" in basic
    assert "No customer contracts." in docs[f"index.{format}"]
