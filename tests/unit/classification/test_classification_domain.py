"""The model, the classifier and the domain on the starter set (and the real data when present)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from clearway.classification.batch import classify_stream, read_items
from clearway.classification.domain import (
    ClassificationDomain,
    Classifier,
    ItemDescription,
    PlausibilityPolicy,
    is_code_format,
)
from clearway.classification.model import HsModel, LabelledText, Query
from clearway.classification.training import split_parcels
from clearway.reference.classification_refs import Reference
from clearway.reference.datadir import starter_data_dir
from clearway.reference.hs import load_nomenclature

REPO_RULES = Path(__file__).resolve().parents[3] / "rules"
ON = datetime.date(2026, 11, 1)


@pytest.fixture(scope="module")
def domain() -> Iterator[ClassificationDomain]:
    loaded = ClassificationDomain.load(starter_data_dir(), REPO_RULES, None)
    yield loaded
    loaded.close()


def tiny_model() -> HsModel:
    docs = [
        LabelledText("Headphones and earphones", "851830", "nomenclature"),
        LabelledText("T-shirts of cotton, knitted", "610910", "nomenclature"),
        LabelledText("Moisturiser face cream", "330499", "parcel", "33049900"),
        LabelledText("wall shelf white", "940360", "parcel", "94036090"),
    ]
    return HsModel(docs, ["330499", "610910", "851830", "940360"])


def test_model_matches_typos_abbreviations_and_truncation() -> None:
    model = tiny_model()
    ranked = model.rank(
        [
            Query("hedphones"),
            Query("mstrsr crm"),
            Query("lack wll shlf 110x26"),
            Query("tshirts cott"),
        ],
        top_k=2,
    )
    assert [r.hs6[0] for r in ranked] == ["851830", "330499", "940360", "610910"]
    assert set(ranked[2].matched_terms) == {"wall", "shelf"}  # expanded from "wll", "shlf"
    assert ranked[1].evidence_code == "33049900"
    for r in ranked:
        assert 0 < r.probabilities[1] <= r.probabilities[0] <= 1
        assert sum(r.probabilities) <= 1 + 1e-6


def test_model_needs_a_document_per_class() -> None:
    with pytest.raises(ValueError, match="no document"):
        HsModel([LabelledText("mug", "691110", "parcel")], ["691110", "851830"])


def test_split_is_reproducible_and_disjoint() -> None:
    refs = [Reference(f"item {i}", "61091000", "610910", "parcel") for i in range(50)]
    train, held = split_parcels(refs, seed=7)
    again = split_parcels(refs, seed=7)
    assert (train, held) == again
    assert len(held) == 10 and not set(train) & set(held)
    assert sorted(r.text for r in train + held) == sorted(r.text for r in refs)


def test_classifier_top_k_and_descriptions(domain: ClassificationDomain) -> None:
    result = domain.classifier.classify("kids graphic t-shirt", top_k=4)
    assert result.best.hs_code == "610910"
    assert result.best.description
    assert len(result.alternatives) == 4
    assert result.model_version.startswith("tfidf-knn-")


def test_declared_code_checks(domain: ClassificationDomain) -> None:
    fits = domain.classifier.validate_code("61091000", "mens cotton tshirt black")
    assert fits.exists and fits.plausible and fits.suggested_code == ""
    unknown = domain.classifier.validate_code("999999", "mens cotton tshirt")
    assert not unknown.exists and not unknown.plausible
    strict = PlausibilityPolicy(max_rank=1, min_heading_probability=1.0, min_model_confidence=0.0)
    mismatch = domain.classifier.validate_code("851830", "mens cotton tshirt black", strict)
    assert not mismatch.plausible and mismatch.suggested_code == "610910"


def test_unsure_model_never_flags_a_mismatch(domain: ClassificationDomain) -> None:
    lenient = PlausibilityPolicy(max_rank=1, min_heading_probability=1.0, min_model_confidence=1.0)
    assert domain.classifier.validate_code("851830", "mens cotton tshirt", lenient).plausible


def test_override_wins_and_rechecks_declared_code(domain: ClassificationDomain) -> None:
    answer = domain.classify(
        ItemDescription("Apple AirPods Pro", declared_code="610910", destination="GB"), ON
    )
    assert answer.classification.best.hs_code == "851830"
    assert answer.classification.best.confidence == pytest.approx(0.99)
    assert [r.rule_id for r in answer.fired] == ["CLS-AIRPODS"]
    assert any("override" in note for note in answer.notes)
    assert answer.declared_check is not None
    assert not answer.declared_check.plausible
    assert answer.declared_check.suggested_code == "851830"
    assert answer.rules_revision
    total = answer.classification.best.confidence + sum(
        c.confidence for c in answer.classification.alternatives
    )
    assert total <= 1 + 1e-6


def test_national_lines_per_destination(domain: ClassificationDomain) -> None:
    items = [ItemDescription("cotton t-shirt", destination=d) for d in ("DE", "EU", "GB", "US", "")]
    answers = domain.classify_many(items, ON)
    eu, eu2, gb, us, none = (a.national_tariff_code for a in answers)
    assert len(eu) == 8 and eu.startswith("610910") and eu2 == eu
    assert len(gb) == 10 and gb.startswith("610910")
    assert us == "" and none == ""


def test_code_format() -> None:
    assert is_code_format("610910") and is_code_format("6109100010")
    assert (
        not is_code_format("12AB") and not is_code_format("61091") and not is_code_format("٦١٠٩١٠")
    )


def test_batch_file_lines(domain: ClassificationDomain, tmp_path: Path) -> None:
    import io
    import json

    lines = ["kids graphic t-shirt\n", '{"description": "airpods", "brand": "Apple"}\n', "\n"]
    out = io.StringIO()
    assert classify_stream(domain, read_items(lines, 2), out) == 2
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["hs6"] for r in rows] == ["610910", "851830"]
    assert set(rows[0]) == {"description", "hs6", "confidence", "alternatives"}
    assert len(rows[0]["alternatives"]) == 2


@pytest.mark.shared_data
def test_override_codes_exist_in_hs_2022(shared_data: Path) -> None:
    nomenclature = load_nomenclature(shared_data)
    for pack in (REPO_RULES / "classification").glob("*.yaml"):
        document = yaml.safe_load(pack.read_text(encoding="utf-8"))
        for rule in document["rules"]:
            code = rule["then"].get("set", {}).get("hs_code")
            if code is not None:
                assert nomenclature.exists(code), f"{pack.name}: {rule['id']} sets {code}"


def test_classifier_is_usable_without_rules() -> None:
    nomenclature = load_nomenclature(starter_data_dir())
    docs = [LabelledText(e.description, e.code, "nomenclature") for e in nomenclature.subheadings()]
    classifier = Classifier(
        HsModel(docs, [e.code for e in nomenclature.subheadings()]), nomenclature
    )
    assert classifier.classify("headphones").best.hs_code == "851830"
