"""Golden cases for every PSR rule type, with hand-computed figures and exact boundaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearway.declarations.model import BillOfMaterials, Material, Money
from clearway.origin.agreements import AgreementTerms
from clearway.origin.psr import (
    ManualCheck,
    MaxNom,
    RegionalValueContent,
    TariffShift,
    WhollyObtained,
    compile_rule,
    evaluate_product,
)
from clearway.reference.origin_rules import PsrRule, PsrRuleSet

ON = date(2025, 6, 1)
CTH = (
    "CTH: All non-originating materials used in the production of the good have undergone a"
    " change in tariff classification at the 4-digit level (tariff heading)."
)
CTSH = CTH.replace("CTH:", "CTSH:").replace(
    "4-digit level (tariff heading)", "6-digit level (subheading)"
)
CC = CTH.replace("CTH:", "CC:").replace("4-digit level (tariff heading)", "2-digit level (chapter)")


def maxnom(percent: str) -> str:
    return (
        f"A maximum of {percent}% of the ex-works price (EXW) is made up of non-originating parts"
        " (MAXNOM)."
    )


def rvc(percent: str) -> str:
    return (
        f"Your goods contain a Regional Value Content (RVC) of at least {percent}% of the Free on"
        " Board (FOB) cost of the goods."
    )


def rule_set(*texts: str, code: str = "8201") -> PsrRuleSet:
    rules = tuple(
        PsrRule(text=t, classes=(), operator=None if i == 0 else "or", footnotes=())
        for i, t in enumerate(texts)
    )
    return PsrRuleSet(code, code, code.ljust(10, "0"), code.ljust(10, "9"), rules, True)


def bom(
    price: str, *materials: tuple[str, str, bool], wholly_obtained: bool = False
) -> BillOfMaterials:
    return BillOfMaterials(
        Money(Decimal(price), "EUR"),
        tuple(
            Material(f"material {i}", code, Money(Decimal(value), "EUR"), "CN", originating)
            for i, (code, value, originating) in enumerate(materials)
        ),
        wholly_obtained,
    )


def evaluate(terms: AgreementTerms, hs: str, bill: BillOfMaterials, *texts: str):  # type: ignore[no-untyped-def]
    return evaluate_product((rule_set(*texts, code=hs[:4]),), hs, bill, terms, ON)


# -- reading rule texts ------------------------------------------------------------------------


def test_standard_texts_compile_to_their_requirements() -> None:
    assert compile_rule(CTH)[0].requirements == (TariffShift(4),)
    assert compile_rule(CTSH)[0].requirements == (TariffShift(6),)
    assert compile_rule(CC)[0].requirements == (TariffShift(2),)
    assert compile_rule(maxnom("50"))[0].requirements == (MaxNom(Decimal(50)),)
    assert compile_rule(rvc("55"))[0].requirements == (RegionalValueContent(Decimal(55)),)
    assert compile_rule("All animals of chapter 1 are wholly obtained.")[0].requirements == (
        WhollyObtained(),
    )


def test_conjunction_exceptions_and_allowance_are_read() -> None:
    both = CTH[:-1] + " and " + maxnom("40")
    assert compile_rule(both)[0].label == "CTH and MaxNOM 40%"
    excepted = CTH[:-1] + " except from heading 7208 to heading 7217 and chapter 4."
    assert compile_rule(excepted)[0].label == "CTH except from 7208-7217, 04"
    allowance = (
        CTH[:-1] + ", however, non-originating materials of the same heading as the product may"
        " be used, provided that their total value does not exceed 20% of the ex-works price"
        " (EXW) of the product."
    )
    assert compile_rule(allowance)[0].label == "CTH (allowance 20%)"


def test_processing_requirements_are_manual_never_silently_met() -> None:
    (alternative,) = compile_rule("Weaving, combined with making-up, including cutting of fabric.")
    assert isinstance(alternative.requirements[-1], ManualCheck)
    alternatives = compile_rule(CTH[:-1] + " or Assembly of semi-conductor products.")
    assert [a.label for a in alternatives] == ["CTH", "specific processing"]


def test_phased_rules_apply_only_in_their_period() -> None:
    (early,) = compile_rule(maxnom("55")[:-1] + " (1st Jan 2021 to 31st Dec 2022).")
    (late,) = compile_rule(maxnom("45")[:-1] + " (1st Jan 2026 onwards).")
    assert early.in_force(date(2022, 12, 31)) and not early.in_force(date(2023, 1, 1))
    assert not late.in_force(date(2025, 12, 31)) and late.in_force(date(2026, 1, 1))


# -- golden cases ------------------------------------------------------------------------------


def test_cth_met_when_every_non_originating_material_changes_heading(tca: AgreementTerms) -> None:
    result = evaluate(tca, "820110", bom("100", ("7208", "30", False), ("8201", "40", True)), CTH)
    assert result.satisfied and result.rule_applied == "CTH"


def test_cth_within_tolerance_exactly_at_ten_percent(tca: AgreementTerms) -> None:
    # 10.00 of 100.00 from heading 8201 fails CTH but is exactly the 10% general tolerance.
    result = evaluate(tca, "820110", bom("100.00", ("8201", "10.00", False)), CTH)
    assert result.satisfied and result.tolerance_applied
    assert "not meeting CTH 10% of ex-works price, general tolerance 10%" in result.figures[0]


def test_cth_just_over_the_tolerance_fails(tca: AgreementTerms) -> None:
    result = evaluate(tca, "820110", bom("100.00", ("8201", "10.01", False)), CTH)
    assert not result.satisfied and result.evaluable
    assert {f.code for f in result.findings} == {"TARIFF_SHIFT_NOT_MET"}
    assert "10.01%" in result.figures[0]


def test_no_value_tolerance_for_textiles(tca: AgreementTerms) -> None:
    result = evaluate(tca, "610910", bom("100", ("6109", "1", False)), CTH)
    assert not result.satisfied
    assert "does not apply to chapter 61" in result.figures[0]


def test_ctsh_and_cc(tca: AgreementTerms) -> None:
    same_heading = bom("100", ("820120", "60", False))
    assert evaluate(tca, "820110", same_heading, CTSH).satisfied
    assert not evaluate(tca, "820110", same_heading, CTH).satisfied
    assert not evaluate(tca, "820110", bom("100", ("8205", "60", False)), CC).satisfied
    assert evaluate(tca, "820110", bom("100", ("3926", "60", False)), CC).satisfied


def test_excepted_heading_fails_even_with_a_change_of_heading(tca: AgreementTerms) -> None:
    text = CTH[:-1] + " except from heading 7208 to heading 7217."
    result = evaluate(tca, "730110", bom("100", ("7210", "50", False)), text)
    assert not result.satisfied
    assert "excepted 7208-7217" in result.findings[0].text


def test_same_heading_allowance_exactly_at_limit(tca: AgreementTerms) -> None:
    text = (
        CTH[:-1] + ", however, non-originating materials of the same heading as the product may"
        " be used, provided that their total value does not exceed 20% of the ex-works price"
        " (EXW) of the product."
    )
    assert evaluate(tca, "820110", bom("250", ("8201", "50", False)), text).satisfied
    assert not evaluate(tca, "820110", bom("250", ("8201", "50.01", False)), text).satisfied


@pytest.mark.parametrize(
    ("non_originating", "satisfied", "figure"),
    [
        ("38.20", True, "non-originating materials 38.2% of ex-works price, limit 50%"),
        ("50.00", True, "non-originating materials 50% of ex-works price, limit 50%"),
        ("50.01", False, "non-originating materials 50.01% of ex-works price, limit 50%"),
    ],
)
def test_maxnom_boundaries(
    tca: AgreementTerms, non_originating: str, satisfied: bool, figure: str
) -> None:
    result = evaluate(tca, "820110", bom("100.00", ("8201", non_originating, False)), maxnom("50"))
    assert result.satisfied is satisfied
    assert result.figures == (figure,)


def test_maxnom_never_rounds_a_miss_into_the_limit(tca: AgreementTerms) -> None:
    # 1500.01 / 3000 = 50.000333..% shows as 50% at two decimals: more digits are shown.
    result = evaluate(tca, "820110", bom("3000", ("8201", "1500.01", False)), maxnom("50"))
    assert not result.satisfied
    assert result.figures == ("non-originating materials 50.000333% of ex-works price, limit 50%",)


def test_originating_materials_do_not_count(tca: AgreementTerms) -> None:
    result = evaluate(
        tca, "820110", bom("100", ("8201", "40", False), ("8201", "50", True)), maxnom("40")
    )
    assert result.satisfied


@pytest.mark.parametrize(
    ("non_originating", "satisfied", "shown"), [("45", True, "55%"), ("45.01", False, "54.99%")]
)
def test_rvc_build_down_boundary(
    cepa: AgreementTerms, non_originating: str, satisfied: bool, shown: str
) -> None:
    # RVC = (100 - 45) / 100 = 55%: exactly the minimum.
    result = evaluate(cepa, "820110", bom("100", ("7208", non_originating, False)), rvc("55"))
    assert result.satisfied is satisfied
    assert result.figures[0].startswith(f"regional value content {shown} (build-down")
    assert result.figures[0].endswith("minimum 55%")


def test_rvc_build_up_counts_originating_materials(cepa: AgreementTerms) -> None:
    build_up = AgreementTerms(**{**cepa.__dict__, "rvc_method": "build-up"})
    bill = bom("200", ("7208", "20", False), ("7326", "110", True))
    result = evaluate(build_up, "820110", bill, rvc("55"))
    assert result.satisfied  # 110 / 200 = 55%
    assert result.figures[0].startswith("regional value content 55% (build-up")


def test_wholly_obtained(tca: AgreementTerms) -> None:
    animals = "All animals of chapter 1 are wholly obtained."
    assert evaluate(tca, "010121", bom("100", wholly_obtained=True), animals).satisfied
    assert not evaluate(tca, "010121", bom("100", ("0102", "5", False)), animals).satisfied
    dairy = "Production in which all the materials of chapter 4 used are wholly obtained."
    assert evaluate(
        tca, "040120", bom("100", ("0401", "60", True), ("3923", "5", False)), dairy
    ).satisfied
    assert not evaluate(tca, "040120", bom("100", ("0401", "60", False)), dairy).satisfied


def test_alternatives_or_the_first_met_is_applied(tca: AgreementTerms) -> None:
    # CTH fails (30% from the own heading, over the 10% tolerance); MaxNOM 50% holds at 45%.
    bill = bom("200", ("8201", "60", False), ("7208", "30", False))
    result = evaluate(tca, "820110", bill, CTH, maxnom("50"))
    assert result.satisfied and result.rule_applied == "MaxNOM 50%"
    assert "non-originating materials 45% of ex-works price, limit 50%" in result.figures


def test_conjunction_needs_both(tca: AgreementTerms) -> None:
    text = CTH[:-1] + " and " + maxnom("40")
    changed_but_heavy = bom("100", ("7208", "41", False))
    assert not evaluate(tca, "820110", changed_but_heavy, text).satisfied
    assert evaluate(tca, "820110", bom("100", ("7208", "40", False)), text).satisfied


def test_manual_rule_is_not_evaluable(tca: AgreementTerms) -> None:
    result = evaluate(
        tca, "620600", bom("100"), "Weaving, combined with making-up, including cutting of fabric."
    )
    assert not result.satisfied and not result.evaluable
    assert result.findings[0].code == "PSR_MANUAL_CHECK"


def test_no_rule_found(tca: AgreementTerms) -> None:
    result = evaluate_product((), "999999", bom("1"), tca, ON)
    assert not result.satisfied and result.findings[0].code == "PSR_NOT_FOUND"


@given(
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2),
    limit=st.integers(min_value=1, max_value=99),
)
def test_maxnom_at_the_limit_is_satisfied_and_a_cent_more_is_not(
    price: Decimal, limit: int, tca_terms: AgreementTerms
) -> None:
    at_limit = price * limit / 100
    assert evaluate(
        tca_terms, "820110", bom(str(price), ("8201", str(at_limit), False)), maxnom(str(limit))
    ).satisfied
    over = at_limit + Decimal("0.01")
    assert not evaluate(
        tca_terms, "820110", bom(str(price), ("8201", str(over), False)), maxnom(str(limit))
    ).satisfied


@pytest.fixture(scope="module")
def tca_terms(tca: AgreementTerms) -> AgreementTerms:
    return tca


def test_real_tca_rule_for_hand_tools(shared_data, tca: AgreementTerms) -> None:  # type: ignore[no-untyped-def]
    from clearway.reference.origin_rules import find_rule_sets, load_psr

    rule_sets = find_rule_sets(load_psr(shared_data, "uk_psr_eu.json"), "820110")
    # 8201 10: CTH or MaxNOM 50%. Steel from 7208 changes heading: CTH met.
    bill = bom("80", ("7208", "24", False), ("4417", "8", False))
    result = evaluate_product(rule_sets, "820110", bill, tca, ON)
    assert result.satisfied and result.rule_applied == "CTH"
    # Parts of the own heading at 56.25% fail both CTH and MaxNOM 50%.
    heavy = bom("80", ("8201", "45", False))
    result = evaluate_product(rule_sets, "820110", heavy, tca, ON)
    assert not result.satisfied
    assert "non-originating materials 56.25% of ex-works price, limit 50%" in result.figures
