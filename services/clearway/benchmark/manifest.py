"""A generated, reproducible manifest of mixed parcels for the benchmark.

Mixed destinations (every low-value regime), origins, values on both sides of the
thresholds, a share of parcels naming a listed party, and a share claiming preference
under the UK-EU TCA with a statement on origin: the suite does the work it does in
production, not the cheapest path.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from google.type import money_pb2

from clearway.declarations.codec import (
    date_to_proto,
    decimal_to_proto,
    money_from_proto,
    money_to_proto,
)
from clearway.declarations.model import Money
from clearway.v1 import common_pb2

GOODS: tuple[tuple[str, str, str, str, str], ...] = (
    # description, declared HS code, material, net mass kg, origin country
    ("mens cotton t-shirt crew neck size M", "610910", "cotton", "0.20", "CN"),
    ("womens running shoes textile upper", "640411", "", "0.70", "VN"),
    ("bluetooth wireless earbuds with charging case", "851830", "", "0.15", "CN"),
    ("building blocks construction toy 500 pcs", "950300", "plastic", "0.90", "CN"),
    ("green tea leaves 250g", "090210", "", "0.25", "JP"),
    ("cotton bath towel", "630260", "cotton", "0.45", "TR"),
    ("silicone phone case", "392690", "silicone", "0.05", "CN"),
    ("lipstick matte", "330410", "", "0.03", "FR"),
    ("wooden wall shelf white", "940360", "wood", "3.50", "PL"),
    ("paperback novel english", "490199", "", "0.40", "GB"),
    ("leather handbag for women", "420221", "leather", "0.80", "IT"),
    ("ceramic coffee mug 350ml", "691200", "ceramic", "0.35", "CN"),
    ("wrist watch quartz analogue", "910211", "", "0.12", "CH"),
    ("stainless steel kitchen knife", "821192", "steel", "0.30", "CN"),
)
"""Everyday e-commerce goods with a declared HS 2022 subheading that exists."""

DESTINATIONS: tuple[tuple[str, str, Decimal], ...] = (
    # destination, currency, units of the currency per euro (roughly, to spread values)
    ("DE", "EUR", Decimal(1)),
    ("FR", "EUR", Decimal(1)),
    ("NL", "EUR", Decimal(1)),
    ("IT", "EUR", Decimal(1)),
    ("ES", "EUR", Decimal(1)),
    ("GB", "GBP", Decimal("0.85")),
    ("US", "USD", Decimal("1.1")),
    ("AU", "AUD", Decimal("1.6")),
    ("CA", "CAD", Decimal("1.5")),
    ("CN", "CNY", Decimal("7.8")),
    ("JP", "JPY", Decimal(160)),
    ("SG", "SGD", Decimal("1.45")),
)
EU = frozenset({"DE", "FR", "NL", "IT", "ES"})
DISPATCH = ("CN", "CN", "CN", "US", "GB", "JP", "VN", "TR")
DATES = ("2025-08-28", "2025-09-15", "2026-06-30", "2026-07-15", "2026-09-15", "2026-11-20")


@dataclass(frozen=True)
class ManifestMix:
    """Shares of the special parcels (the rest are ordinary)."""

    listed_party_share: float = 0.02
    preference_share: float = 0.05


def _money(amount: Decimal, currency: str) -> money_pb2.Money:
    return money_to_proto(Money(amount.quantize(Decimal("0.01")), currency))


def generate(
    count: int,
    listed_names: Sequence[str],
    *,
    seed: int = 2026,
    prefix: str = "BENCH",
    mix: ManifestMix | None = None,
) -> list[common_pb2.Declaration]:
    """`count` declarations with distinct ids `<prefix>-000001`…; deterministic for a seed."""
    mix = mix or ManifestMix()
    rng = random.Random(seed)
    return [_declaration(rng, number, listed_names, prefix, mix) for number in range(1, count + 1)]


def _declaration(
    rng: random.Random,
    number: int,
    listed_names: Sequence[str],
    prefix: str,
    mix: ManifestMix,
) -> common_pb2.Declaration:
    roll = rng.random()
    preference = roll < mix.preference_share
    listed = (
        bool(listed_names)
        and mix.preference_share <= roll < mix.preference_share + mix.listed_party_share
    )
    if preference:
        destination, currency, per_eur = DESTINATIONS[5]
        dispatch = "IT"
        picked = [GOODS[10]]
    else:
        destination, currency, per_eur = rng.choice(DESTINATIONS)
        dispatch = rng.choice(DISPATCH)
        picked = rng.sample(GOODS, rng.choice((1, 1, 1, 2, 2, 3)))
    on = rng.choice(DATES)
    declaration = common_pb2.Declaration(
        declaration_id=f"{prefix}-{number:06d}",
        destination_country=destination,
        dispatch_country=dispatch,
        incoterm=common_pb2.INCOTERM_DDP if rng.random() < 0.2 else common_pb2.INCOTERM_DAP,
        order_reference=f"ORD-{number:07d}",
        gift=rng.random() < 0.03,
    )
    declaration.declaration_date.CopyFrom(date_to_proto(date.fromisoformat(on)))
    seller_name = rng.choice(listed_names) if listed else f"Bright Goods Trading {number % 97}"
    declaration.seller.CopyFrom(
        common_pb2.Party(
            role=common_pb2.PARTY_ROLE_SELLER,
            name=seller_name,
            address=common_pb2.Address(city="Shenzhen", country_code=dispatch),
        )
    )
    declaration.consignee.CopyFrom(
        common_pb2.Party(
            role=common_pb2.PARTY_ROLE_CONSIGNEE,
            name=f"Customer {number % 5000}",
            address=common_pb2.Address(
                lines=[f"{number % 300 + 1} High Street"],
                city="Town",
                postal_code=f"{10000 + number % 80000}",
                country_code=destination,
            ),
        )
    )
    declaration.transport_document.CopyFrom(
        common_pb2.TransportDocument(
            type="HAWB",
            number=f"HAWB{number:09d}",
            mode=common_pb2.TRANSPORT_MODE_EXPRESS,
            carrier="Bench Express",
        )
    )
    if destination in EU and rng.random() < 0.5:
        declaration.ioss_number = f"IM{2760000000 + number % 1000:010d}"
    for line, (description, code, material, mass, origin) in enumerate(picked, start=1):
        euros = Decimal(str(round(rng.lognormvariate(3.3, 0.9), 2)))
        item = declaration.items.add(
            line_number=line,
            description=description,
            declared_hs_code=code,
            quantity=rng.choice((1, 1, 1, 2)),
            origin_country=origin,
            material=material,
            preference_claimed=preference,
        )
        item.net_mass_kg.CopyFrom(decimal_to_proto(Decimal(mass)))
        item.intrinsic_value.CopyFrom(_money(euros * per_eur, currency))
    declaration.freight.CopyFrom(_money(Decimal("8.50") * per_eur, currency))
    if preference:
        _claim_preference(declaration, currency)
    return declaration


def _claim_preference(declaration: common_pb2.Declaration, currency: str) -> None:
    """A UK-EU TCA statement on origin covering the parcel, with a bill of materials."""
    item = declaration.items[0]
    value = item.intrinsic_value
    item.bill_of_materials.ex_works_price.CopyFrom(value)
    item.bill_of_materials.materials.add(
        description="tanned leather",
        hs_code="4107",
        origin_country="IN",
    ).value.CopyFrom(_money(money_from_proto(value) * Decimal("0.3"), currency))
    claim = declaration.origin_claim
    claim.agreement = "uk-eu-tca"
    proof = claim.proof
    proof.type = common_pb2.PROOF_TYPE_STATEMENT_ON_ORIGIN
    proof.reference = f"INV-{declaration.order_reference}"
    proof.issuer = "Pelletteria Esempio Srl"
    proof.issuing_country = "IT"
    proof.exporter_registration = "ITREXIT01234567890"
    proof.issue_date.CopyFrom(declaration.declaration_date)
    proof.statement_text = (
        "The exporter of the products covered by this document declares that, except where "
        "otherwise clearly indicated, these products are of European Union preferential origin."
    )
    proof.consignment_references.append(declaration.order_reference)
    covered = proof.goods.add(description="leather handbag", hs_code="420221", quantity=1)
    covered.value.CopyFrom(value)
