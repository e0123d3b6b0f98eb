"""Assembling, training and measuring the HS-6 model from the reference data.

The same assembly serves the service (all references, temperature fitted leave-one-out on the
parcel references) and the accuracy report (a fixed-seed split of the parcel references: the
model is built without the held-back part, which is then classified as unseen parcels).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from clearway.classification.model import HsModel, LabelledText, ModelParams, Query
from clearway.reference.classification_refs import Reference
from clearway.reference.hs import Nomenclature
from clearway.reference.tariff import Tariff

SPLIT_SEED = 20260101
HELD_BACK_SHARE = 0.2
CONFIDENCE_THRESHOLDS = (0.3, 0.5, 0.7, 0.8, 0.9, 0.95)


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
    """Index every document and fit the temperature leave-one-out on the parcel references."""
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
    if len(held) >= 20:
        model.fit_calibration([h[0] for h in held], [h[1] for h in held], [h[2] for h in held])
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
    temperature: float
    thresholds: tuple[ThresholdRow, ...]
    reliability: tuple[ReliabilityBin, ...]

    def lines(self) -> list[str]:
        """The report as plain text lines."""
        out = [
            f"model {self.model_version}",
            f"parcel references: {self.trained_on} in the model, {self.held_back} held back"
            f" ({self.skipped} held-back rows skipped: subheading not in HS 2022)",
            f"HS-6 top-1 {self.hs6_top1:.1%}   HS-6 top-3 {self.hs6_top3:.1%}",
            f"HS-4 top-1 {self.hs4_top1:.1%}   HS-4 top-3 {self.hs4_top3:.1%}",
            f"HS-2 top-1 {self.hs2_top1:.1%}",
            f"temperature {self.temperature:.4f}; mean confidence {self.mean_confidence:.1%};"
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
        temperature=model.temperature,
        thresholds=tuple(thresholds),
        reliability=tuple(bins),
    )
