"""The HS-6 model: TF-IDF retrieval over labelled texts, aggregated per subheading, calibrated.

Every labelled text (a subheading with its heading and chapter, a trade term of the UK search
references, a real parcel description, a national tariff line) is a document of its subheading.
A description is compared with every document by cosine similarity of word TF-IDF (with
abbreviation and truncation expansion) and character n-gram TF-IDF (typos, compounds, cut-off
words); a subheading scores its best document, weighted by source. The learned ranker
(ranker.py) then re-orders the 30 best candidates and calibrates their probabilities; it is
trained leave-one-out on the parcel references. With too few references to train it (the
starter set), a softmax with a fitted temperature turns scores into probabilities instead.

Building and training are a few seconds of numpy work, so they happen when the service loads;
nothing is written to disk.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from clearway.classification.ranker import CandidateFeatures, Ranker, train_ranker
from clearway.classification.text import char_ngrams, skeleton, tokens

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

#: Document sources, in the order their weights are listed in ModelParams.source_weights.
SOURCES = ("nomenclature", "search", "parcel", "tariff")


@dataclass(frozen=True, slots=True)
class LabelledText:
    """A text known to describe goods of subheading `hs6`; `code` is its national code if any."""

    text: str
    hs6: str
    source: str
    code: str = ""


@dataclass(frozen=True, slots=True)
class Query:
    """What is known of one item: its description and optional marketplace context."""

    description: str
    context: str = ""


@dataclass(frozen=True)
class ModelParams:
    """Hyper-parameters, chosen on the held-out split of the parcel references."""

    word_share: float = 0.5
    context_weight: float = 0.5
    expansion_weight: float = 0.7
    source_weights: tuple[float, ...] = (0.7, 0.9, 1.0, 0.7)
    max_df_share: float = 0.02
    pooling: float = 0.0
    chunk: int = 256

    def digest(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()[:8]


@dataclass(frozen=True, slots=True)
class Ranked:
    """The top subheadings for one query with their probabilities and the evidence."""

    hs6: tuple[str, ...]
    probabilities: tuple[float, ...]
    matched_terms: tuple[str, ...]
    evidence_code: str
    evidence_text: str


ScoredRow = tuple[IntArray | None, npt.NDArray[np.floating], int]
"""(candidate classes or None, probabilities, best document) of one query."""


class ScoreMemo:
    """Per-query candidate probabilities, computed once and reused within one call.

    Created by a caller for the span of one request or batch, so the ranking, declared-code
    validation and classification of the same query share one model pass. Each entry is a
    ScoredRow: with the ranker the classes are its candidates best first; without it the
    probabilities cover every class and the classes are None. (Across batches the model keeps
    its own bounded recent_scores().)
    """

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows: dict[Query, ScoredRow] = {}


FeatureKey = tuple[tuple[int, ...], tuple[float, ...]]
"""A query's feature ids and weights in order: all its scores are computed from."""

RECENT_SCORES_BYTES = 16 << 20
"""Array bytes of scored rows a model keeps across batches (about 30,000 queries with the
ranker, about 700 with softmax rows over every subheading)."""

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruMemo(Generic[K, V]):
    """Answers of a pure computation kept across calls: products repeat from parcel to parcel.

    At most `limit` in total weight (each answer weighs 1, or what `weight` says), least
    recently used dropped; thread-safe (the service answers batches concurrently).
    """

    def __init__(self, limit: int, weight: Callable[[V], int] | None = None) -> None:
        self.limit = limit
        self._weight = weight
        self._answers: OrderedDict[K, V] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: K) -> V | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: K, answer: V) -> None:
        with self._lock:
            if key in self._answers:
                return
            self._answers[key] = answer
            self._total += self._weight(answer) if self._weight else 1
            while self._total > self.limit and self._answers:
                _key, dropped = self._answers.popitem(last=False)
                self._total -= self._weight(dropped) if self._weight else 1

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self._total = 0

    def answers(self, keys: Sequence[K], compute: Callable[[list[K]], Sequence[V]]) -> list[V]:
        """The answer of each key: remembered ones, the others by one call of `compute` with
        the distinct missing keys (and remembered from then on)."""
        found = [self.get(key) for key in keys]
        missing = list(
            dict.fromkeys(k for k, known in zip(keys, found, strict=True) if known is None)
        )
        computed = dict(zip(missing, compute(missing) if missing else (), strict=True))
        for key, answer in computed.items():
            self.put(key, answer)
        return [
            known if known is not None else computed[key]
            for key, known in zip(keys, found, strict=True)
        ]


def recent_scores(max_bytes: int = RECENT_SCORES_BYTES) -> LruMemo[FeatureKey, ScoredRow]:
    """Scored rows across batches, keyed by the query's features, bounded by their bytes.

    Keyed by features, spellings that normalise alike ("USB Cable", "usb cable") share a row,
    and a row is exactly what scoring those features again would give. The model empties it
    whenever its calibration changes, so a row never outlives the model version it came from.
    """
    return LruMemo(max_bytes, _row_bytes)


def _row_bytes(row: ScoredRow) -> int:
    classes, probabilities, _doc = row
    return probabilities.nbytes + (classes.nbytes if classes is not None else 0)


@dataclass(frozen=True, slots=True)
class _Features:
    ids: tuple[int, ...]
    weights: tuple[float, ...]
    words: frozenset[str]

    @property
    def key(self) -> FeatureKey:
        return self.ids, self.weights


@dataclass
class _Vocabulary:
    ids: dict[str, int] = field(default_factory=dict)

    def add(self, key: str) -> int:
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.ids)
        return found


def _tfidf(counts: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    """Sublinear TF-IDF, unit length; keys without idf (unseen features) are dropped."""
    weighted = {k: (1.0 + math.log(c)) * idf[k] for k, c in counts.items() if k in idf}
    norm = math.sqrt(sum(v * v for v in weighted.values()))
    return {k: v / norm for k, v in weighted.items()} if norm else {}


def _looks_abbreviated(word: str) -> bool:
    """No vowel after the first letter: 'wll', 'shlf', 'mstrsr' (but not 'milk')."""
    return len(word) >= 2 and not any(c in "aeiouy" for c in word[1:])


@lru_cache(maxsize=262144)
def _word_char_keys(word: str) -> tuple[str, ...]:
    """The character n-gram features of a word (keys prefixed '#' to keep them apart from words)."""
    return tuple("#" + g for g in char_ngrams(word))


class HsModel:
    """Retrieval index over labelled texts plus the fitted temperature; immutable once built."""

    def __init__(
        self,
        documents: Sequence[LabelledText],
        classes: Sequence[str],
        params: ModelParams | None = None,
    ) -> None:
        self.params = params or ModelParams()
        self.classes = tuple(classes)
        self._class_index = {hs6: i for i, hs6 in enumerate(self.classes)}
        kept = [d for d in documents if d.hs6 in self._class_index]
        kept.sort(key=lambda d: self._class_index[d.hs6])
        covered = {d.hs6 for d in kept}
        missing = [c for c in self.classes if c not in covered]
        if missing:
            raise ValueError(f"{len(missing)} classes have no document, e.g. {missing[:3]}")
        self.documents = tuple(kept)
        self.dropped = len(documents) - len(kept)
        self.temperature = 0.05
        self.abstention = -math.inf
        self.ranker: Ranker | None = None
        self.recent = recent_scores()
        self.generation = 0
        """Counts calibrations: part of the key of anything remembered from this model."""
        self._build()

    # -- building --------------------------------------------------------------------------

    def _build(self) -> None:
        docs = self.documents
        word_counts: list[Counter[str]] = []
        char_counts: list[Counter[str]] = []
        word_df: Counter[str] = Counter()
        char_df: Counter[str] = Counter()
        for doc in docs:
            words = tokens(doc.text)
            wc = Counter(words)
            cc: Counter[str] = Counter()
            for word in words:
                cc.update(_word_char_keys(word))
            word_counts.append(wc)
            char_counts.append(cc)
            word_df.update(wc.keys())
            char_df.update(cc.keys())
        n = len(docs)
        self._word_idf = {w: math.log((n + 1) / (df + 1)) + 1.0 for w, df in word_df.items()}
        self._char_idf = {g: math.log((n + 1) / (df + 1)) + 1.0 for g, df in char_df.items()}
        self._word_df = word_df
        max_df = max(self.params.max_df_share * n, 50.0)
        too_common = {k for k, df in (*word_df.items(), *char_df.items()) if df > max_df}
        vocabulary = _Vocabulary()
        feature_ids: list[int] = []
        doc_ids: list[int] = []
        values: list[float] = []
        self._doc_words: list[frozenset[str]] = []
        for i, (wc, cc) in enumerate(zip(word_counts, char_counts, strict=True)):
            self._doc_words.append(frozenset(wc))
            for key, value in (
                *_tfidf(wc, self._word_idf).items(),
                *_tfidf(cc, self._char_idf).items(),
            ):
                if key in too_common:  # low weight, long postings: skipped when scoring
                    continue
                feature_ids.append(vocabulary.add(key))
                doc_ids.append(i)
                values.append(value)
        self._feature_ids = vocabulary.ids
        features = np.asarray(feature_ids, dtype=np.int64)
        order = np.argsort(features, kind="stable")
        self._postings_doc = np.asarray(doc_ids, dtype=np.int64)[order]
        self._postings_value = np.asarray(values, dtype=np.float32)[order]
        counts = np.bincount(features, minlength=len(vocabulary.ids))
        self._indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)

        doc_class = np.asarray([self._class_index[d.hs6] for d in docs], dtype=np.int64)
        self._doc_class = doc_class
        self._class_starts = np.searchsorted(doc_class, np.arange(len(self.classes)))
        weights = dict(zip(SOURCES, self.params.source_weights, strict=True))
        self._doc_weight = np.asarray([weights.get(d.source, 1.0) for d in docs], dtype=np.float32)
        source_index = {source: i for i, source in enumerate(SOURCES)}
        doc_source = np.asarray(
            [source_index.get(d.source, len(SOURCES)) for d in docs], dtype=np.int64
        )
        self._candidates = CandidateFeatures(doc_class, doc_source, self.classes)

        self._vocabulary_sorted = sorted(word_df)
        by_skeleton: dict[str, tuple[int, str]] = {}
        for word, df in word_df.items():
            key = skeleton(word)
            if key != word and (key not in by_skeleton or by_skeleton[key][0] < df):
                by_skeleton[key] = (df, word)
        self._by_skeleton = {k: w for k, (_df, w) in by_skeleton.items()}
        self._featurise = lru_cache(maxsize=65536)(self._featurise_uncached)

    @property
    def version(self) -> str:
        """Identifies the model: parameters, documents and temperature."""
        content = hashlib.sha256()
        for doc in self.documents:
            content.update(f"{doc.hs6}\t{doc.source}\t{doc.text}\n".encode())
        if self.ranker is not None:
            calibration = f"ranker{self.ranker.digest()}"
        else:
            calibration = f"t{self.temperature:.4f}-a{self.abstention:.2f}"
        return f"tfidf-knn-{self.params.digest()}-{content.hexdigest()[:8]}-{calibration}"

    @property
    def calibration(self) -> str:
        """How probabilities are calibrated, for reports."""
        if self.ranker is not None:
            return (
                f"ranker calibrated by Platt scaling (slope {self.ranker.platt_slope:.3f},"
                f" intercept {self.ranker.platt_intercept:.3f})"
            )
        return f"softmax temperature {self.temperature:.4f}, abstention {self.abstention:.2f}"

    # -- query features --------------------------------------------------------------------

    def expand(self, word: str) -> str | None:
        """The known word an unknown token abbreviates or truncates ('mstrsr', 'foundati')."""
        if word in self._word_idf:
            return None
        shape = skeleton(word)
        if _looks_abbreviated(word) and shape in self._by_skeleton:
            return self._by_skeleton[shape]
        if len(word) >= 4:
            start = bisect.bisect_left(self._vocabulary_sorted, word)
            best: tuple[int, str] | None = None
            for candidate in self._vocabulary_sorted[start : start + 50]:
                if not candidate.startswith(word):
                    break
                df = self._word_df[candidate]
                if best is None or df > best[0]:
                    best = (df, candidate)
            if best is not None:
                return best[1]
        if len(shape) >= 3 and shape in self._by_skeleton:
            return self._by_skeleton[shape]
        return None

    def _featurise_uncached(self, query: Query) -> _Features:
        share = self.params.word_share
        word_counts: Counter[str] = Counter()
        char_counts: Counter[str] = Counter()
        expanded: Counter[str] = Counter()
        parts = ((query.description, 1.0), (query.context, self.params.context_weight))
        words_seen: set[str] = set()
        blocks: list[tuple[dict[str, float], float]] = []
        for text, weight in parts:
            if not text:
                continue
            word_counts.clear()
            char_counts.clear()
            expanded.clear()
            for word in tokens(text):
                words_seen.add(word)
                char_counts.update(_word_char_keys(word))
                if word in self._word_idf:
                    word_counts[word] += 1
                else:
                    replacement = self.expand(word)
                    if replacement is not None:
                        expanded[replacement] += 1
                        words_seen.add(replacement)
            word_vec = _tfidf(word_counts + expanded, self._word_idf)
            for key in expanded:
                if key not in word_counts:
                    word_vec[key] *= self.params.expansion_weight
            blocks.append((word_vec, weight * share))
            blocks.append((_tfidf(char_counts, self._char_idf), weight * (1.0 - share)))
        merged: dict[int, float] = {}
        for vector, weight in blocks:
            for key, value in vector.items():
                fid = self._feature_ids.get(key)
                if fid is not None:
                    merged[fid] = merged.get(fid, 0.0) + value * weight
        return _Features(tuple(merged), tuple(merged.values()), frozenset(words_seen))

    # -- scoring ---------------------------------------------------------------------------

    def _document_scores(self, features: Sequence[_Features]) -> FloatArray:
        """(len(features), documents) cosine scores weighted by source."""
        n_docs = len(self.documents)
        fids = np.fromiter((f for q in features for f in q.ids), dtype=np.int64)
        weights = np.fromiter((w for q in features for w in q.weights), dtype=np.float32)
        rows = np.repeat(np.arange(len(features)), [len(q.ids) for q in features])
        starts = self._indptr[fids]
        lengths = self._indptr[fids + 1] - starts
        total = int(lengths.sum())
        segment = np.cumsum(lengths) - lengths
        positions = np.repeat(starts - segment, lengths) + np.arange(total)
        docs = self._postings_doc[positions]
        contributions = self._postings_value[positions] * np.repeat(weights, lengths)
        flat = np.repeat(rows, lengths) * n_docs + docs
        scores = np.bincount(flat, weights=contributions, minlength=len(features) * n_docs)
        matrix = scores.reshape(len(features), n_docs).astype(np.float32)
        matrix *= self._doc_weight
        return matrix

    def class_scores(
        self, queries: Sequence[Query], exclude: Sequence[int] | None = None
    ) -> tuple[FloatArray, IntArray]:
        """Per query: each subheading's best document score, and the best document overall.

        `exclude` (one document index per query, or -1) removes a query's own document, for
        leave-one-out evaluation of references that are also in the index.
        """
        out = np.zeros((len(queries), len(self.classes)), dtype=np.float32)
        best_docs = np.zeros(len(queries), dtype=np.int64)
        for start, matrix in self._score_blocks(queries, exclude):
            out[start : start + len(matrix)] = self._pool(matrix)
            best_docs[start : start + len(matrix)] = matrix.argmax(axis=1)
        return out, best_docs

    def _pool(self, matrix: FloatArray) -> FloatArray:
        """Subheading scores from document scores: the best, or a soft vote of the documents."""
        tau = self.params.pooling
        if tau <= 0:
            pooled: FloatArray = np.maximum.reduceat(matrix, self._class_starts, axis=1)
            return pooled
        top = matrix.max(axis=1, keepdims=True)
        summed = np.add.reduceat(np.exp((matrix - top) / tau), self._class_starts, axis=1)
        soft: FloatArray = (top + tau * np.log(np.maximum(summed, 1e-30))).astype(np.float32)
        return soft

    def probabilities(self, scores: FloatArray, temperature: float | None = None) -> FloatArray:
        """Softmax of class scores, with an abstention logit, at the fitted temperature."""
        t = self.temperature if temperature is None else temperature
        best = scores.max(axis=1, keepdims=True)
        exp = np.exp((scores - best) / t)
        abstain = np.exp((self.abstention - best) / t)
        result: FloatArray = exp / (exp.sum(axis=1, keepdims=True) + abstain)
        return result

    def fit_calibration(
        self, queries: Sequence[Query], labels: Sequence[str], exclude: Sequence[int]
    ) -> tuple[float, float]:
        """Fit temperature and abstention score so that top-1 confidence matches accuracy.

        The abstention score is the logit of "none of these": when even the best subheading
        matches weakly, confidence stays low. Both are chosen on held-out queries by the log-loss
        of "the top-1 answer is right" against its confidence.
        """
        scores, _ = self.class_scores(queries, exclude)
        truth = np.asarray([self._class_index[label] for label in labels], dtype=np.int64)
        best = scores.max(axis=1)
        gap = scores - best[:, None]
        right = (scores.argmax(axis=1) == truth).astype(np.float64)
        best_fit = (math.inf, self.temperature, self.abstention)
        for t in (float(x) for x in np.geomspace(0.005, 0.5, 40)):
            spread = np.exp(gap / np.float32(t)).sum(axis=1, dtype=np.float64)
            for b in (-math.inf, *np.linspace(0.0, 1.0, 51)):
                confidence = 1.0 / (spread + np.exp((b - best) / t))
                confidence = np.clip(confidence, 1e-6, 1 - 1e-6)
                loss = -float(
                    (right * np.log(confidence) + (1 - right) * np.log(1 - confidence)).mean()
                )
                if loss < best_fit[0]:
                    best_fit = (loss, float(t), float(b))
        _loss, self.temperature, self.abstention = best_fit
        self._recalibrated()
        return self.temperature, self.abstention

    def _recalibrated(self) -> None:
        """Scores change with the calibration: forget the old ones, tell remembering callers."""
        self.recent.clear()
        self.generation += 1

    def _score_blocks(
        self, queries: Sequence[Query], exclude: Sequence[int] | None = None
    ) -> Iterator[tuple[int, FloatArray]]:
        """Document scores of the queries, a chunk at a time: (first row, matrix)."""
        features = [self._featurise(q) for q in queries]
        step = self.params.chunk
        for start in range(0, len(queries), step):
            matrix = self._document_scores(features[start : start + step])
            if exclude is not None:
                own = np.asarray(exclude[start : start + step], dtype=np.int64)
                rows = np.nonzero(own >= 0)[0]
                matrix[rows, own[rows]] = 0.0
            yield start, matrix

    def fit_ranker(
        self, queries: Sequence[Query], labels: Sequence[str], exclude: Sequence[int], seed: int
    ) -> Ranker:
        """Train the candidate ranker leave-one-out on labelled queries that are in the index."""
        truth = np.asarray([self._class_index[label] for label in labels], dtype=np.int64)
        classes: list[IntArray] = []
        features: list[npt.NDArray[np.float64]] = []
        for start, matrix in self._score_blocks(queries, exclude):
            found = self._candidates.compute(matrix, truth[start : start + len(matrix)])
            classes.append(found.classes)
            features.append(found.features)
        self.ranker = train_ranker(np.concatenate(features), np.concatenate(classes), truth, seed)
        self._recalibrated()
        return self.ranker

    def _candidate_probabilities(
        self, queries: Sequence[Query]
    ) -> tuple[IntArray, npt.NDArray[np.float64], IntArray]:
        """Per query: the ranker's candidates, best first, their probabilities, best document."""
        assert self.ranker is not None
        classes: list[IntArray] = []
        probs: list[npt.NDArray[np.float64]] = []
        best_docs: list[IntArray] = []
        for _start, matrix in self._score_blocks(queries):
            found = self._candidates.compute(matrix)
            p = self.ranker.probabilities(found.features)
            order = np.argsort(-p, axis=1, kind="stable")
            classes.append(np.take_along_axis(found.classes, order, 1))
            probs.append(np.take_along_axis(p, order, 1))
            best_docs.append(matrix.argmax(axis=1))
        return np.concatenate(classes), np.concatenate(probs), np.concatenate(best_docs)

    def _scored(
        self, queries: Sequence[Query], memo: ScoreMemo | None
    ) -> tuple[IntArray | None, npt.NDArray[np.floating], IntArray]:
        """(candidate classes or None, probabilities, best documents) of the queries.

        Each query not yet in `memo` is taken from the recent scores, or scored once per
        distinct features (queries that normalise alike share a row) and remembered there; the
        rows are then gathered in the order of `queries`. Without the ranker the probabilities
        cover every class.
        """
        memo = memo if memo is not None else ScoreMemo()
        rows = memo.rows
        missing: dict[FeatureKey, list[Query]] = {}
        for query in dict.fromkeys(q for q in queries if q not in rows):
            key = self._featurise(query).key
            row = self.recent.get(key)
            if row is None:
                missing.setdefault(key, []).append(query)
            else:
                rows[query] = row
        if missing:
            first = [alike[0] for alike in missing.values()]
            if self.ranker is not None:
                classes, probs, docs = self._candidate_probabilities(first)
                scored = [
                    (classes[i].copy(), probs[i].copy(), int(docs[i])) for i in range(len(first))
                ]
            else:
                scores, docs = self.class_scores(first)
                softmax = self.probabilities(scores)
                scored = [(None, softmax[i].copy(), int(docs[i])) for i in range(len(first))]
            for (key, alike), row in zip(missing.items(), scored, strict=True):
                self.recent.put(key, row)
                rows.update(dict.fromkeys(alike, row))
        found = [rows[q] for q in queries]
        best_docs = np.asarray([doc for _c, _p, doc in found], dtype=np.int64)
        probabilities = np.stack([p for _c, p, _d in found])
        if self.ranker is None:
            return None, probabilities, best_docs
        candidates = np.stack([c for c, _p, _d in found if c is not None])
        return candidates, probabilities, best_docs

    def _ranked_candidates(
        self, queries: Sequence[Query], top_k: int, memo: ScoreMemo | None = None
    ) -> tuple[list[list[int]], list[list[float]], IntArray]:
        """Class indices and probabilities of each query's top_k, and its best document."""
        k = max(1, min(top_k, len(self.classes)))
        classes, p, best_docs = self._scored(queries, memo)
        if classes is not None:
            return classes[:, :k].tolist(), p[:, :k].tolist(), best_docs
        top = np.argpartition(-p, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(top, np.argsort(-np.take_along_axis(p, top, 1), axis=1), 1)
        return order.tolist(), np.take_along_axis(p, order, 1).tolist(), best_docs

    def rank(
        self, queries: Sequence[Query], top_k: int, memo: ScoreMemo | None = None
    ) -> list[Ranked]:
        """The top_k subheadings of each query with probabilities and matched terms.

        `memo` (one per call or batch) lets later calls for the same queries reuse the scores.
        """
        if not queries:
            return []
        top, top_probs, best_docs = self._ranked_candidates(queries, top_k, memo)
        results: list[Ranked] = []
        for row, query in enumerate(queries):
            order = top[row]
            best_class = int(order[0])
            doc = self._best_document_of(best_class, query, int(best_docs[row]))
            document = self.documents[doc]
            words = self._featurise(query).words
            results.append(
                Ranked(
                    hs6=tuple(self.classes[int(c)] for c in order),
                    probabilities=tuple(float(p) for p in top_probs[row]),
                    matched_terms=tuple(sorted(words & self._doc_words[doc])),
                    evidence_code=document.code,
                    evidence_text=document.text,
                )
            )
        return results

    def _best_document_of(self, class_index: int, query: Query, best_doc: int) -> int:
        """The document that gave the winning subheading its score (the evidence shown)."""
        if int(self._doc_class[best_doc]) == class_index:
            return best_doc
        start = int(self._class_starts[class_index])
        stop = (
            int(self._class_starts[class_index + 1])
            if class_index + 1 < len(self.classes)
            else len(self.documents)
        )
        matrix = self._document_scores([self._featurise(query)])
        return start + int(matrix[0, start:stop].argmax())

    def probability_of(
        self, queries: Sequence[Query], codes: Sequence[str], memo: ScoreMemo | None = None
    ) -> list[tuple[float, float, int]]:
        """Per query: probability of `code`'s subheading, of its heading, and its rank (1-based).

        With the ranker, a subheading outside a query's candidates has probability 0 and rank
        one past the candidates. `memo` as in rank().
        """
        if not queries:
            return []
        classes, probs, _ = self._scored(queries, memo)
        if classes is not None:
            return self._candidate_probability_of(classes, probs, codes)
        out: list[tuple[float, float, int]] = []
        for row, code in enumerate(codes):
            index = self._class_index.get(code[:6])
            if index is None:
                out.append((0.0, 0.0, 0))
                continue
            p = float(probs[row, index])
            heading = [i for i, c in enumerate(self.classes) if c.startswith(code[:4])]
            p_heading = float(probs[row, heading].sum())
            rank = int((probs[row] > probs[row, index]).sum()) + 1
            out.append((p, p_heading, rank))
        return out

    def _candidate_probability_of(
        self, classes: IntArray, probs: npt.NDArray[np.floating], codes: Sequence[str]
    ) -> list[tuple[float, float, int]]:
        out: list[tuple[float, float, int]] = []
        for row, code in enumerate(codes):
            codes_here = [self.classes[int(c)] for c in classes[row]]
            p_heading = sum(
                float(p) for c, p in zip(codes_here, probs[row], strict=True) if c[:4] == code[:4]
            )
            if code[:6] in codes_here:
                position = codes_here.index(code[:6])
                out.append((float(probs[row, position]), p_heading, position + 1))
            else:
                out.append((0.0, p_heading, len(codes_here) + 1))
        return out

    def class_position(self, hs6: str) -> int | None:
        return self._class_index.get(hs6)
