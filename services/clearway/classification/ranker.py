"""The learned ranker: re-orders the retrieval's candidate subheadings and calibrates them.

Retrieval alone ranks a subheading by its single best matching text. The ranker looks at each
of the best candidates through several signals at once: the best match per source (nomenclature,
trade terms, parcel references), a vote of the nearest references, agreement of the candidate's
heading and chapter with those neighbours, and how often parcels carry the subheading at all
(the prior: parcels are mostly cosmetics, toys and clothes, not chemicals). A conditional logit
(softmax over a query's candidates) weighs those signals; it is trained leave-one-out on the
parcel references, so every training query is scored as if unseen. A Platt scaling fitted on
out-of-fold answers then maps the ranker's probability to the observed chance of being right,
because a softmax over candidates alone ignores that the right subheading is often not among
them.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Candidates the ranker orders per query (more than the largest top-k asked for).
CANDIDATES = 30
#: Nearest reference texts (trade terms and parcels) that vote for their subheading.
NEIGHBOURS = 10
#: Weight of the neighbour vote when choosing candidates from retrieval scores.
VOTE_IN_SELECTION = 0.3
FEATURE_NAMES = (
    "best_nomenclature",
    "best_search_term",
    "best_parcel",
    "best_any",
    "gap_to_best",
    "log_retrieval_rank",
    "neighbour_vote",
    "neighbour_count",
    "heading_vote",
    "chapter_vote",
    "heading_best",
    "log_parcel_prior",
    "log_heading_prior",
    "unseen_in_parcels",
    "best_any_squared",
    "best_parcel_x_prior",
)


@dataclass(frozen=True)
class CandidateSet:
    """Per query: candidate subheadings (class indices) and their feature vectors."""

    classes: IntArray  # (queries, CANDIDATES)
    features: FloatArray  # (queries, CANDIDATES, len(FEATURE_NAMES))


class CandidateFeatures:
    """Computes candidates and features from a block of document scores.

    `doc_class` and `doc_source` say, per indexed document, its subheading (class index, the
    documents sorted by class) and its source index (0 nomenclature, 1 search term, 2 parcel,
    3 tariff line); `class_codes` are the HS-6 codes of the classes.
    """

    def __init__(
        self, doc_class: IntArray, doc_source: IntArray, class_codes: Sequence[str]
    ) -> None:
        self.doc_class = doc_class
        self.class_starts = np.searchsorted(doc_class, np.arange(len(class_codes)))
        self.n_classes = len(class_codes)
        self._source_groups = [
            _ClassGroups(np.nonzero(doc_source == s)[0], doc_class)
            for s in range(int(doc_source.max(initial=0)) + 1)
        ]
        self.reference_mask = (doc_source == 1) | (doc_source == 2)
        self.heading_of = np.unique([c[:4] for c in class_codes], return_inverse=True)[1]
        self.chapter_of = np.unique([c[:2] for c in class_codes], return_inverse=True)[1]
        self.n_headings = int(self.heading_of.max()) + 1
        self.n_chapters = int(self.chapter_of.max()) + 1
        self._by_heading = np.argsort(self.heading_of, kind="stable")
        self._heading_starts = np.searchsorted(
            self.heading_of[self._by_heading], np.arange(self.n_headings)
        )
        parcel_classes = doc_class[doc_source == 2]
        self.prior = np.bincount(parcel_classes, minlength=self.n_classes).astype(np.float64)
        self.heading_prior = np.bincount(
            self.heading_of[parcel_classes], minlength=self.n_headings
        ).astype(np.float64)

    def _pool_sources(self, matrix: npt.NDArray[np.float32]) -> list[npt.NDArray[np.float32]]:
        """Per source (nomenclature, search, parcel, tariff): each class's best document score."""
        by_document = np.ascontiguousarray(matrix.T)  # reduce along contiguous rows: faster
        return [group.pool(by_document, self.n_classes) for group in self._source_groups]

    def compute(
        self, matrix: npt.NDArray[np.float32], own_class: IntArray | None = None
    ) -> CandidateSet:
        """Candidates and features of a block of queries; `own_class` removes the query's own
        label from the priors (leave-one-out training)."""
        n = matrix.shape[0]
        rows = np.arange(n)[:, None]
        per_source = self._pool_sources(matrix)
        while len(per_source) < 3:
            per_source.append(np.zeros((n, self.n_classes), dtype=np.float32))
        best_any = np.maximum.reduce(per_source)
        references = np.where(self.reference_mask, matrix, 0.0)
        k = min(NEIGHBOURS, references.shape[1] - 1)
        near = np.argpartition(-references, k, axis=1)[:, :k]
        near_scores = np.take_along_axis(references, near, 1).astype(np.float64)
        near_class = self.doc_class[near]
        vote = np.zeros((n, self.n_classes))
        count = np.zeros((n, self.n_classes))
        np.add.at(vote, (np.broadcast_to(rows, near.shape), near_class), near_scores**2)
        np.add.at(count, (np.broadcast_to(rows, near.shape), near_class), near_scores > 0)
        heading_vote = np.zeros((n, self.n_headings))
        np.add.at(
            heading_vote,
            (np.broadcast_to(rows, near.shape), self.heading_of[near_class]),
            near_scores**2,
        )
        chapter_vote = np.zeros((n, self.n_chapters))
        np.add.at(
            chapter_vote,
            (np.broadcast_to(rows, near.shape), self.chapter_of[near_class]),
            near_scores**2,
        )
        heading_best = np.maximum.reduceat(
            best_any[:, self._by_heading], self._heading_starts, axis=1
        )
        size = min(CANDIDATES, self.n_classes)
        selection = best_any + VOTE_IN_SELECTION * vote
        candidates = (
            np.argpartition(-selection, size - 1, axis=1)[:, :size]
            if size < self.n_classes
            else np.broadcast_to(np.arange(self.n_classes), (n, self.n_classes)).copy()
        )
        heading = self.heading_of[candidates]
        prior = self.prior[candidates]
        heading_prior = self.heading_prior[heading]
        if own_class is not None:
            prior = prior - (candidates == own_class[:, None])
            heading_prior = heading_prior - (heading == self.heading_of[own_class][:, None])

        def at(values: npt.NDArray[np.floating]) -> FloatArray:
            return np.take_along_axis(values, candidates, 1).astype(np.float64)

        score = at(best_any)
        best_parcel = at(per_source[2])
        rank = np.argsort(np.argsort(-score, axis=1), axis=1)
        features = np.stack(
            [
                at(per_source[0]),
                at(per_source[1]),
                best_parcel,
                score,
                score - score.max(axis=1, keepdims=True),
                np.log1p(rank),
                at(vote),
                at(count),
                heading_vote[rows, heading],
                chapter_vote[rows, self.chapter_of[candidates]],
                heading_best[rows, heading].astype(np.float64),
                np.log1p(prior),
                np.log1p(heading_prior),
                (prior <= 0).astype(np.float64),
                score**2,
                best_parcel * np.log1p(prior),
            ],
            axis=2,
        )
        return CandidateSet(candidates.astype(np.int64), features)


class _ClassGroups:
    """The documents of one source, grouped by class (documents are sorted by class)."""

    def __init__(self, columns: IntArray, doc_class: IntArray) -> None:
        self.columns = columns
        classes = doc_class[columns]
        self.classes, self.starts = np.unique(classes, return_index=True)
        self.singletons = len(self.classes) == len(columns)

    def pool(self, by_document: npt.NDArray[np.float32], n_classes: int) -> npt.NDArray[np.float32]:
        """(queries, classes) best score of this source's documents; 0 where it has none."""
        out = np.zeros((by_document.shape[1], n_classes), dtype=np.float32)
        if not len(self.columns):
            return out
        rows = by_document[self.columns]
        pooled = rows if self.singletons else np.maximum.reduceat(rows, self.starts, axis=0)
        out[:, self.classes] = pooled.T
        return out


@dataclass(frozen=True)
class Ranker:
    """Conditional-logit weights over standardised features, and the Platt calibration."""

    mean: FloatArray
    scale: FloatArray
    weights: FloatArray
    platt_slope: float = 1.0
    platt_intercept: float = 0.0

    def digest(self) -> str:
        raw = np.concatenate(
            [self.mean, self.scale, self.weights, [self.platt_slope, self.platt_intercept]]
        )
        return hashlib.sha256(np.round(raw, 6).tobytes()).hexdigest()[:8]

    def softmax(self, features: FloatArray) -> FloatArray:
        """The ranker's probability of each candidate (summing to one over the candidates)."""
        logits = ((features - self.mean) / self.scale) @ self.weights
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        result: FloatArray = exp / exp.sum(axis=1, keepdims=True)
        return result

    def probabilities(self, features: FloatArray) -> FloatArray:
        """Calibrated probabilities: Platt scaling of each candidate's ranker probability.

        Monotone, so the order stays the ranker's; re-normalised only if the mass exceeds one.
        """
        calibrated = _platt(self.softmax(features), self.platt_slope, self.platt_intercept)
        total = calibrated.sum(axis=1, keepdims=True)
        result: FloatArray = calibrated / np.maximum(total, 1.0)
        return result


def _logit(p: FloatArray) -> FloatArray:
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    result: FloatArray = np.log(clipped / (1 - clipped))
    return result


def _platt(p: FloatArray, slope: float, intercept: float) -> FloatArray:
    result: FloatArray = 1.0 / (1.0 + np.exp(-(slope * _logit(p) + intercept)))
    return result


def fit_weights(
    features: FloatArray, candidates: IntArray, truth: IntArray, l2: float = 0.01
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Maximum-likelihood conditional logit (Newton with backtracking), L2-regularised.

    Queries whose right subheading is not among their candidates carry no ranking signal and
    are left out. Returns (mean, scale, weights).
    """
    hit = candidates == truth[:, None]
    usable = hit.any(axis=1)
    x_all = features[usable]
    hit = hit[usable]
    flat = x_all.reshape(-1, x_all.shape[2])
    mean = flat.mean(axis=0)
    scale = flat.std(axis=0) + 1e-9
    x = (x_all - mean) / scale
    n, _k, d = x.shape
    weights = np.zeros(d)
    penalty = l2 * n

    def objective(w: FloatArray) -> float:
        logits = x @ w
        top = logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(logits - top).sum(axis=1)) + top[:, 0]
        return float((logits[hit] - log_norm).sum() - 0.5 * penalty * w @ w)

    current = objective(weights)
    for _ in range(50):
        logits = x @ weights
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        expected = np.einsum("nk,nkd->nd", p, x)
        gradient = (x[hit] - expected).sum(axis=0) - penalty * weights
        centred = x - expected[:, None, :]
        hessian = np.einsum("nk,nkd,nke->de", p, centred, centred) + penalty * np.eye(d)
        step = np.linalg.solve(hessian, gradient)
        size = 1.0
        while size > 1e-4:
            trial = objective(weights + size * step)
            if trial >= current:
                break
            size /= 2
        if size <= 1e-4:
            break
        weights = weights + size * step
        improved, current = trial - current, trial
        if improved < 1e-7 * max(1.0, abs(current)):
            break
    return mean, scale, weights


def fit_platt(confidence: FloatArray, right: npt.NDArray[np.bool_]) -> tuple[float, float]:
    """Logistic fit of "the top answer is right" on the logit of its confidence."""
    x = np.stack([_logit(confidence), np.ones(len(confidence))], axis=1)
    y = right.astype(np.float64)
    params = np.array([1.0, 0.0])
    for _ in range(50):
        q = 1.0 / (1.0 + np.exp(-(x @ params)))
        gradient = x.T @ (y - q)
        hessian = (x * (q * (1 - q))[:, None]).T @ x + 1e-6 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        params = params + step
        if float(np.abs(step).max()) < 1e-8:
            break
    slope, intercept = float(params[0]), float(params[1])
    if not (math.isfinite(slope) and math.isfinite(intercept)):
        return 1.0, 0.0
    return slope, intercept


def train_ranker(
    features: FloatArray, candidates: IntArray, truth: IntArray, seed: int, l2: float = 0.01
) -> Ranker:
    """Fit the ranker on all queries and its calibration on two-fold out-of-fold answers."""
    folds = np.random.default_rng(seed).random(len(truth)) < 0.5
    confidence = np.zeros(len(truth))
    right = np.zeros(len(truth), dtype=bool)
    for fold in (True, False):
        train, test = folds == fold, folds != fold
        mean, scale, weights = fit_weights(features[train], candidates[train], truth[train], l2)
        p = Ranker(mean, scale, weights).softmax(features[test])
        top = p.argmax(axis=1)
        confidence[test] = p[np.arange(len(top)), top]
        right[test] = candidates[test][np.arange(len(top)), top] == truth[test]
    slope, intercept = fit_platt(confidence, right)
    mean, scale, weights = fit_weights(features, candidates, truth, l2)
    return Ranker(mean, scale, weights, slope, intercept)
