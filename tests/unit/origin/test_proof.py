"""Golden cases for proof-of-origin checks under the UK-EU TCA and UK-Japan CEPA packs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from origin_builders import convert, declaration, statement

from clearway.declarations.model import (
    CoveredGoods,
    Declaration,
    Money,
    OriginClaim,
    ProofOfOrigin,
)
from clearway.origin.agreements import AgreementTerms
from clearway.origin.proof import ProofCheck, ProofChecker, add_months


def check(terms: AgreementTerms, decl: Declaration) -> ProofCheck:
    return ProofChecker(terms, convert).check(decl, {1: "820110"})


def failed(result: ProofCheck) -> set[str]:
    return {f.code for f in result.findings() if not f.passed}


def test_valid_statement_passes_every_check(tca: AgreementTerms) -> None:
    result = check(tca, declaration(statement()))
    assert result.valid, result.findings()
    assert {f.code for f in result.findings()} >= {
        "PROOF_TYPE_ALLOWED", "ISSUING_COUNTRY_PARTY", "EXPORTER_REGISTRATION_VALID",
        "PROOF_IN_VALIDITY", "STATEMENT_TEXT_VALID", "CONSIGNMENT_MATCHED", "GOODS_COVERED",
    }  # fmt: skip


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2025, 3, 10), 12) == date(2026, 3, 10)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("declared_on", "codes"),
    [
        (date(2026, 3, 10), set()),  # exactly 12 months after issue: still valid
        (date(2026, 3, 11), {"PROOF_EXPIRED"}),
        (date(2025, 3, 9), {"PROOF_NOT_YET_VALID"}),
    ],
)
def test_twelve_month_validity_boundary(
    tca: AgreementTerms, declared_on: date, codes: set[str]
) -> None:
    assert failed(check(tca, declaration(statement(), declaration_date=declared_on))) == codes


def test_explicit_valid_to_shortens_validity(tca: AgreementTerms) -> None:
    proof = statement(valid_to=date(2025, 5, 31))
    assert failed(check(tca, declaration(proof))) == {"PROOF_EXPIRED"}


@pytest.mark.parametrize(
    ("registration", "issuing", "ok"),
    [
        ("DEREXDE123456789012", "DE", True),
        ("FRREX123456789", "FR", True),
        ("DEREX", "DE", False),  # no national part
        ("USREX123456", "DE", False),  # not an EU member state prefix
        ("GB123456789000", "DE", False),  # an EU exporter quotes REX, not a UK EORI
        ("GB123456789000", "GB", True),  # a UK exporter quotes the EORI
        ("GBREX123456789012", "GB", False),  # under the TCA UK exporters use the EORI
        ("DEREX" + "1" * 31, "DE", False),  # longer than 35 characters
    ],
)
def test_exporter_registration_format(
    tca: AgreementTerms, registration: str, issuing: str, ok: bool
) -> None:
    dispatch = "GB" if issuing == "GB" else issuing
    destination = "DE" if issuing == "GB" else "GB"
    decl = declaration(
        statement(exporter_registration=registration, issuing_country=issuing),
        dispatch_country=dispatch,
        destination_country=destination,
    )
    codes = failed(check(tca, decl))
    assert ("EXPORTER_REGISTRATION_INVALID" not in codes) is ok, codes


@pytest.mark.parametrize(
    ("amount", "currency", "missing"),
    [
        ("6000.00", "EUR", False),  # exactly EUR 6,000: not over the threshold
        ("6000.01", "EUR", True),
        ("5100.00", "GBP", False),  # 5100 / 0.85 = EUR 6,000.00
        ("5100.01", "GBP", True),
        ("100.00", "USD", True),  # no rate: the reference cannot be shown unnecessary
    ],
)
def test_exporter_reference_required_above_6000_eur(
    tca: AgreementTerms, amount: str, currency: str, missing: bool
) -> None:
    decl = declaration(statement(exporter_registration="", goods=()))
    item = decl.items[0]._replace(intrinsic_value=Money(Decimal(amount), currency))
    codes = failed(check(tca, decl._replace(items=(item,))))
    assert ("EXPORTER_REFERENCE_MISSING" in codes) is missing, codes


def test_cepa_exporter_reference_is_optional(cepa: AgreementTerms) -> None:
    proof = statement(exporter_registration="", issuing_country="JP", goods=())
    decl = declaration(
        proof, dispatch_country="JP", origin_claim=OriginClaim("uk-japan-cepa", proof)
    )
    item = decl.items[0]._replace(intrinsic_value=Money(Decimal("9000"), "EUR"))
    assert check(cepa, decl._replace(items=(item,))).valid


def test_cepa_japanese_corporate_number(cepa: AgreementTerms) -> None:
    for number, ok in (("1234567890123", True), ("123456789012", False)):
        proof = statement(exporter_registration=number, issuing_country="JP", goods=())
        decl = declaration(proof, dispatch_country="JP")
        assert ("EXPORTER_REGISTRATION_INVALID" not in failed(check(cepa, decl))) is ok


def test_issuing_country_must_be_a_party_and_match_dispatch(tca: AgreementTerms) -> None:
    assert "ISSUING_COUNTRY_NOT_PARTY" in failed(
        check(tca, declaration(statement(issuing_country="CN")))
    )
    assert "ISSUING_COUNTRY_MISMATCH" in failed(
        check(
            tca,
            declaration(statement(issuing_country="GB", exporter_registration="GB123456789000")),
        )
    )
    # Another member state is the same party: an FR statement for goods dispatched from DE holds.
    proof = statement(issuing_country="FR", exporter_registration="FRREX123")
    assert check(tca, declaration(proof)).valid


def test_goods_must_move_between_the_parties(tca: AgreementTerms) -> None:
    assert "DESTINATION_NOT_PARTY" in failed(
        check(tca, declaration(statement(), destination_country="FR"))
    )


def test_certificates_are_not_tca_proofs(tca: AgreementTerms) -> None:
    assert "PROOF_TYPE_NOT_ALLOWED" in failed(
        check(tca, declaration(statement(type="CERTIFICATE")))
    )


def test_missing_proof(tca: AgreementTerms) -> None:
    assert failed(check(tca, declaration(None))) == {"PROOF_MISSING"}


def test_consignment_references(tca: AgreementTerms) -> None:
    assert "CONSIGNMENT_MISMATCH" in failed(
        check(tca, declaration(statement(consignment_references=("ORD-99",))))
    )
    assert "CONSIGNMENT_REFERENCE_MISSING" in failed(
        check(tca, declaration(statement(consignment_references=())))
    )
    # The transport document matches too, ignoring spacing and case.
    decl = declaration(
        statement(consignment_references=("awb 123-456",)), transport_document_number="AWB123456"
    )
    assert check(tca, decl).valid


def test_covered_goods_match_code_quantity_and_value(tca: AgreementTerms) -> None:
    def goods(code: str, quantity: int, value: str) -> ProofOfOrigin:
        return statement(
            goods=(CoveredGoods("spade", code, quantity, Money(Decimal(value), "EUR")),)
        )

    assert "GOODS_NOT_COVERED" in failed(check(tca, declaration(goods("820120", 2, "40"))))
    assert "GOODS_QUANTITY_MISMATCH" in failed(check(tca, declaration(goods("820110", 3, "40"))))
    # Value tolerance 5% of 40.00 = 2.00: 42.00 holds, 42.01 does not.
    assert check(tca, declaration(goods("820110", 2, "42.00"))).valid
    assert "GOODS_VALUE_MISMATCH" in failed(check(tca, declaration(goods("820110", 2, "42.01"))))


def test_statement_text_must_declare_preferential_origin(tca: AgreementTerms) -> None:
    proof = statement(statement_text="These goods are made in Germany.")
    assert "STATEMENT_TEXT_INVALID" in failed(check(tca, declaration(proof)))


def test_importer_knowledge_needs_no_document_checks(tca: AgreementTerms) -> None:
    proof = ProofOfOrigin(type="IMPORTER_KNOWLEDGE")
    assert check(tca, declaration(proof)).valid


def test_non_preferential_rules_confer_no_preference(agreements) -> None:  # type: ignore[no-untyped-def]
    result = check(agreements["non-preferential"], declaration(statement()))
    assert failed(result) == {"AGREEMENT_NOT_PREFERENTIAL"}
