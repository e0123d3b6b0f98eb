"""The learned candidate ranker, its calibration and the label-noise measure."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from clearway.classification.model import HsModel, LabelledText, Query
from clearway.classification.ranker import (
    FEATURE_NAMES,
    CandidateFeatures,
    Ranker,
    fit_platt,
    train_ranker,
)
from clearway.classification.training import label_noise, normalised_key
from clearway.reference.classification_refs import Reference


def synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Queries of 5 candidates whose right one has a higher first feature, plus noise."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, 5, 3))
    truth_position = rng.integers(0, 5, size=n)
    features[np.arange(n), truth_position, 0] += 2.0
    candidates = np.tile(np.arange(5), (n, 1))
    return features, candidates, truth_position.astype(np.int64)


def test_ranker_learns_the_informative_feature_and_is_calibrated() -> None:
    features, candidates, truth = synthetic(800, 1)
    ranker = train_ranker(features, candidates, truth, seed=3)
    assert ranker.weights[0] > 5 * max(abs(ranker.weights[1]), abs(ranker.weights[2]))
    test_features, test_candidates, test_truth = synthetic(2000, 2)
    p = ranker.probabilities(test_features)
    top = p.argmax(axis=1)
    right = test_candidates[np.arange(len(top)), top] == test_truth
    assert right.mean() > 0.6
    # Calibrated: mean top-1 confidence within a few points of the observed accuracy.
    assert abs(p.max(axis=1).mean() - right.mean()) < 0.05


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, (4, 6, 3), elements=st.floats(-5, 5)))
def test_calibrated_probabilities_keep_order_and_mass(features: np.ndarray) -> None:
    ranker = Ranker(np.zeros(3), np.ones(3), np.array([1.0, -0.5, 0.2]), 1.3, 0.4)
    raw = ranker.softmax(features)
    calibrated = ranker.probabilities(features)
    assert np.all(calibrated >= 0) and np.all(calibrated.sum(axis=1) <= 1 + 1e-9)
    for row in range(len(raw)):
        # a clearly larger raw probability never gets a smaller calibrated one; raw values a
        # rounding error apart (2e-16 features) may come out of calibration as exact ties
        r, c = raw[row], calibrated[row]
        above = r[:, None] > r[None, :] + 1e-12
        assert not np.any(above & (c[:, None] < c[None, :] - 1e-12))


def test_platt_is_identity_like_on_calibrated_answers() -> None:
    rng = np.random.default_rng(5)
    confidence = rng.uniform(0.05, 0.95, size=20000)
    right = rng.uniform(size=confidence.size) < confidence
    slope, intercept = fit_platt(confidence, right)
    assert abs(slope - 1) < 0.1 and abs(intercept) < 0.1


def test_candidate_features_leave_own_label_out_of_the_prior() -> None:
    doc_class = np.array([0, 1, 1, 2], dtype=np.int64)
    doc_source = np.array([0, 2, 2, 1], dtype=np.int64)
    features = CandidateFeatures(doc_class, doc_source, ["010121", "010129", "020110"])
    matrix = np.array([[0.1, 0.9, 0.5, 0.2]], dtype=np.float32)
    plain = features.compute(matrix)
    own = features.compute(matrix, np.array([1], dtype=np.int64))
    assert plain.features.shape == (1, 3, len(FEATURE_NAMES))
    prior = FEATURE_NAMES.index("log_parcel_prior")
    best_parcel = FEATURE_NAMES.index("best_parcel")
    position = list(plain.classes[0]).index(1)
    assert plain.features[0, position, prior] == np.log1p(2)
    assert own.features[0, position, prior] == np.log1p(1)
    assert plain.features[0, position, best_parcel] == np.float32(0.9)


def test_model_with_ranker_ranks_and_checks_codes_consistently() -> None:
    texts = {
        "330499": ["face cream", "moisturiser cream", "night cream jar", "eye cream"],
        "610910": ["cotton tshirt", "tshirt white", "kids tshirt", "graphic tee"],
        "851830": ["earphones", "headphones wireless", "earbuds", "headset gaming"],
    }
    docs = [
        LabelledText(text, hs6, "parcel", hs6 + "00") for hs6, ts in texts.items() for text in ts
    ]
    docs += [LabelledText("Headphones and earphones", "851830", "nomenclature")]
    docs += [LabelledText("T-shirts, knitted, of cotton", "610910", "nomenclature")]
    docs += [LabelledText("Beauty or make-up preparations", "330499", "nomenclature")]
    model = HsModel(docs, sorted(texts))
    parcels = [i for i, d in enumerate(model.documents) if d.source == "parcel"]
    model.fit_ranker(
        [Query(model.documents[i].text) for i in parcels],
        [model.documents[i].hs6 for i in parcels],
        parcels,
        seed=1,
    )
    assert model.ranker is not None and "ranker" in model.version
    ranked = model.rank([Query("hand cream"), Query("bluetooth headphones")], top_k=2)
    assert [r.hs6[0] for r in ranked] == ["330499", "851830"]
    checked = model.probability_of([Query("bluetooth headphones")], ["851830"])
    assert checked[0][2] == 1 and abs(checked[0][0] - ranked[1].probabilities[0]) < 1e-9


def test_label_noise_counts_conflicting_normalised_texts() -> None:
    refs = [
        Reference("Card", "49090000", "490900", "parcel"),
        Reference("cards x2", "48070000", "480700", "parcel"),
        Reference("CARD", "49090000", "490900", "parcel"),
        Reference("tray", "39241000", "392410", "parcel"),
    ]
    noise = label_noise(refs)
    assert normalised_key("Cards x2") == normalised_key("card")
    assert (noise.distinct_texts, noise.conflicting_texts, noise.rows_in_conflict) == (2, 1, 3)
    assert noise.majority_ceiling == 3 / 4
