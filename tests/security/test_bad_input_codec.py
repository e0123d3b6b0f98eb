"""The declaration codec: any malformed declaration is INVALID_ARGUMENT naming fields, or valid."""

from __future__ import annotations

from decimal import Decimal

import pytest
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.type import money_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from malformed import EXAMPLES, declarations

from clearway.declarations.codec import money_from_proto, read_declaration
from clearway.declarations.model import Declaration
from clearway.runtime.errors import InvalidArgument
from clearway.v1 import common_pb2


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(declarations())
def test_a_generated_declaration_is_read_or_refused_with_its_bad_fields(
    message: common_pb2.Declaration,
) -> None:
    try:
        read = read_declaration(message)
    except InvalidArgument as refused:
        assert refused.violations, "a refusal names at least one field"
        for violation in refused.violations:
            assert violation.field.startswith("declaration"), violation
            assert violation.description
    else:
        assert isinstance(read, Declaration)
        assert read.declaration_id == message.declaration_id


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_decode_or_fail_cleanly(data: bytes) -> None:
    """The wire decoding step a server runs before our code: DecodeError or a message."""
    try:
        message = common_pb2.Declaration.FromString(data)
    except DecodeError:
        return
    try:
        read_declaration(message)
    except InvalidArgument as refused:
        assert refused.violations


@pytest.mark.parametrize(
    "field", ["incoterm", "transport_document.mode", "consignee.role", "seller.role"]
)
def test_unknown_enum_numbers_are_field_violations(field: str) -> None:
    message = json_format.Parse(EXAMPLES[0], common_pb2.Declaration())
    *parents, leaf = field.split(".")
    target: object = message
    for parent in parents:
        target = getattr(target, parent)
    setattr(target, leaf, 99)
    try:
        read_declaration(message)
    except InvalidArgument as refused:
        assert [v.field for v in refused.violations] == [f"declaration.{field}"]
    else:
        raise AssertionError("an unknown enum number was accepted")


def _every_field_bad() -> common_pb2.Declaration:
    """The first example with a bad value in every field the reader checks."""
    message = json_format.Parse(EXAMPLES[0], common_pb2.Declaration())
    message.declaration_id = "-bad"
    message.declaration_date.month = 13
    message.destination_country = "XX"
    message.dispatch_country = ""
    message.ioss_number = "IM1"
    message.low_value_scheme_id = "x" * 65
    message.transport_document.mode = 99
    message.incoterm = 99
    message.freight.currency_code, message.freight.units, message.freight.nanos = "EURO", 1, -5
    message.insurance.currency_code, message.insurance.units = "EUR", -3
    item = message.items[0]
    item.intrinsic_value.units = 10**13
    item.quantity = 0
    item.description = " "
    item.declared_hs_code = "12.34"
    item.net_mass_kg.value = "1,5"
    item.gross_mass_kg.value = "-1"
    item.origin_country = "ZZ"
    item.category_path, item.material, item.brand = "c" * 513, "m" * 129, "b" * 129
    bom = item.bill_of_materials
    bom.ex_works_price.currency_code, bom.ex_works_price.units = "XYZ", 1
    material = bom.materials.add(hs_code="12", origin_country="QQ")
    material.value.currency_code, material.value.units = "EUR", -1
    message.items.add().CopyFrom(item)
    message.items[1].quantity = 2_000_000
    for party in (*(getattr(message, r) for r in ROLES), message.other_parties.add()):
        party.role, party.name, party.address.country_code = 77, "", "Q1"
        party.identifier, party.vat_number = "i" * 65, "v" * 65
    message.origin_claim.agreement = ""
    proof = message.origin_claim.proof
    proof.type, proof.issuing_country = 55, "AA"
    proof.issue_date.year, proof.issue_date.month, proof.issue_date.day = 1999, 1, 1
    proof.valid_to.year, proof.valid_to.month, proof.valid_to.day = 2026, 1, 40
    proof.goods.add().value.currency_code = "ZZZ"
    return message


ROLES = ("seller", "consignee", "declarant", "platform")
ITEM_FIELDS = (
    "intrinsic_value quantity description declared_hs_code net_mass_kg gross_mass_kg"
    " origin_country category_path material brand bill_of_materials.ex_works_price.currency_code"
    " bill_of_materials.materials[0].value bill_of_materials.materials[0].hs_code"
).split()
PARTY_FIELDS = ("role", "name", "address.country_code", "identifier", "vat_number")


def test_every_bad_field_is_named_by_its_full_path_once_in_reading_order() -> None:
    """Paths are built only for the fields that are bad: each must still be exact."""
    with pytest.raises(InvalidArgument) as refused:
        read_declaration(_every_field_bad())
    expected = [
        "declaration_id",
        "declaration_date",
        "destination_country",
        "dispatch_country",
        *(f"items[{i}].{field}" for i in (0, 1) for field in ITEM_FIELDS),
        "ioss_number",
        "origin_claim.agreement",
        "origin_claim.proof.goods[0].value.currency_code",
        "origin_claim.proof.type",
        "origin_claim.proof.issuing_country",
        "origin_claim.proof.issue_date.year",
        "origin_claim.proof.valid_to",
        *(f"{party}.{field}" for party in (*ROLES, "other_parties[0]") for field in PARTY_FIELDS),
        "low_value_scheme_id",
        "transport_document.mode",
        "freight.currency_code",
        "freight.nanos",
        "insurance",
        "incoterm",
    ]
    assert [v.field for v in refused.value.violations] == [f"declaration.{f}" for f in expected]


@given(st.integers(-(2**63), 2**63 - 1), st.integers(-999_999_999, 999_999_999))
def test_money_is_units_plus_nanos_over_a_billion_to_the_digit(units: int, nanos: int) -> None:
    """The fast path (no nanos, remembered fractions) gives the quotient's exact digits."""
    message = money_pb2.Money(currency_code="EUR", units=units, nanos=nanos)
    exact = Decimal(units) + Decimal(nanos) / (Decimal(10) ** 9)
    assert str(money_from_proto(message)) == str(exact)
