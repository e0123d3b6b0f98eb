"""Classification of goods descriptions into HS 2022 subheadings: model, overrides, tariff lines.

`Classifier` is the model alone (HS-6 candidates with calibrated confidence, and the check of a
declared code). `ClassificationDomain` adds what the service answers with: keyword and brand
overrides from the rule packs (an override that fires wins over the model), the national
tariff line of the destination, and the explanation.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from clearway.classification.model import HsModel, LruMemo, Query, Ranked, ScoreMemo
from clearway.classification.text import tokens
from clearway.classification.training import ReferenceData, build_model
from clearway.declarations.codes import COUNTRIES, customs_territory
from clearway.reference.classification_refs import load_parcel_references, load_search_references
from clearway.reference.hs import Nomenclature, load_nomenclature
from clearway.reference.tariff import Tariff, TariffLine, load_tariff
from clearway.rules import EvaluationMemo, FiredRule, RulesEngine

log = logging.getLogger(__name__)

DOMAIN = "classification"
#: Overrides are not jurisdiction-specific: the packs are "*" and are asked for with this.
OVERRIDE_JURISDICTION = "*"
DEFAULT_TOP_K = 3
MAX_TOP_K = 20
MAX_DESCRIPTION_LENGTH = 1000
#: Confidence of an override when its pack sets none.
DEFAULT_OVERRIDE_CONFIDENCE = 0.99
#: Model answers (classifications, declared-code checks) a classifier keeps across batches:
#: with the scored rows, under 1 KB per distinct item, ~12 MiB when full.
REMEMBERED_ANSWERS = 1 << 14


@dataclass(frozen=True, slots=True)
class Candidate:
    """One HS 2022 subheading with the calibrated probability that it is the right one."""

    hs_code: str
    description: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Classification:
    """The model's answer for one description."""

    best: Candidate
    alternatives: tuple[Candidate, ...]
    matched_terms: tuple[str, ...]
    model_version: str
    evidence_text: str = ""
    evidence_code: str = ""


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """A declared code checked against HS 2022 and the description."""

    declared_code: str
    exists: bool
    plausible: bool
    confidence: float
    suggested_code: str


@dataclass(frozen=True)
class PlausibilityPolicy:
    """When a declared code counts as a mismatch (pack parameters `plausibility.*`).

    A declared code is implausible only when the model is itself confident (its best answer at
    least `min_model_confidence`), the declared subheading is not among its `max_rank` best and
    the declared heading holds less than `min_heading_probability`: a mismatch flag sends a
    parcel to a check, so an unsure model must not raise one.
    """

    max_rank: int = 5
    min_heading_probability: float = 0.2
    min_model_confidence: float = 0.5

    @classmethod
    def from_parameters(cls, parameters: Mapping[str, Any]) -> PlausibilityPolicy:
        raw = parameters.get("plausibility")
        if not isinstance(raw, Mapping):
            return cls()
        default = cls()
        return cls(
            max_rank=int(raw.get("max_rank", default.max_rank)),
            min_heading_probability=float(
                raw.get("min_heading_probability", default.min_heading_probability)
            ),
            min_model_confidence=float(
                raw.get("min_model_confidence", default.min_model_confidence)
            ),
        )


@dataclass(frozen=True, slots=True)
class ItemDescription:
    """What a caller tells about one item to classify."""

    description: str
    category_path: str = ""
    material: str = ""
    brand: str = ""
    declared_code: str = ""
    destination: str = ""
    top_k: int = DEFAULT_TOP_K


@dataclass(frozen=True, slots=True)
class ItemClassification:
    """The service's answer for one item: classification, tariff line, check and explanation."""

    classification: Classification
    national_tariff_code: str
    declared_check: CodeCheck | None
    fired: tuple[FiredRule, ...]
    notes: tuple[str, ...]
    rules_revision: str


@dataclass(frozen=True, slots=True)
class CodeValidation:
    """The answer to ValidateCode."""

    check: CodeCheck
    fired: tuple[FiredRule, ...]
    notes: tuple[str, ...]
    rules_revision: str


def is_code_format(code: str) -> bool:
    """A declared code is 6 to 10 digits (HS-6, or a national 8- or 10-digit line)."""
    return 6 <= len(code) <= 10 and code.isascii() and code.isdigit()


def is_destination(country: str) -> bool:
    """An ISO 3166-1 alpha-2 country, or "EU"."""
    return country == "EU" or country in COUNTRIES


class Classifier:
    """The HS-6 model over the nomenclature; thread-safe for reading once built."""

    def __init__(self, model: HsModel, nomenclature: Nomenclature) -> None:
        self.model = model
        self.nomenclature = nomenclature
        self.model_version = model.version
        # keyed by the model's calibration generation and every input of the answer
        self._classified: LruMemo[tuple[int, Query, int, int], Classification] = LruMemo(
            REMEMBERED_ANSWERS
        )
        self._checked: LruMemo[tuple[int, str, str, PlausibilityPolicy], CodeCheck] = LruMemo(
            REMEMBERED_ANSWERS
        )

    def forget(self) -> None:
        """Drop every remembered model answer and score: the next calls take the cold path."""
        self._classified.clear()
        self._checked.clear()
        self.model.recent.clear()

    def _candidate(self, hs6: str, confidence: float) -> Candidate:
        entry = self.nomenclature.get(hs6)
        return Candidate(hs6, entry.description if entry else "", round(confidence, 6))

    def _classification(self, ranked: Ranked) -> Classification:
        candidates = [
            self._candidate(code, p)
            for code, p in zip(ranked.hs6, ranked.probabilities, strict=True)
        ]
        return Classification(
            best=candidates[0],
            alternatives=tuple(candidates[1:]),
            matched_terms=ranked.matched_terms,
            model_version=self.model_version,
            evidence_text=ranked.evidence_text,
            evidence_code=ranked.evidence_code,
        )

    def classify(
        self,
        description: str,
        *,
        category_path: str = "",
        material: str = "",
        brand: str = "",
        top_k: int = DEFAULT_TOP_K,
    ) -> Classification:
        """The best subheading and `top_k` alternatives for one description."""
        item = ItemDescription(description, category_path, material, brand, top_k=top_k)
        return self.classify_many([item])[0]

    def classify_many(
        self, items: Sequence[ItemDescription], memo: ScoreMemo | None = None
    ) -> list[Classification]:
        """Classify a batch in one pass of the model (the bulk path).

        `memo` (one per batch) shares the model's scores with validate_codes for the same batch.
        """
        if not items:
            return []
        generation = self.model.generation
        depth = max(item.top_k for item in items) + 1
        keys = [(generation, _query(item), depth, item.top_k) for item in items]

        def classify(missing: list[tuple[int, Query, int, int]]) -> list[Classification]:
            ranked = self.model.rank([query for _g, query, _d, _k in missing], depth, memo)
            return [
                self._classification(_truncate(r, top_k + 1))
                for r, (_g, _q, _d, top_k) in zip(ranked, missing, strict=True)
            ]

        return self._classified.answers(keys, classify)

    def validate_code(
        self, code: str, description: str, policy: PlausibilityPolicy | None = None
    ) -> CodeCheck:
        """Whether `code` exists in HS 2022 and is plausible for `description`."""
        return self.validate_codes([(code, description)], policy)[0]

    def validate_codes(
        self,
        pairs: Sequence[tuple[str, str]],
        policy: PlausibilityPolicy | None = None,
        memo: ScoreMemo | None = None,
    ) -> list[CodeCheck]:
        """validate_code for a batch; `memo` as in classify_many."""
        policy = policy or PlausibilityPolicy()
        if not pairs:
            return []
        generation = self.model.generation
        keys = [(generation, code, description, policy) for code, description in pairs]
        return self._checked.answers(
            keys,
            lambda missing: self._validate([(c, d) for _g, c, d, _p in missing], policy, memo),
        )

    def _validate(
        self, pairs: Sequence[tuple[str, str]], policy: PlausibilityPolicy, memo: ScoreMemo | None
    ) -> list[CodeCheck]:
        """validate_codes of pairs not remembered: one model pass for them all."""
        memo = memo if memo is not None else ScoreMemo()
        queries = [Query(description) for _code, description in pairs]
        measured = self.model.probability_of(queries, [code for code, _ in pairs], memo)
        best = self.model.rank(queries, 1, memo)
        checks = []
        for (code, _description), (p, p_heading, rank), top in zip(
            pairs, measured, best, strict=True
        ):
            hs6 = code[:6]
            exists = self.nomenclature.exists(hs6)
            suggested = top.hs6[0]
            plausible = exists and (
                hs6 == suggested
                or top.probabilities[0] < policy.min_model_confidence
                or rank <= policy.max_rank
                or p_heading >= policy.min_heading_probability
            )
            checks.append(
                CodeCheck(
                    declared_code=code,
                    exists=exists,
                    plausible=plausible,
                    confidence=round(p, 6),
                    suggested_code="" if plausible or not exists else suggested,
                )
            )
        return checks


def _query(item: ItemDescription) -> Query:
    context = " ".join(part for part in (item.category_path, item.material, item.brand) if part)
    return Query(item.description, context)


def _truncate(ranked: Ranked, size: int) -> Ranked:
    return Ranked(
        ranked.hs6[:size],
        ranked.probabilities[:size],
        ranked.matched_terms,
        ranked.evidence_code,
        ranked.evidence_text,
    )


class ClassificationDomain:
    """The classifier with rule-pack overrides, national tariff lines and explanations."""

    def __init__(self, classifier: Classifier, tariff: Tariff | None, engine: RulesEngine) -> None:
        self.classifier = classifier
        self.nomenclature = classifier.nomenclature
        self.tariff = tariff
        self.engine = engine
        self._overrides = EvaluationMemo()  # descriptions repeat: so do the packs' answers

    @classmethod
    def load(
        cls, data_dir: Path, rules_dir: Path, reload_interval: float | None
    ) -> ClassificationDomain:
        """Read the reference data, build the model and open the rule packs."""
        nomenclature = load_nomenclature(data_dir)
        tariff = load_tariff(data_dir)
        data = ReferenceData(
            nomenclature=nomenclature,
            search_references=load_search_references(data_dir),
            parcel_references=load_parcel_references(data_dir),
            tariff=tariff,
        )
        classifier = Classifier(build_model(data), nomenclature)
        return cls(classifier, tariff, RulesEngine(rules_dir, reload_interval=reload_interval))

    def close(self) -> None:
        self.engine.close()

    def code_exists(self, code: str) -> bool:
        """Whether the HS-6 part of a well-formed code is a subheading of HS 2022."""
        return self.nomenclature.exists(code[:6])

    def _policy(self, on: datetime.date) -> PlausibilityPolicy:
        return PlausibilityPolicy.from_parameters(
            self.engine.parameters(DOMAIN, OVERRIDE_JURISDICTION, on)
        )

    def classify(
        self, item: ItemDescription, on: datetime.date | None = None
    ) -> ItemClassification:
        return self.classify_many([item], on)[0]

    def classify_many(
        self, items: Sequence[ItemDescription], on: datetime.date | None = None
    ) -> list[ItemClassification]:
        """Classify a batch: one model pass, one rules evaluation, one plausibility pass."""
        on = on or datetime.date.today()
        memo = ScoreMemo()  # this batch only: each distinct query is scored once
        classifications = self.classifier.classify_many(items, memo)
        evaluations = self.engine.evaluate_many(
            DOMAIN,
            [(OVERRIDE_JURISDICTION, on, _facts(item)) for item in items],
            memo=self._overrides,
        )
        policy = self._policy(on)
        declared = [(i, item) for i, item in enumerate(items) if item.declared_code]
        model_checks = self.classifier.validate_codes(
            [(item.declared_code, item.description) for _i, item in declared], policy, memo
        )
        checks: dict[int, CodeCheck] = {
            i: c for (i, _item), c in zip(declared, model_checks, strict=True)
        }
        results = []
        for i, (item, classification, evaluation) in enumerate(
            zip(items, classifications, evaluations, strict=True)
        ):
            notes = [_model_note(classification)]
            override = _override(evaluation.values)
            if override is not None and not self.nomenclature.exists(override[0]):
                log.warning("override code not in HS 2022, ignored", extra={"hs_code": override[0]})
                override = None
            if override is not None:
                classification = self._apply_override(classification, *override)
                notes.append(
                    f"override by rule {', '.join(r.rule_id for r in evaluation.fired)}:"
                    f" {override[0]} at confidence {override[1]:.2f} replaces the model's answer"
                )
            check = checks.get(i)
            if check is not None:
                check = _recheck(check, classification.best.hs_code, override is not None)
                notes.append(_check_note(check))
            line = self.national_line(classification, item.destination, item.description)
            if line:
                notes.append(f"national tariff line for {item.destination}: {line}")
            elif (
                item.destination
                and self.tariff is not None
                and _has_national_tariff(item.destination)
            ):
                notes.append(
                    f"no national line under {classification.best.hs_code} in tariff snapshot"
                    f" {self.tariff.snapshot}"
                )
            results.append(
                ItemClassification(
                    classification=classification,
                    national_tariff_code=line,
                    declared_check=check,
                    fired=evaluation.fired,
                    notes=tuple(notes),
                    rules_revision=evaluation.revision,
                )
            )
        return results

    def validate_code(
        self, code: str, description: str, on: datetime.date | None = None
    ) -> CodeValidation:
        """Check a declared code against HS 2022, the description and the overrides."""
        on = on or datetime.date.today()
        evaluation = self.engine.evaluate(
            DOMAIN,
            OVERRIDE_JURISDICTION,
            on,
            _facts(ItemDescription(description)),
            memo=self._overrides,
        )
        check = self.classifier.validate_code(code, description, self._policy(on))
        override = _override(evaluation.values)
        if override is not None and self.nomenclature.exists(override[0]):
            check = _recheck(check, override[0], True)
        return CodeValidation(check, evaluation.fired, (_check_note(check),), evaluation.revision)

    def _apply_override(
        self, classification: Classification, hs6: str, confidence: float
    ) -> Classification:
        """The override as best answer; the model's candidates follow with the rest of the mass."""
        rest = [c for c in (classification.best, *classification.alternatives) if c.hs_code != hs6]
        scale = (1.0 - confidence) / max(sum(c.confidence for c in rest), 1e-9)
        alternatives = tuple(
            Candidate(c.hs_code, c.description, round(min(c.confidence, c.confidence * scale), 6))
            for c in rest[: len(classification.alternatives)]
        )
        entry = self.nomenclature.get(hs6)
        return Classification(
            best=Candidate(hs6, entry.description if entry else "", confidence),
            alternatives=alternatives,
            matched_terms=classification.matched_terms,
            model_version=classification.model_version,
            evidence_text=classification.evidence_text,
            evidence_code=classification.evidence_code
            if classification.evidence_code.startswith(hs6)
            else "",
        )

    def national_line(
        self, classification: Classification, destination: str, description: str
    ) -> str:
        """The 8-digit EU CN line (EU destinations) or 10-digit UK line (GB); else empty.

        The line of the reference that decided the answer when it is in the tariff, otherwise the
        line under the subheading whose description shares most words with the goods.
        """
        if self.tariff is None or not _has_national_tariff(destination):
            return ""
        territory = customs_territory(destination)
        hs6 = classification.best.hs_code
        line: TariffLine | None = None
        evidence = classification.evidence_code
        if evidence.startswith(hs6) and len(evidence) in (8, 10):
            candidate = self.tariff.best_line(evidence)
            if candidate is not None and candidate.hs6 == hs6:
                line = candidate
        if line is None:
            line = _closest_line(self.tariff.lines_for_subheading(hs6), description)
        if line is None:
            return ""
        return line.code[:8] if territory == "EU" else line.code.ljust(10, "0")


def _has_national_tariff(destination: str) -> bool:
    """The tariff file has EU CN (8-digit) and UK (10-digit) lines; other countries have none."""
    return bool(destination) and customs_territory(destination) in ("EU", "GB")


def _closest_line(lines: Sequence[TariffLine], description: str) -> TariffLine | None:
    if not lines:
        return None
    words = set(tokens(description))
    best = max(lines, key=lambda line: len(words & set(tokens(line.description))))
    if not words & set(tokens(best.description)):
        other = [line for line in lines if line.description.lower().startswith("other")]
        return other[0] if other else lines[0]
    return best


def _facts(item: ItemDescription) -> dict[str, str]:
    """Flat facts for the override packs; only what is given (a missing fact never matches)."""
    facts = {"description": " ".join(item.description.split())}
    for name, value in (
        ("category_path", item.category_path),
        ("material", item.material),
        ("brand", item.brand),
    ):
        if value:
            facts[name] = value
    return facts


def _override(values: Mapping[str, Any]) -> tuple[str, float] | None:
    code = values.get("hs_code")
    if not isinstance(code, str) or len(code) != 6 or not code.isdigit():
        return None
    raw = values.get("confidence", DEFAULT_OVERRIDE_CONFIDENCE)
    confidence = (
        float(raw) if isinstance(raw, Decimal | int | float | str) else DEFAULT_OVERRIDE_CONFIDENCE
    )
    return code, min(max(confidence, 0.0), 1.0)


def _recheck(check: CodeCheck, best_hs6: str, decided_by_rule: bool) -> CodeCheck:
    """With an override, the declared code is plausible exactly when it is the override's code."""
    if not decided_by_rule or not check.exists:
        return check
    plausible = check.declared_code[:6] == best_hs6
    return CodeCheck(
        declared_code=check.declared_code,
        exists=True,
        plausible=plausible,
        confidence=check.confidence,
        suggested_code="" if plausible else best_hs6,
    )


def _model_note(classification: Classification) -> str:
    best = classification.best
    note = (
        f"model {classification.model_version}: {best.hs_code} at confidence {best.confidence:.2f}"
    )
    if classification.evidence_text:
        note += f"; closest reference {classification.evidence_text!r}"
    return note


def _check_note(check: CodeCheck) -> str:
    if not check.exists:
        return f"declared code {check.declared_code} is not in HS 2022"
    if check.plausible:
        return (
            f"declared code {check.declared_code} is plausible (confidence {check.confidence:.2f})"
        )
    return (
        f"declared code {check.declared_code} does not fit the description"
        f" (confidence {check.confidence:.2f}); suggested {check.suggested_code}"
    )
