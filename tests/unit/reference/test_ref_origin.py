"""Product-specific rules of origin: loading, markup stripping and lookup by commodity code."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from clearway.reference.errors import ReferenceDataError
from clearway.reference.origin_rules import PsrRuleSet, find_rule_sets, load_psr, plain_text

#: The PSR data file each agreement's origin pack (rules/origin/) names.
AGREEMENT_FILES = {
    "uk-eu-tca": "uk_psr_eu.json",
    "uk-japan-cepa": "uk_psr_japan.json",
    "non-preferential": "uk_psr_non-preferential.json",
}

ALL_CLASSES = {
    "uk-eu-tca": {
        "WO",
        "CTH",
        "CTSH",
        "CC",
        "MAXNOM",
        "MAXWEIGHT",
        "AH",
        "AH EXCEPT",
        "PROCESSING",
        "PROCESSING_TEXTILE",
        "PRODUCTION FROM",
        "Insufficient processing",
    },
    "uk-japan-cepa": {
        "WO",
        "CTH",
        "CTSH",
        "CC",
        "MAXNOM",
        "RVC",
        "PROCESSING",
        "PROCESSING_TEXTILE",
        "PRODUCTION FROM",
        "Insufficient processing",
    },
    "non-preferential": {"WO", "CTH", "CTHS", "CTSH", "CTSHS", "CC", "MAXNOM", "PRODUCTION FROM"},
}


def test_plain_text_strips_markup() -> None:
    markup = (
        "<abbr title='Change of tariff heading'>CTH</abbr>, except from "
        "[heading&nbsp;8473](/headings/8473); at most **50%** of the *ex-works* price"
    )
    assert plain_text(markup) == "CTH, except from heading 8473; at most 50% of the ex-works price"


def test_psr_file_must_be_a_file_name_under_origin(starter_dir: Path) -> None:
    with pytest.raises(ValueError, match="directly under origin/"):
        load_psr(starter_dir, "../hs/hs2022.json")
    with pytest.raises(ReferenceDataError, match="file not found"):
        load_psr(starter_dir, "uk_psr_mars.json")


@pytest.mark.shared_data
@pytest.mark.parametrize("agreement", sorted(AGREEMENT_FILES))
def test_real_rule_sets_load_clean(real_dir: Path, agreement: str) -> None:
    rule_sets = load_psr(real_dir, AGREEMENT_FILES[agreement])
    assert (
        len(rule_sets)
        == {"uk-eu-tca": 347, "uk-japan-cepa": 435, "non-preferential": 548}[agreement]
    )
    assert all(rs.valid and len(rs.min_code) == 10 for rs in rule_sets)
    texts = [rule.text for rs in rule_sets for rule in rs.rules]
    assert not [t for t in texts if "<abbr" in t or "](" in t or "&nbsp;" in t or "**" in t]
    classes = {c for rs in rule_sets for rule in rs.rules for c in rule.classes}
    assert ALL_CLASSES[agreement] <= classes
    assert {rule.operator for rs in rule_sets for rule in rs.rules} == {None, "or"}


@pytest.mark.shared_data
def test_real_lookup_japan_computers(real_dir: Path) -> None:
    rule_sets = load_psr(real_dir, AGREEMENT_FILES["uk-japan-cepa"])
    found = find_rule_sets(rule_sets, "8471300000")
    assert [rs.heading for rs in found] == ["8470-8472"]
    rules = found[0].rules
    assert [r.classes for r in rules] == [("CTH",), ("MAXNOM",), ("RVC",)]
    assert rules[1].percentages == (Decimal("50"),) and rules[2].percentages == (Decimal("55"),)
    assert rules[0].text.startswith("CTH: All non-originating materials")


@pytest.mark.shared_data
def test_real_lookup_eu_narrowest_first(real_dir: Path) -> None:
    rule_sets = load_psr(real_dir, AGREEMENT_FILES["uk-eu-tca"])
    found = find_rule_sets(rule_sets, "610910")
    assert [rs.heading for rs in found[:2]] == ["6101-6117", "6101-6117"]
    catch_all: PsrRuleSet = found[-1]
    assert (catch_all.min_code, catch_all.max_code) == ("0000000000", "9999999999")
    assert find_rule_sets(rule_sets, "61x") == ()


@pytest.mark.shared_data
def test_real_non_preferential_chapter(real_dir: Path) -> None:
    found = find_rule_sets(load_psr(real_dir, AGREEMENT_FILES["non-preferential"]), "6109")
    assert found and {rs.chapter for rs in found} == {"61"}
    assert found[0].heading == "ex 6109"


def test_starter_rule_sets(starter_dir: Path) -> None:
    for file_name in AGREEMENT_FILES.values():
        assert load_psr(starter_dir, file_name)
    japan = find_rule_sets(load_psr(starter_dir, AGREEMENT_FILES["uk-japan-cepa"]), "84713000")
    assert japan[0].rules[2].classes == ("RVC",)
    assert japan[0].rules[2].percentages == (Decimal("45"),)
    eu = find_rule_sets(load_psr(starter_dir, AGREEMENT_FILES["uk-eu-tca"]), "8471")
    assert eu[0].rules[0].text.startswith("CTH: every non-originating material")
