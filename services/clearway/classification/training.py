"""Assembling, training and measuring the HS-6 model from the reference data.

The same assembly serves the service (all references, the ranker trained leave-one-out on the
parcel references) and the accuracy report (a fixed-seed split of the parcel references: the
model is built without the held-back part, which is then classified as unseen parcels).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from clearway.classification.model import HsModel, LabelledText, ModelParams, Query
from clearway.classification.text import tokens
from clearway.reference.classification_refs import Reference
from clearway.reference.hs import Nomenclature
from clearway.reference.tariff import Tariff

SPLIT_SEED = 20260101
HELD_BACK_SHARE = 0.2
CONFIDENCE_THRESHOLDS = (0.3, 0.5, 0.7, 0.8, 0.9, 0.95)
#: Fewer parcel references than this (the starter set) fit a temperature instead of the ranker.
MIN_RANKER_QUERIES = 200


@dataclass(frozen=True)
class ReferenceData:
    """Everything the model learns from."""

    nomenclature: Nomenclature
    search_references: tuple[Reference, ...]
    parcel_references: tuple[Reference, ...]
    tariff: Tariff | None = None
    #: National tariff line descriptions as documents: measured no better, and slower (README).
    index_tariff_lines: bool = False


def nomenclature_documents(nomenclature: Nomenclature) -> list[LabelledText]:
    """One document per subheading: its text with its heading and chapter (the ancestry)."""
    documents = []
    for entry in nomenclature.subheadings():
        ancestry = " ".join(a.description for a in nomenclature.ancestors(entry.code))
        documents.append(
            LabelledText(f"{entry.description} {ancestry}", entry.code, "nomenclature")
        )
    return documents


def tariff_documents(tariff: Tariff, nomenclature: Nomenclature) -> list[LabelledText]:
    """One document per national tariff line whose subheading exists in HS 2022."""
    return [
        LabelledText(line.description, line.hs6, "tariff", line.code)
        for line in tariff
        if nomenclature.exists(line.hs6)
    ]


def reference_documents(references: Sequence[Reference], source: str) -> list[LabelledText]:
    return [LabelledText(r.text, r.hs6, source, r.code) for r in references]


def build_model(
    data: ReferenceData,
    parcels: Sequence[Reference] | None = None,
    params: ModelParams | None = None,
) -> HsModel:
    """Index every document and fit the ranker (or, on little data, the temperature)
    leave-one-out on the parcel references."""
    parcels = data.parcel_references if parcels is None else parcels
    documents = nomenclature_documents(data.nomenclature)
    documents += reference_documents(data.search_references, "search")
    parcel_start = len(documents)
    documents += reference_documents(parcels, "parcel")
    if data.tariff is not None and data.index_tariff_lines:
        documents += tariff_documents(data.tariff, data.nomenclature)
    classes = [e.code for e in data.nomenclature.subheadings()]
    model = HsModel(documents, classes, params)
    positions = {id(doc): i for i, doc in enumerate(model.documents)}
    held: list[tuple[Query, str, int]] = []
    for doc in documents[parcel_start : parcel_start + len(parcels)]:
        if id(doc) in positions:
            held.append((Query(doc.text), doc.hs6, positions[id(doc)]))
    queries, labels, own = [h[0] for h in held], [h[1] for h in held], [h[2] for h in held]
    if len(held) >= MIN_RANKER_QUERIES:
        model.fit_ranker(queries, labels, own, seed=SPLIT_SEED)
    elif len(held) >= 20:
        model.fit_calibration(queries, labels, own)
    return model


def split_parcels(
    parcels: Sequence[Reference], seed: int = SPLIT_SEED, held_back: float = HELD_BACK_SHARE
) -> tuple[list[Reference], list[Reference]]:
    """A reproducible (training, held-back) split of the parcel references."""
    order = list(range(len(parcels)))
    random.Random(seed).shuffle(order)
    cut = round(len(order) * held_back)
    held = sorted(order[:cut])
    train = sorted(order[cut:])
    return [parcels[i] for i in train], [parcels[i] for i in held]


@dataclass(frozen=True)
class ThresholdRow:
    threshold: float
    coverage: float
    accuracy: float
    answered: int


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    mean_confidence: float
    accuracy: float


@dataclass(frozen=True)
class LabelNoise:
    """How far the parcel labels contradict themselves: the ceiling of any model on them."""

    rows: int
    distinct_texts: int
    conflicting_texts: int
    rows_in_conflict: int
    #: Best possible top-1 if every normalised text got its most frequent code.
    majority_ceiling: float


def label_noise(references: Sequence[Reference]) -> LabelNoise:
    """Group references by normalised description (sorted content words) and count conflicts."""
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for ref in references:
        groups[normalised_key(ref.text)][ref.hs6] += 1
    conflicting = [g for g in groups.values() if len(g) > 1]
    majority = sum(g.most_common(1)[0][1] for g in groups.values())
    return LabelNoise(
        rows=len(references),
        distinct_texts=len(groups),
        conflicting_texts=len(conflicting),
        rows_in_conflict=sum(sum(g.values()) for g in conflicting),
        majority_ceiling=majority / max(len(references), 1),
    )


def normalised_key(text: str) -> str:
    """Descriptions that differ only in sizes, counts, case, order or stop words share a key."""
    return " ".join(sorted(tokens(text)))


@dataclass(frozen=True)
class EvaluationReport:
    """Accuracy of the model on descriptions it was not built with."""

    model_version: str
    trained_on: int
    held_back: int
    skipped: int
    hs6_top1: float
    hs6_top3: float
    hs4_top1: float
    hs4_top3: float
    hs2_top1: float
    mean_confidence: float
    expected_calibration_error: float
    calibration: str
    thresholds: tuple[ThresholdRow, ...]
    reliability: tuple[ReliabilityBin, ...]
    label_noise: LabelNoise
    unseen_text_count: int
    unseen_text_hs6_top1: float
    unseen_class_count: int

    def lines(self) -> list[str]:
        """The report as plain text lines."""
        out = [
            f"model {self.model_version}",
            f"parcel references: {self.trained_on} in the model, {self.held_back} held back"
            f" ({self.skipped} held-back rows skipped: subheading not in HS 2022)",
            f"HS-6 top-1 {self.hs6_top1:.1%}   HS-6 top-3 {self.hs6_top3:.1%}",
            f"HS-4 top-1 {self.hs4_top1:.1%}   HS-4 top-3 {self.hs4_top3:.1%}",
            f"HS-2 top-1 {self.hs2_top1:.1%}",
            f"held-back texts not in the training split after normalisation:"
            f" {self.unseen_text_count}, HS-6 top-1 {self.unseen_text_hs6_top1:.1%};"
            f" held-back rows whose subheading no training parcel carries:"
            f" {self.unseen_class_count}",
            f"label noise of all parcel references: {self.label_noise.rows} rows,"
            f" {self.label_noise.distinct_texts} distinct normalised texts,"
            f" {self.label_noise.conflicting_texts} of them with different codes"
            f" ({self.label_noise.rows_in_conflict} rows); ceiling of top-1"
            f" {self.label_noise.majority_ceiling:.1%}",
            f"{self.calibration}; mean confidence {self.mean_confidence:.1%};"
            f" expected calibration error {self.expected_calibration_error:.1%}",
            "answers with confidence >= threshold:",
        ]
        out += [
            f"  >= {r.threshold:.2f}: {r.answered:4d} answers ({r.coverage:.1%} of all),"
            f" right {r.accuracy:.1%}"
            for r in self.thresholds
        ]
        out.append("reliability (confidence bin: count, mean confidence, accuracy):")
        out += [
            f"  [{b.low:.1f}, {b.high:.1f}): {b.count:4d}"
            f"  {b.mean_confidence:.1%}  {b.accuracy:.1%}"
            for b in self.reliability
        ]
        return out


def evaluate(
    data: ReferenceData, seed: int = SPLIT_SEED, params: ModelParams | None = None
) -> EvaluationReport:
    """Build on the training split, classify the held-back parcels, measure."""
    train, held = split_parcels(data.parcel_references, seed)
    model = build_model(data, train, params)
    known = [r for r in held if model.class_position(r.hs6) is not None]
    ranked = model.rank([Query(r.text) for r in known], top_k=3)
    n = len(known)
    top1 = np.asarray([r.hs6[0] == ref.hs6 for r, ref in zip(ranked, known, strict=True)])
    top3 = sum(ref.hs6 in r.hs6 for r, ref in zip(ranked, known, strict=True)) / n
    hs4_top1 = sum(r.hs6[0][:4] == ref.hs6[:4] for r, ref in zip(ranked, known, strict=True)) / n
    hs4_top3 = (
        sum(ref.hs6[:4] in {c[:4] for c in r.hs6} for r, ref in zip(ranked, known, strict=True)) / n
    )
    hs2_top1 = sum(r.hs6[0][:2] == ref.hs6[:2] for r, ref in zip(ranked, known, strict=True)) / n
    confidence = np.asarray([r.probabilities[0] for r in ranked])
    thresholds = []
    for t in CONFIDENCE_THRESHOLDS:
        mask = confidence >= t
        answered = int(mask.sum())
        thresholds.append(
            ThresholdRow(t, answered / n, float(top1[mask].mean()) if answered else 0.0, answered)
        )
    bins = []
    ece = 0.0
    for i in range(10):
        low, high = i / 10, (i + 1) / 10
        mask = (confidence >= low) & ((confidence < high) if i < 9 else (confidence <= high))
        count = int(mask.sum())
        if not count:
            continue
        mean_conf = float(confidence[mask].mean())
        acc = float(top1[mask].mean())
        ece += count / n * abs(mean_conf - acc)
        bins.append(ReliabilityBin(low, high, count, mean_conf, acc))
    seen_texts = {normalised_key(r.text) for r in train}
    unseen = np.asarray([normalised_key(r.text) not in seen_texts for r in known])
    train_classes = {r.hs6 for r in train}
    return EvaluationReport(
        model_version=model.version,
        trained_on=len(train),
        held_back=len(held),
        skipped=len(held) - n,
        hs6_top1=float(top1.mean()),
        hs6_top3=top3,
        hs4_top1=hs4_top1,
        hs4_top3=hs4_top3,
        hs2_top1=hs2_top1,
        mean_confidence=float(confidence.mean()),
        expected_calibration_error=ece,
        calibration=model.calibration,
        thresholds=tuple(thresholds),
        reliability=tuple(bins),
        label_noise=label_noise(data.parcel_references),
        unseen_text_count=int(unseen.sum()),
        unseen_text_hs6_top1=float(top1[unseen].mean()) if unseen.any() else 0.0,
        unseen_class_count=sum(r.hs6 not in train_classes for r in known),
    )
