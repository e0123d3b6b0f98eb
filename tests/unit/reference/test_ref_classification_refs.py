"""Classification references: counts, shape, and that the starter ones resolve to tariff lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearway.reference.classification_refs import (
    PARCEL_SOURCE,
    SEARCH_SOURCE,
    load_parcel_references,
    load_search_references,
)
from clearway.reference.errors import ReferenceDataError
from clearway.reference.hs import Nomenclature
from clearway.reference.tariff import Tariff


@pytest.mark.shared_data
def test_real_search_references(real_dir: Path, real_hs: Nomenclature) -> None:
    references = load_search_references(real_dir)
    assert len(references) == 4006
    first = references[0]
    assert (first.text, first.code, first.hs6, first.source) == (
        "abalone",
        "0307810000",
        "030781",
        SEARCH_SOURCE,
    )
    known = sum(1 for r in references if real_hs.exists(r.hs6))
    assert known / len(references) > 0.9


@pytest.mark.shared_data
def test_real_parcel_references_skip_unlabelled_rows(real_dir: Path) -> None:
    references = load_parcel_references(real_dir)
    assert len(references) == 1886 - 3  # three rows carry text instead of a code
    assert references[0].text == "pack of 1 e)vd gastro intest"
    assert references[0].code == "23091051" and references[0].source == PARCEL_SOURCE
    assert {len(r.code) for r in references} == {8, 10}
    with pytest.raises(ReferenceDataError, match=r"uk-parcel-references-train.csv:646"):
        load_parcel_references(real_dir, strict=True)


def test_starter_references_resolve(
    starter_dir: Path, starter_hs: Nomenclature, starter_tariff: Tariff
) -> None:
    search = load_search_references(starter_dir)
    parcels = load_parcel_references(starter_dir, strict=True)
    assert len(search) >= 55 and len(parcels) >= 55
    for reference in (*search, *parcels):
        assert starter_hs.exists(reference.hs6), reference
        line = starter_tariff.best_line(reference.code)
        assert line is not None and line.hs6 == reference.hs6, reference
