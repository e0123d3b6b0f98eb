"""Proto ↔ plain-Python conversion of declarations, validating every field on the way in.

Every bad field is collected under its request path (`declaration.items[1].quantity`),
so the caller gets one INVALID_ARGUMENT that lists them all.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.type import date_pb2, decimal_pb2, money_pb2

from clearway.declarations.codes import COUNTRIES, CURRENCIES, hs_digits
from clearway.declarations.model import (
    Address,
    BillOfMaterials,
    CoveredGoods,
    Declaration,
    Item,
    Material,
    Money,
    OriginClaim,
    Party,
    ProofOfOrigin,
)
from clearway.runtime.errors import FieldViolations
from clearway.v1 import common_pb2

NANOS = Decimal(10) ** 9
MAX_AMOUNT = Decimal(10) ** 12
MAX_ITEMS = 999
DECLARATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}")
HS_CODE = re.compile(r"\d{6}(\d{2}){0,2}")
IOSS_NUMBER = re.compile(r"IM\d{10}")
MATERIAL_HS_CODE = re.compile(r"\d{4,10}")


@functools.lru_cache(maxsize=1024)
def _enum_name(enum_type: EnumTypeWrapper, number: int) -> str | None:
    """The name of a value without the enum's prefix, None for a number the enum lacks
    (remembered: EnumTypeWrapper.Name is slow enough to show in every declaration read;
    bounded, since open enums let a caller send any number)."""
    try:
        name: str = enum_type.Name(number)
    except ValueError:
        return None
    return name.removeprefix(enum_type.Name(0).removesuffix("UNSPECIFIED"))


def money_from_proto(message: money_pb2.Money) -> Decimal:
    return _amount(message.units, message.nanos)


def _amount(units: int, nanos: int) -> Decimal:
    if not nanos:
        return Decimal(units)  # what adding 0 / 10^9 (exponent 0) gives
    return Decimal(units) + _fraction(nanos)


@functools.lru_cache(maxsize=4096)
def _fraction(nanos: int) -> Decimal:
    """nanos / 10^9, remembered: prices repeat their cents, and the division is the slow part."""
    return Decimal(nanos) / NANOS


_ONE_NANO = Decimal(1) / NANOS


def money_to_proto(money: Money) -> money_pb2.Money:
    """Exact: units and nanos carry the same sign, as google.type.Money requires."""
    message = money_pb2.Money()
    put_money(message, money)
    return message


def put_money(target: money_pb2.Money, money: Money) -> None:
    """money_to_proto into a field in place: filling a response's field saves building a
    message that its parent would then copy."""
    amount = money.amount.quantize(_ONE_NANO)
    units = int(amount)
    target.currency_code = money.currency
    target.units = units
    target.nanos = int((amount - units) * NANOS)


def date_to_proto(value: date) -> date_pb2.Date:
    return date_pb2.Date(year=value.year, month=value.month, day=value.day)


def decimal_to_proto(value: Decimal) -> decimal_pb2.Decimal:
    return decimal_pb2.Decimal(value=str(value))


class DeclarationReader:
    """Reads proto messages into model values, recording each violation under its path."""

    def __init__(self, violations: FieldViolations | None = None) -> None:
        self.violations = violations if violations is not None else FieldViolations()

    def money(self, message: money_pb2.Money, path: str, *, required: bool = True) -> Money | None:
        # each field read once: a read of a proto field costs about as much as a comparison
        currency, units, nanos = message.currency_code, message.units, message.nanos
        if not currency and not units and not nanos:
            if required:
                self.violations.add(path, "is required")
            return None
        ok = True
        if currency not in CURRENCIES:
            self.violations.add(f"{path}.currency_code", "must be an ISO 4217 currency code")
            ok = False
        if not -999_999_999 <= nanos <= 999_999_999 or (units * nanos < 0):
            self.violations.add(
                f"{path}.nanos", "must be within ±999,999,999 with the sign of units"
            )
            ok = False
        amount = _amount(units, nanos)
        if amount < 0:
            self.violations.add(path, "must not be negative")
            ok = False
        elif amount >= MAX_AMOUNT:
            self.violations.add(path, "is implausibly large")
            ok = False
        return Money(amount, currency) if ok else None

    def date(self, message: date_pb2.Date, path: str, *, required: bool = True) -> date | None:
        if not (message.year or message.month or message.day):
            if required:
                self.violations.add(path, "is required")
            return None
        try:
            value = date(message.year, message.month, message.day)
        except ValueError:
            self.violations.add(path, "is not a valid calendar date")
            return None
        if not 2000 <= value.year <= 2100:
            self.violations.add(f"{path}.year", "must be between 2000 and 2100")
            return None
        return value

    def decimal(self, message: decimal_pb2.Decimal, path: str) -> Decimal | None:
        if not message.value:
            return None
        try:
            value = Decimal(message.value)
        except InvalidOperation:
            self.violations.add(path, "must be a decimal number such as 0.250")
            return None
        if not value.is_finite() or value < 0 or value > 10**6:
            self.violations.add(path, "must be between 0 and 1,000,000")
            return None
        return value

    def country(self, code: str, path: str, *, required: bool) -> str:
        if not code:
            if required:
                self.violations.add(path, "is required (ISO 3166-1 alpha-2)")
            return ""
        if code not in COUNTRIES:
            self.violations.add(path, f"{code!r} is not an ISO 3166-1 alpha-2 country code")
            return ""
        return code

    def text(self, value: str, path: str, *, required: bool, limit: int = 512) -> str:
        stripped = value.strip()
        if required and not stripped:
            self.violations.add(path, "is required")
        elif len(value) > limit:
            self.violations.add(path, f"must be at most {limit} characters")
        return stripped

    def hs_code(self, code: str, path: str) -> str:
        code = hs_digits(code)
        if code and not HS_CODE.fullmatch(code):
            self.violations.add(path, "must be 6, 8 or 10 digits")
            return ""
        return code

    def enum(self, enum_type: EnumTypeWrapper, number: int, path: str) -> str:
        """The value's name without its prefix ("" when unset); unknown numbers are violations.

        proto3 enums are open: a number this server does not know is valid on the wire.
        """
        if not number:
            return ""
        name = _enum_name(enum_type, number)
        if name is None:
            self.violations.add(path, f"{number} is not a known value")
            return ""
        return name

    def party(self, message: common_pb2.Party, path: str, role: str) -> Party | None:
        if not message.ByteSize():
            return None
        address = message.address
        # positional: each party of each declaration read builds these two, and keywords
        # cost a named tuple twice the time; lines[:] copies a repeated field faster than
        # iterating it
        return Party(
            self.enum(common_pb2.PartyRole, message.role, f"{path}.role").lower() or role,
            self.text(message.name, f"{path}.name", required=True, limit=256),
            Address(
                tuple(address.lines[:]),
                address.city,
                address.postal_code,
                address.region,
                self.country(address.country_code, f"{path}.address.country_code", required=False),
            ),
            self.text(message.identifier, f"{path}.identifier", required=False, limit=64),
            self.text(message.vat_number, f"{path}.vat_number", required=False, limit=64),
        )

    def _named_party(self, message: common_pb2.Declaration, role: str, path: str) -> Party | None:
        """The party in field `role` of a declaration; an absent one costs no sub-message."""
        if not message.HasField(role):
            return None
        return self.party(getattr(message, role), f"{path}.{role}", role)

    def bill_of_materials(
        self, message: common_pb2.BillOfMaterials, path: str
    ) -> BillOfMaterials | None:
        if not message.ByteSize():
            return None
        price = self.money(message.ex_works_price, f"{path}.ex_works_price")
        materials = []
        for index, material in enumerate(message.materials):
            mpath = f"{path}.materials[{index}]"
            value = self.money(material.value, f"{mpath}.value")
            code = hs_digits(material.hs_code)
            if not MATERIAL_HS_CODE.fullmatch(code):
                self.violations.add(f"{mpath}.hs_code", "must be 4 to 10 digits")
            if value is not None:
                materials.append(
                    Material(
                        description=material.description,
                        hs_code=code,
                        value=value,
                        origin_country=self.country(
                            material.origin_country, f"{mpath}.origin_country", required=False
                        ),
                        originating=material.originating,
                    )
                )
        if price is None:
            return None
        return BillOfMaterials(price, tuple(materials), message.wholly_obtained)

    def proof(self, message: common_pb2.ProofOfOrigin, path: str) -> ProofOfOrigin | None:
        if not message.ByteSize():
            return None
        goods = tuple(
            CoveredGoods(
                description=g.description,
                hs_code=g.hs_code,
                quantity=g.quantity,
                value=self.money(g.value, f"{path}.goods[{i}].value", required=False),
            )
            for i, g in enumerate(message.goods)
        )
        return ProofOfOrigin(
            type=self.enum(common_pb2.ProofType, message.type, f"{path}.type"),
            reference=message.reference,
            issuer=message.issuer,
            issuing_country=self.country(
                message.issuing_country, f"{path}.issuing_country", required=False
            ),
            exporter_registration=message.exporter_registration,
            issue_date=self.date(message.issue_date, f"{path}.issue_date", required=False),
            valid_from=self.date(message.valid_from, f"{path}.valid_from", required=False),
            valid_to=self.date(message.valid_to, f"{path}.valid_to", required=False),
            statement_text=message.statement_text,
            consignment_references=tuple(message.consignment_references),
            goods=goods,
        )

    def item(self, message: common_pb2.DeclarationItem, path: str, index: int) -> Item | None:
        value = self.money(message.intrinsic_value, f"{path}.intrinsic_value")
        quantity = message.quantity
        if quantity < 1:
            self.violations.add(f"{path}.quantity", "must be at least 1")
        elif quantity > 1_000_000:
            self.violations.add(f"{path}.quantity", "must be at most 1,000,000")
        item = Item(
            line_number=message.line_number or index + 1,
            description=self.text(message.description, f"{path}.description", required=True),
            quantity=quantity,
            intrinsic_value=value or Money(Decimal(0), "XXX"),
            declared_hs_code=self.hs_code(message.declared_hs_code, f"{path}.declared_hs_code"),
            net_mass_kg=self.decimal(message.net_mass_kg, f"{path}.net_mass_kg"),
            gross_mass_kg=self.decimal(message.gross_mass_kg, f"{path}.gross_mass_kg"),
            origin_country=self.country(
                message.origin_country, f"{path}.origin_country", required=False
            ),
            category_path=self.text(message.category_path, f"{path}.category_path", required=False),
            material=self.text(message.material, f"{path}.material", required=False, limit=128),
            brand=self.text(message.brand, f"{path}.brand", required=False, limit=128),
            preference_claimed=message.preference_claimed,
            bill_of_materials=self.bill_of_materials(
                message.bill_of_materials, f"{path}.bill_of_materials"
            )
            if message.HasField("bill_of_materials")
            else None,
        )
        return item if value is not None else None

    def declaration(
        self, message: common_pb2.Declaration, path: str = "declaration"
    ) -> Declaration | None:
        """The model of a declaration, or None when any field is bad (see self.violations)."""
        before = len(self.violations)
        declaration_id = message.declaration_id
        if not DECLARATION_ID.fullmatch(declaration_id):
            self.violations.add(
                f"{path}.declaration_id",
                "is required: 1 to 64 letters, digits or ._:/- starting with a letter or digit",
            )
        declared_on = self.date(message.declaration_date, f"{path}.declaration_date")
        destination = self.country(
            message.destination_country, f"{path}.destination_country", required=True
        )
        dispatch = self.country(message.dispatch_country, f"{path}.dispatch_country", required=True)
        if not message.items:
            self.violations.add(f"{path}.items", "at least one item is required")
        elif len(message.items) > MAX_ITEMS:
            self.violations.add(f"{path}.items", f"at most {MAX_ITEMS} items per declaration")
        items = [
            self.item(item, f"{path}.items[{index}]", index)
            for index, item in enumerate(message.items[:MAX_ITEMS])
        ]
        valid_items = tuple(item for item in items if item is not None)
        currencies = {item.intrinsic_value.currency for item in valid_items}
        if len(currencies) > 1:
            self.violations.add(
                f"{path}.items",
                f"all items must be invoiced in one currency, got {sorted(currencies)}",
            )
        line_numbers = [item.line_number for item in valid_items]
        if len(set(line_numbers)) != len(line_numbers):
            self.violations.add(f"{path}.items", "line_number values must be unique")
        if message.ioss_number and not IOSS_NUMBER.fullmatch(message.ioss_number):
            self.violations.add(f"{path}.ioss_number", "must be IM followed by 10 digits")
        claim = None
        if message.HasField("origin_claim"):
            agreement = self.text(
                message.origin_claim.agreement,
                f"{path}.origin_claim.agreement",
                required=True,
                limit=64,
            )
            claim = OriginClaim(
                agreement, self.proof(message.origin_claim.proof, f"{path}.origin_claim.proof")
            )
        transport = message.transport_document
        declaration = Declaration(
            declaration_id=declaration_id,
            declaration_date=declared_on or date.min,
            destination_country=destination,
            dispatch_country=dispatch,
            items=valid_items,
            seller=self._named_party(message, "seller", path),
            consignee=self._named_party(message, "consignee", path),
            declarant=self._named_party(message, "declarant", path),
            platform=self._named_party(message, "platform", path),
            other_parties=tuple(
                party
                for index, p in enumerate(message.other_parties)
                if (party := self.party(p, f"{path}.other_parties[{index}]", "other")) is not None
            ),
            ioss_number=message.ioss_number,
            low_value_scheme_id=self.text(
                message.low_value_scheme_id, f"{path}.low_value_scheme_id", required=False, limit=64
            ),
            transport_document_type=transport.type,
            transport_document_number=transport.number,
            transport_mode=self.enum(
                common_pb2.TransportMode, transport.mode, f"{path}.transport_document.mode"
            ),
            freight=self.money(message.freight, f"{path}.freight", required=False),
            insurance=self.money(message.insurance, f"{path}.insurance", required=False),
            incoterm=self.enum(common_pb2.Incoterm, message.incoterm, f"{path}.incoterm"),
            gift=message.gift,
            order_reference=message.order_reference,
            payment_reference=message.payment_reference,
            origin_claim=claim,
        )
        return declaration if len(self.violations) == before else None


def read_declaration(message: common_pb2.Declaration, path: str = "declaration") -> Declaration:
    """The model of a declaration; raises InvalidArgument listing every bad field."""
    reader = DeclarationReader()
    declaration = reader.declaration(message, path)
    reader.violations.raise_if_any("the declaration has invalid fields")
    assert declaration is not None
    return declaration
