"""The batch path scores each distinct query once and answers exactly as the single-item path;
queries scored in earlier batches are not scored again, with the same answers."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from clearway.classification.domain import ClassificationDomain, ItemDescription
from clearway.classification.model import HsModel, LruMemo, Query, ScoreMemo, recent_scores
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
    domain.classifier.forget()  # what the batch itself scores, not what earlier calls did
    seen = count_scored_queries(domain.classifier.model, monkeypatch)
    answers = domain.classify_many(items, ON)
    assert answers == expected
    distinct = {Query(i.description) for i in items if i.declared_code} | {
        Query(i.description, " ".join(p for p in (i.category_path, i.material, i.brand) if p))
        for i in items
    }
    # each distinct query is scored once, queries that normalise alike once together
    model = domain.classifier.model
    features = {model._featurise(query).key for query in distinct}
    assert len(seen) == len({model._featurise(query).key for query in seen}) == len(features)
    seen.clear()
    assert domain.classify_many(items, ON) == expected
    assert seen == []  # the next batch reuses the rows of the previous ones
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


def test_recent_scores_are_keyed_by_features_and_bounded(
    starter_domain: ClassificationDomain, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = starter_domain.classifier.model
    model.recent.clear()
    seen = count_scored_queries(model, monkeypatch)
    first = model.rank([Query("Wireless Bluetooth Headphones")], 3)
    # the same words in another case normalise to the same features: no second scoring
    assert model.rank([Query("wireless bluetooth HEADPHONES")], 3) == first
    assert seen == [Query("Wireless Bluetooth Headphones")]
    model.rank([Query("leather wallet")], 3)
    assert len(model.recent) == 2
    rows = ScoreMemo()
    model.rank([Query("leather wallet"), Query("green tea bags"), Query("wool jumper")], 3, rows)
    scored = list(rows.rows.values())
    one_row = scored[0][1].nbytes  # softmax rows (no ranker on the starter set): same size
    recent = recent_scores(max_bytes=2 * one_row)
    for number, row in enumerate(scored):
        recent.put(((number,), (1.0,)), row)
    assert recent.get(((1,), (1.0,))) is scored[1]  # now the most recently used
    recent.put(((3,), (1.0,)), scored[0])
    assert len(recent) == 2
    assert recent.get(((0,), (1.0,))) is None and recent.get(((2,), (1.0,))) is None
    assert recent.get(((1,), (1.0,))) is scored[1]


def test_recalibration_forgets_recent_scores(starter_domain: ClassificationDomain) -> None:
    model = starter_domain.classifier.model
    model.rank([Query("stoneware mug")], 3)
    assert len(model.recent) > 0
    temperature, abstention, generation = model.temperature, model.abstention, model.generation
    references = load_parcel_references(starter_data_dir())[:30]
    try:
        model.fit_calibration(
            [Query(r.text) for r in references], [r.hs6 for r in references], [-1] * 30
        )
        assert len(model.recent) == 0
        assert model.generation == generation + 1
    finally:
        model.temperature, model.abstention = temperature, abstention
        model.recent.clear()


def test_lru_memo_computes_each_missing_key_once_and_keeps_the_latest() -> None:
    calls: list[list[str]] = []

    def upper(keys: list[str]) -> list[str]:
        calls.append(keys)
        return [key.upper() for key in keys]

    memo: LruMemo[str, str] = LruMemo(limit=3)
    assert memo.answers(["a", "b", "a"], upper) == ["A", "B", "A"]
    assert memo.answers(["b", "c", "d"], upper) == ["B", "C", "D"]
    assert calls == [["a", "b"], ["c", "d"]]
    assert len(memo) == 3 and memo.get("a") is None  # the least recently used went first
    assert memo.answers([], upper) == [] and len(calls) == 2
