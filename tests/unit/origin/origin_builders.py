"""Builders shared by the origin unit tests: a TCA statement on origin and its declaration."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from clearway.declarations.model import (
    CoveredGoods,
    Declaration,
    Item,
    Money,
    OriginClaim,
    ProofOfOrigin,
)

GBP_PER_EUR = Decimal("0.85")


def convert(amount: Decimal, source: str, target: str, on: date) -> Decimal | None:
    """A fixed test rate: 1 EUR = 0.85 GBP; no rate for other currencies."""
    if source == target:
        return amount
    if (source, target) == ("GBP", "EUR"):
        return amount / GBP_PER_EUR
    if (source, target) == ("EUR", "GBP"):
        return amount * GBP_PER_EUR
    return None


def statement(**changes: object) -> ProofOfOrigin:
    proof = ProofOfOrigin(
        type="STATEMENT_ON_ORIGIN",
        reference="INV-2025-001",
        issuer="Werkzeug GmbH",
        issuing_country="DE",
        exporter_registration="DEREXDE123456789012",
        issue_date=date(2025, 3, 10),
        statement_text="The exporter of the products covered by this document (Exporter Reference"
        " No DEREXDE123456789012) declares that these products are of EU preferential origin.",
        consignment_references=("ORD-77",),
        goods=(CoveredGoods("spade", "8201.10", 2, Money(Decimal("40.00"), "EUR")),),
    )
    return proof._replace(**changes)


def declaration(proof: ProofOfOrigin | None, **changes: object) -> Declaration:
    item = Item(
        line_number=1,
        description="garden spade",
        quantity=2,
        intrinsic_value=Money(Decimal("40.00"), "EUR"),
        declared_hs_code="820110",
        origin_country="DE",
        preference_claimed=True,
    )
    base = Declaration(
        declaration_id="D-1",
        declaration_date=date(2025, 6, 2),
        destination_country="GB",
        dispatch_country="DE",
        items=(item,),
        order_reference="ORD-77",
        origin_claim=OriginClaim("uk-eu-tca", proof),
    )
    return base._replace(**changes)
