"""The generated manifest is valid per the declaration codec and as mixed as the issue asks."""

from __future__ import annotations

from clearway.benchmark.manifest import generate
from clearway.declarations.codec import read_declaration

LISTED = ("Islamic Revolutionary Guard Corps", "Korea Mining Development Trading Corporation")


def test_every_generated_declaration_reads_without_violations() -> None:
    declarations = generate(1500, LISTED)
    for declaration in declarations:
        read_declaration(declaration)
    assert len({d.declaration_id for d in declarations}) == len(declarations)


def test_the_manifest_mixes_destinations_origins_values_claims_and_listed_parties() -> None:
    declarations = generate(1500, LISTED)
    destinations = {d.destination_country for d in declarations}
    origins = {item.origin_country for d in declarations for item in d.items}
    values = [item.intrinsic_value.units for d in declarations for item in d.items]
    claims = [d for d in declarations if d.HasField("origin_claim")]
    listed = [d for d in declarations if d.seller.name in LISTED]
    assert len(destinations) >= 10
    assert len(origins) >= 6
    assert min(values) < 10 < 150 < max(values)
    assert 0.02 * len(declarations) < len(claims) < 0.1 * len(declarations)
    assert 0.005 * len(declarations) < len(listed) < 0.05 * len(declarations)
    assert all(c.items[0].preference_claimed and c.origin_claim.proof.goods for c in claims)


def test_a_seed_gives_the_same_manifest_and_prefixes_keep_ids_apart() -> None:
    assert generate(50, LISTED, seed=3) == generate(50, LISTED, seed=3)
    first = {d.declaration_id for d in generate(20, LISTED, prefix="A")}
    second = {d.declaration_id for d in generate(20, LISTED, prefix="B")}
    assert not first & second


def test_each_prefix_is_a_manifest_of_its_own() -> None:
    """Phases of a bench must not replay each other's parcels under new ids."""
    first = [d.consignee.name for d in generate(20, LISTED, prefix="A")]
    second = [d.consignee.name for d in generate(20, LISTED, prefix="B")]
    assert first != second
    assert generate(20, LISTED, prefix="A") == generate(20, LISTED, prefix="A")
