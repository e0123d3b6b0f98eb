"""The synthetic manifest generator: deterministic bytes, planted shares within tolerance, valid
declarations throughout, realistic shapes (values, goods, repeat parties), constant memory."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from clearway.cli import main
from clearway.declarations.codec import read_declaration
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.hs import load_nomenclature
from clearway.reporting.generator import (
    DESTINATIONS,
    GIFT,
    LISTED,
    PREFERENCE,
    SPLIT,
    Document,
    GeneratedParcel,
    ManifestGenerator,
    Mix,
    catalogue,
    to_declaration,
    write_manifest,
)

LISTED_NAMES = ("Islamic Revolutionary Guard Corps", "Korea Mining Development Trading Corporation")
RATES = {d.country: d.per_eur for d in DESTINATIONS}
MIX = Mix(listed_share=0.01, split_share=0.03, preference_share=0.02, gift_share=0.04)
COUNT = 20_000


def generator(count: int, seed: int = 11, mix: Mix = MIX) -> ManifestGenerator:
    return ManifestGenerator(count, seed, catalogue(resolve_data_dir(None)), LISTED_NAMES, mix)


def manifest_bytes(count: int, seed: int) -> bytes:
    out = io.StringIO()
    write_manifest(iter(generator(count, seed)), out)
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def parcels() -> list[GeneratedParcel]:
    return list(generator(COUNT))


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_parcels() -> None:
    first = manifest_bytes(3000, seed=5)
    assert first == manifest_bytes(3000, seed=5)
    assert first != manifest_bytes(3000, seed=6)
    assert first.count(b"\n") == 3000


def test_every_declaration_reads_without_violations_and_ids_are_unique(
    parcels: list[GeneratedParcel],
) -> None:
    every_kind = [p for p in parcels if p.kind != "ordinary"][:600] + parcels[:2400]
    for parcel in every_kind:
        read_declaration(to_declaration(parcel.document))
    ids = [p.document["declarationId"] for p in parcels]
    assert len(set(ids)) == COUNT


def test_planted_shares_are_within_tolerance(parcels: list[GeneratedParcel]) -> None:
    kinds = Counter(p.kind for p in parcels)
    for kind, share in (
        (LISTED, MIX.listed_share),
        (SPLIT, MIX.split_share),
        (PREFERENCE, MIX.preference_share),
        (GIFT, MIX.gift_share),
    ):
        expected = share * COUNT
        # Four standard deviations (binomial; split groups of 3-4 parcels widen it by ~2).
        tolerance = 4 * math.sqrt(expected * (1 - share)) * (2 if kind == SPLIT else 1)
        assert abs(kinds[kind] - expected) <= tolerance, (kind, kinds[kind], expected)
    listed = [p for p in parcels if p.document["seller"]["name"] in LISTED_NAMES]
    assert all(p.kind == LISTED for p in listed) and len(listed) == kinds[LISTED]


def test_split_consignments_are_just_under_the_threshold_for_one_consignee_on_one_day(
    parcels: list[GeneratedParcel],
) -> None:
    groups: dict[str, list[Document]] = {}
    for parcel in parcels:
        if parcel.kind == SPLIT:
            groups.setdefault(parcel.document["orderReference"], []).append(parcel.document)
    assert groups and all(3 <= len(g) <= 4 for g in groups.values())
    thresholds = {d.country: d.threshold for d in DESTINATIONS}
    for group in groups.values():
        assert len({json.dumps(d["consignee"]) for d in group}) == 1
        assert len({json.dumps(d["declarationDate"]) for d in group}) == 1
        for document in group:
            value = Decimal(document["items"][0]["intrinsicValue"]["units"])
            limit = thresholds[document["destinationCountry"]]
            assert Decimal("0.84") * limit <= value <= Decimal("0.96") * limit
            assert "iossNumber" not in document


def euros(document: Document) -> list[Decimal]:
    rate = RATES[document["destinationCountry"]]
    return [Decimal(item["intrinsicValue"]["units"]) / rate for item in document["items"]]


def test_values_are_mostly_low_with_a_long_tail(parcels: list[GeneratedParcel]) -> None:
    values = sorted(v for p in parcels if p.kind == "ordinary" for v in euros(p.document) if v > 0)
    under_50 = sum(v < 50 for v in values) / len(values)
    assert 0.7 < under_50 < 0.95, under_50
    assert values[len(values) // 2] < 30, "median of a low-value market"
    assert values[-1] > 400, "a long tail"


def test_goods_are_real_described_codes_of_typical_e_commerce_chapters(
    parcels: list[GeneratedParcel],
) -> None:
    nomenclature = load_nomenclature(resolve_data_dir(None))
    items = [i for p in parcels for i in p.document["items"]]
    assert all(nomenclature.exists(i["declaredHsCode"]) for i in items)
    chapters = Counter(i["declaredHsCode"][:2] for i in items)
    assert len(chapters) >= 12
    apparel = (chapters["61"] + chapters["62"]) / len(items)
    assert 0.1 < apparel < 0.3
    assert len({i["description"] for i in items}) > 500


def test_consumers_and_sellers_repeat_and_destinations_and_origins_mix(
    parcels: list[GeneratedParcel],
) -> None:
    ordinary = [p.document for p in parcels if p.kind == "ordinary"]
    consignees = Counter(json.dumps(d["consignee"]) for d in ordinary)
    sellers = Counter(d["seller"]["name"] for d in ordinary)
    assert consignees.most_common(1)[0][1] >= 15, "heavy repeat buyers"
    assert sum(1 for n in consignees.values() if n == 1) > len(consignees) / 3, "one-off buyers"
    assert sellers.most_common(1)[0][1] > 0.02 * len(ordinary), "large platform sellers"
    assert len(sellers) > 50
    destinations = Counter(d["destinationCountry"] for d in ordinary)
    assert set(destinations) == set(RATES)
    assert {"PL", "SE", "GB", "US", "JP"} <= set(destinations)
    assert len({d["dispatchCountry"] for d in ordinary}) >= 10
    claims = [p.document for p in parcels if p.kind == PREFERENCE]
    assert all(c["originClaim"]["proof"]["goods"] for c in claims)
    assert all(c["items"][0]["billOfMaterials"]["materials"] for c in claims)
    assert all(p.document["gift"] for p in parcels if p.kind == GIFT)


PEAK_PROBE = """
import json, sys, tracemalloc
from clearway.reference.datadir import resolve_data_dir
from clearway.reporting.generator import ManifestGenerator, Mix, catalogue

ManifestGenerator.cache_size = 64
goods = catalogue(resolve_data_dir(None))
names = ("Islamic Revolutionary Guard Corps",)
mix = Mix(listed_share=0.01, split_share=0.03, preference_share=0.02, gift_share=0.04)

def peak(count):
    tracemalloc.start()
    for _parcel in ManifestGenerator(count, 11, goods, names, mix):
        pass
    top = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return top

peak(8000)
print(json.dumps([peak(1000), peak(8000)]))
"""


def test_generation_streams_in_constant_memory() -> None:
    """Peak allocation while generating 8,000 parcels is that of 1,000: nothing accumulates.
    Measured in a fresh interpreter, so what earlier tests left in this one cannot tip it."""
    probe = subprocess.run(
        [sys.executable, "-c", PEAK_PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    small, large = json.loads(probe.stdout)
    # Holding the 7,000 extra parcels would add megabytes (each is over 1 KB as a document);
    # interpreter caches filling up add a few kilobytes.
    assert large - small < 64 * 1024, (small, large)


def test_the_command_writes_the_file_and_counts_the_planted_parcels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "parcels.jsonl"
    assert main(["generate", "--parcels", "500", "--seed", "4", "--output", str(output)]) == 0
    lines: Iterator[str] = iter(output.read_text(encoding="utf-8").splitlines())
    assert sum(1 for _ in lines) == 500
    assert "500 parcels (" in capsys.readouterr().err
    assert main(["generate", "--parcels", "5", "--split-share", "0.6", "--gift-share", "0.5"]) == 2
    assert "must add up to less than 1" in capsys.readouterr().err
