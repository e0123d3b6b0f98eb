"""The preference decision through the real rules engine and the origin packs."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from origin_builders import convert, declaration, statement

from clearway.declarations.model import (
    BillOfMaterials,
    CoveredGoods,
    Material,
    Money,
    OriginClaim,
    ProofOfOrigin,
)
from clearway.origin.domain import OriginDomain, PreferenceDecision, PreferenceRequest
from clearway.reference.origin_rules import PsrRule, PsrRuleSet
from clearway.rules import RulesEngine
from clearway.runtime.errors import FieldViolations, InvalidArgument

RULES = Path(__file__).resolve().parents[3] / "rules"
CTH_OR_MAXNOM = PsrRuleSet(
    "8201", "8201", "8201000000", "8201999999",
    (
        PsrRule(
            "CTH: All non-originating materials used in the production of the good have"
            " undergone a change in tariff classification at the 4-digit level (tariff heading).",
            ("CTH",), None, (),
        ),
        PsrRule(
            "A maximum of 50% of the ex-works price (EXW) is made up of non-originating parts"
            " (MAXNOM).",
            ("MAXNOM",), "or", (),
        ),
    ),
    True,
)  # fmt: skip


FISH = PsrRuleSet(
    "0301-0308", "0301-0308", "0301000000", "0308999999",
    (
        PsrRule(
            "Production in which all the materials of chapter 3 used are wholly obtained.",
            ("WO",), None, (),
        ),
    ),
    True,
)  # fmt: skip


class OneRule:
    """A PSR source with a rule set for heading 8201 and one for fish, under every agreement."""

    def rule_sets(self, source: str, hs_code: str) -> Sequence[PsrRuleSet] | None:
        by_heading = {"8201": CTH_OR_MAXNOM, "0302": FISH}
        found = by_heading.get(hs_code[:4])
        return (found,) if found else ()


class EveryCode:
    def exists(self, code: str) -> bool:
        return True


@pytest.fixture(scope="module")
def domain() -> Iterator[OriginDomain]:
    engine = RulesEngine(RULES, reload_interval=None)
    yield OriginDomain(engine, OneRule(), EveryCode(), convert)
    engine.close()


def with_bom(non_originating_heading: str, value: str) -> PreferenceRequest:
    decl = declaration(statement())
    bom = BillOfMaterials(
        Money(Decimal("40.00"), "EUR"),
        (Material("blade", non_originating_heading, Money(Decimal(value), "EUR"), "CN"),),
    )
    item = decl.items[0]._replace(bill_of_materials=bom)
    return PreferenceRequest(decl._replace(items=(item,)), {1: "820110"})


def test_granted_with_rule_and_figures(domain: OriginDomain) -> None:
    (decision,) = domain.decide([with_bom("7208", "12.00")])
    (item,) = decision.items
    assert decision.proof_valid and item.granted
    assert item.rule_applied == "CTH" and item.agreement == "uk-eu-tca"
    assert [r.rule_id for r in item.fired] == ["TCA-GRANT"]
    assert "non-originating materials 30% of ex-works price, limit 50%" in item.figures


def test_refused_when_psr_not_met(domain: OriginDomain) -> None:
    (decision,) = domain.decide([with_bom("8201", "20.01")])  # 50.025% of 40.00
    (item,) = decision.items
    assert not item.granted
    assert {"PSR_NOT_MET", "MAXNOM_EXCEEDED", "TARIFF_SHIFT_NOT_MET"} <= {
        f.code for f in item.findings if not f.passed
    }


def test_granted_exactly_at_the_maxnom_limit(domain: OriginDomain) -> None:
    (decision,) = domain.decide([with_bom("8201", "20.00")])
    assert decision.items[0].granted and decision.items[0].rule_applied == "MaxNOM 50%"


def test_refused_when_proof_expired(domain: OriginDomain) -> None:
    request = with_bom("7208", "12.00")
    late = request.declaration._replace(declaration_date=date(2026, 3, 11))
    (decision,) = domain.decide([dataclasses.replace(request, declaration=late)])
    assert not decision.proof_valid and not decision.items[0].granted
    codes = {f.code for f in decision.items[0].findings if not f.passed}
    assert {"PROOF_EXPIRED", "PROOF_NOT_VALID"} <= codes


def without_bom(hs_code: str, proof: ProofOfOrigin, bom: BillOfMaterials | None = None):  # type: ignore[no-untyped-def]
    decl = declaration(proof)
    item = decl.items[0]._replace(declared_hs_code=hs_code, bill_of_materials=bom)
    return PreferenceRequest(decl._replace(items=(item,)), {1: hs_code})


def refusal(decision: PreferenceDecision) -> tuple[str, set[str], tuple[str, ...]]:
    """The item's BILL_OF_MATERIALS_MISSING finding text (the pack's flag repeats the code),
    the rules fired and the documents asked."""
    (item,) = decision.items
    assert not item.granted
    missing = {f.rule_id: f.text for f in item.findings if f.code == "BILL_OF_MATERIALS_MISSING"}
    assert set(missing) == {"uk-eu-tca/psr", "TCA-BOM-MISSING"}
    return missing["uk-eu-tca/psr"], {r.rule_id for r in item.fired}, item.documents


def test_refused_without_bill_of_materials(domain: OriginDomain) -> None:
    # A statement on origin for a spade (CTH or MaxNOM 50%): nothing shows the rule is met.
    (decision,) = domain.decide([without_bom("820110", statement())])
    text, fired, documents = refusal(decision)
    assert text == (
        "item 1: no bill of materials; the product-specific rule needs each material's HS code,"
        " value and origin and the ex-works price, or the good declared wholly obtained"
    )
    assert fired == {"TCA-BOM-MISSING"} and documents == ("bill-of-materials",)
    assert "PSR_NOT_MET" not in {f.code for f in decision.items[0].findings}


def test_importer_knowledge_without_bill_is_refused_asking_for_the_records(
    domain: OriginDomain,
) -> None:
    knowledge = ProofOfOrigin("IMPORTER_KNOWLEDGE")
    (decision,) = domain.decide([without_bom("820110", knowledge)])
    text, fired, documents = refusal(decision)
    assert "and the ex-works price from the importer's records" in text
    assert fired == {"TCA-BOM-MISSING", "TCA-IMPORTER-KNOWLEDGE"}
    assert documents == ("bill-of-materials", "importer-knowledge-records")


TROUT = statement(
    goods=(CoveredGoods("fresh trout", "0302.11", 2, Money(Decimal("40.00"), "EUR")),)
)


def test_wholly_obtained_rule_without_bill_says_how_to_declare_it(domain: OriginDomain) -> None:
    (decision,) = domain.decide([without_bom("030211", TROUT)])
    text, fired, _ = refusal(decision)
    assert text == (
        "item 1: no bill of materials; the rule for 030211 asks for wholly obtained goods:"
        " declare the good wholly obtained (bill_of_materials.wholly_obtained with its ex-works"
        " price); no materials need listing"
    )
    assert fired == {"TCA-BOM-MISSING"}


def test_wholly_obtained_declared_without_materials_is_granted(domain: OriginDomain) -> None:
    # Fresh trout caught by an EU vessel: no materials, declared wholly obtained.
    caught = BillOfMaterials(Money(Decimal("40.00"), "EUR"), (), wholly_obtained=True)
    (decision,) = domain.decide([without_bom("030211", TROUT, caught)])
    (item,) = decision.items
    assert item.granted and item.rule_applied == "WO materials of 03"
    assert {f.code for f in item.findings if f.passed} >= {"WHOLLY_OBTAINED"}
    assert {r.rule_id for r in item.fired} == {"TCA-GRANT"}


def test_wholly_obtained_with_non_originating_material_is_a_bad_bill(
    domain: OriginDomain,
) -> None:
    bill = BillOfMaterials(
        Money(Decimal("40.00"), "EUR"),
        (
            Material("salt", "2501", Money(Decimal("1.00"), "EUR"), "DE", True),
            Material("farmed fry", "0301", Money(Decimal("5.00"), "EUR"), "NO"),
        ),
        wholly_obtained=True,
    )
    violations = FieldViolations()
    domain.check_bill_of_materials(bill, "items[0].bill_of_materials", violations)
    assert [(v.field, v.description) for v in violations] == [
        (
            "items[0].bill_of_materials.wholly_obtained",
            "contradicts materials[1] (0301), which is not originating: a wholly obtained good"
            " uses no non-originating material",
        )
    ]


def test_refused_when_goods_originate_elsewhere(domain: OriginDomain) -> None:
    request = with_bom("7208", "12.00")
    item = request.declaration.items[0]._replace(origin_country="CN")
    decl = request.declaration._replace(items=(item,))
    (decision,) = domain.decide([dataclasses.replace(request, declaration=decl)])
    assert "ORIGIN_COUNTRY_NOT_PARTY" in {f.code for f in decision.items[0].findings}
    assert not decision.items[0].granted


def test_batch_decides_every_declaration_in_order(domain: OriginDomain) -> None:
    no_claim = with_bom("7208", "1").declaration._replace(origin_claim=None)
    decisions = domain.decide(
        [with_bom("7208", "12.00"), PreferenceRequest(no_claim, {}), with_bom("8201", "30")]
    )
    assert [d.items[0].granted for d in decisions] == [True, False, False]
    assert decisions[1].items[0].findings[0].code == "ORIGIN_CLAIM_MISSING"


def test_unknown_agreement_is_invalid_argument(domain: OriginDomain) -> None:
    request = with_bom("7208", "12.00")
    decl = request.declaration._replace(
        origin_claim=OriginClaim("uk-mars", ProofOfOrigin("STATEMENT_ON_ORIGIN")),
    )
    with pytest.raises(InvalidArgument) as raised:
        domain.decide([PreferenceRequest(decl, {}, "requests[0].declaration")])
    assert raised.value.reason == "AGREEMENT_UNKNOWN"
    assert raised.value.violations[0].field == "requests[0].declaration.origin_claim.agreement"


def test_agreements_come_from_the_packs_in_force(domain: OriginDomain) -> None:
    assert set(domain.agreements(date(2025, 1, 1))) == {
        "uk-eu-tca", "uk-japan-cepa", "non-preferential"
    }  # fmt: skip
    assert domain.agreements(date(2020, 12, 31)) == {}
