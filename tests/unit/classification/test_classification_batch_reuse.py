"""The batch path scores each distinct query once and answers exactly as the single-item path."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from clearway.classification.domain import ClassificationDomain, ItemDescription
from clearway.classification.model import HsModel, Query, ScoreMemo
from clearway.reference.classification_refs import load_parcel_references
from clearway.reference.datadir import starter_data_dir

REPO_RULES = Path(__file__).resolve().parents[3] / "rules"
ON = datetime.date(2026, 11, 1)

DESCRIPTIONS = (
    "wireless bluetooth headphones",
    "Apple AirPods Pro",
    "mens cotton t-shirt crew neck",
    "tshirts cott",
    "womens summer dress",
    "roasted coffee beans 1kg",
    "green tea bags",
    "instant coffee granules",
    "eau de parfum 50ml",
    "lipstick matte red",
    "mascara waterproof black",
    "moisturiser face cream",
    "mstrsr crm",
    "shampoo for dry hair",
    "plastic food storage box",
    "hard shell suitcase",
    "leather handbag",
    "leather wallet",
    "hiking backpack",
    "childrens colouring book",
    "paperback novel",
    "cotton socks 5 pairs",
    "wool jumper",
    "running shoes trainers",
    "porcelain dinner plates",
    "stoneware mug",
    "silver necklace",
    "gold ring 18ct",
    "stainless steel saucepan",
    "kitchen knife set",
    "laptop 15 inch",
    "usb keyboard",
    "external hard drive 2TB",
    "usb c phone charger",
    "power bank lithium battery",
    "hair dryer",
    "electric kettle coffee maker",
    "smartphone 128gb",
    "xyzzy qwerty",
)

DECLARED = ("851830", "61091000", "330499", "9999990000", "090121", "8471300000", "420221")
CONTEXTS = ("", "", "Electronics > Audio", "", "Fashion > Women")


def varied_items(descriptions: Sequence[str], codes: Sequence[str]) -> list[ItemDescription]:
    """Each description with a declared code (some repeated, some with context or no code)."""
    items = []
    for i, description in enumerate(descriptions):
        items.append(
            ItemDescription(
                description,
                category_path=CONTEXTS[i % len(CONTEXTS)],
                material="cotton" if i % 7 == 3 else "",
                declared_code="" if i % 11 == 5 else codes[i % len(codes)],
                destination=("GB", "DE", "US", "")[i % 4],
                top_k=(3, 1, 5)[i % 3],
            )
        )
    return items + items[:6]  # duplicates within one batch


def expected_one_by_one(
    domain: ClassificationDomain, items: Sequence[ItemDescription]
) -> list[object]:
    return [domain.classify(item, ON) for item in items]


def count_scored_queries(model: HsModel, monkeypatch: pytest.MonkeyPatch) -> list[Query]:
    """Record every query the model scores (ranker candidates or softmax scores)."""
    seen: list[Query] = []
    name = "_candidate_probabilities" if model.ranker is not None else "class_scores"
    original = getattr(model, name)

    def recording(queries: Sequence[Query], *args: object) -> object:
        seen.extend(queries)
        return original(queries, *args)

    monkeypatch.setattr(model, name, recording)
    return seen


def assert_batch_matches(
    domain: ClassificationDomain,
    items: Sequence[ItemDescription],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = expected_one_by_one(domain, items)
    validations = [
        domain.validate_code(item.declared_code, item.description, ON)
        for item in items
        if item.declared_code
    ]
    seen = count_scored_queries(domain.classifier.model, monkeypatch)
    answers = domain.classify_many(items, ON)
    assert answers == expected
    distinct = {Query(i.description) for i in items if i.declared_code} | {
        Query(i.description, " ".join(p for p in (i.category_path, i.material, i.brand) if p))
        for i in items
    }
    assert len(seen) == len(set(seen)) == len(distinct)  # each distinct query scored once
    checks = [a.declared_check for a in answers if a.declared_check is not None]
    assert [v.check.confidence for v in validations] == [c.confidence for c in checks]
    assert any(not c.plausible for c in checks) and any(c.plausible for c in checks)


@pytest.fixture(scope="module")
def starter_domain() -> Iterator[ClassificationDomain]:
    loaded = ClassificationDomain.load(starter_data_dir(), REPO_RULES, None)
    yield loaded
    loaded.close()


def test_batch_matches_single_items_softmax(
    starter_domain: ClassificationDomain, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert starter_domain.classifier.model.ranker is None
    assert_batch_matches(starter_domain, varied_items(DESCRIPTIONS, DECLARED), monkeypatch)


def test_memo_is_shared_by_rank_and_probability_of(starter_domain: ClassificationDomain) -> None:
    model = starter_domain.classifier.model
    queries = [Query(d) for d in DESCRIPTIONS[:10]]
    codes = DECLARED * 2
    memo = ScoreMemo()
    assert model.rank(queries, 3, memo) == model.rank(queries, 3)
    assert set(memo.rows) == set(queries)
    assert model.probability_of(queries, codes[:10], memo) == model.probability_of(
        queries, codes[:10]
    )
    assert model.probability_of([], [], memo) == []


@pytest.mark.shared_data
def test_batch_matches_single_items_ranker(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    domain = ClassificationDomain.load(shared_data, REPO_RULES, None)
    try:
        if domain.classifier.model.ranker is None:
            pytest.skip("the shared data is too small to train the ranker")
        references = load_parcel_references(shared_data)[:40]
        descriptions = [*DESCRIPTIONS, *(r.text for r in references)]
        codes = [*DECLARED, *(r.code for r in references)]
        assert_batch_matches(domain, varied_items(descriptions, codes), monkeypatch)
    finally:
        domain.close()
