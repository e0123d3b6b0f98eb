"""Risk assessment of a declaration: screening, goods rules, undervaluation, split shipments,
velocity and the control sample, combined by the risk rule packs into a score and a channel.

Code computes figures (screening scores, unit values in EUR, ratios to reference values,
parcels in a window); the packs in rules/risk decide what they mean (reason codes, scores,
documents, channels). Evaluation runs in two passes: the consignment and each item first, then
the summed score to choose the score channel; the most severe channel of all wins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from clearway.declarations.codes import customs_territory
from clearway.declarations.model import Declaration, Item, Party
from clearway.reference.errors import RateUnavailable
from clearway.reference.fx import ExchangeRates
from clearway.risk.history import ConsigneeHistory, ParcelRecord, consignee_key
from clearway.risk.sampling import in_control_sample, sample_fraction
from clearway.risk.screening import PartyScreener, ScreeningHit
from clearway.rules import RulesEngine
from clearway.rules.model import CHANNELS, Evaluation, FiredRule
from clearway.runtime.errors import InvalidArgument

DOMAIN = "risk"
EUR = "EUR"
MAX_SCORE = 100
_RATIO = Decimal("0.0001")
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class RiskReason:
    """One reason contributing to the score; line_number 0 is the whole consignment."""

    code: str
    score: int
    text: str
    rule_id: str
    line_number: int = 0


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    hits: tuple[ScreeningHit, ...]
    threshold: float
    list_versions: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    declaration_id: str
    channel: str
    score: int
    reasons: tuple[RiskReason, ...]
    hits: tuple[ScreeningHit, ...]
    documents: tuple[str, ...]
    list_versions: Mapping[str, str]
    rules_revision: str
    fired: tuple[FiredRule, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AssessmentRequest:
    """A declaration and the HS-6 decided per line by classification (else the declared code)."""

    declaration: Declaration
    hs_codes: Mapping[int, str] = field(default_factory=dict)


@dataclass
class _Prepared:
    request: AssessmentRequest
    jurisdictions: tuple[str, ...]
    hits: tuple[ScreeningHit, ...]
    facts: list[tuple[int, dict[str, Any]]]
    notes: list[str]


class RiskDomain:
    """Everything the risk service decides, without gRPC."""

    def __init__(
        self,
        engine: RulesEngine,
        screener: PartyScreener,
        rates: ExchangeRates,
        history: ConsigneeHistory,
    ) -> None:
        self.engine = engine
        self.screener = screener
        self.rates = rates
        self.history = history

    # -- screening ---------------------------------------------------------------------------

    def screen_parties(
        self, parties: Sequence[Party], threshold: float | None = None
    ) -> ScreeningResult:
        """Screen each party by name (its address country supports a match)."""
        chosen = self.screener.threshold if threshold is None else threshold
        if not 0.0 <= chosen <= 1.0:
            raise InvalidArgument(f"threshold {chosen} is not between 0 and 1")
        hits = tuple(
            dataclasses.replace(hit, party_name=party.name, role=party.role)
            for party in parties
            for hit in self.screener.screen(party.name, party.address.country, chosen)
        )
        return ScreeningResult(hits, chosen, self.screener.versions)

    # -- assessment --------------------------------------------------------------------------

    def assess(self, request: AssessmentRequest) -> RiskAssessment:
        return self.assess_many([request])[0]

    def assess_many(self, requests: Sequence[AssessmentRequest]) -> list[RiskAssessment]:
        """Assess a batch with two engine calls in all (one per evaluation pass)."""
        prepared = [self._prepare(request) for request in requests]
        first_pass = [
            (item.jurisdictions, item.request.declaration.declaration_date, facts)
            for item in prepared
            for _, facts in item.facts
        ]
        evaluations = iter(self.engine.evaluate_many(DOMAIN, first_pass))
        grouped = [[next(evaluations) for _ in item.facts] for item in prepared]
        scores = [self._score(evaluated) for evaluated in grouped]
        second_pass = [
            (
                item.jurisdictions,
                item.request.declaration.declaration_date,
                {"level": "score", "risk_score": score},
            )
            for item, score in zip(prepared, scores, strict=True)
        ]
        channel_evaluations = self.engine.evaluate_many(DOMAIN, second_pass)
        return [
            self._combine(item, evaluated, score, channel_evaluation)
            for item, evaluated, score, channel_evaluation in zip(
                prepared, grouped, scores, channel_evaluations, strict=True
            )
        ]

    def _prepare(self, request: AssessmentRequest) -> _Prepared:
        declaration = request.declaration
        on = declaration.declaration_date
        destination = declaration.destination_country
        jurisdictions = tuple(dict.fromkeys((destination, customs_territory(destination))))
        parameters = self.engine.parameters(DOMAIN, jurisdictions, on)
        notes: list[str] = []
        hits = self.screen_parties(declaration.parties()).hits
        consignment: dict[str, Any] = {
            "level": "consignment",
            "destination": destination,
            "dispatch_country": declaration.dispatch_country,
            "gift": declaration.gift,
            "sanctions_hits": len(hits),
        }
        if hits:
            top = hits[0]
            consignment["sanctions_top_score"] = Decimal(str(top.score))
            consignment["sanctions_list"] = top.list_id
            notes.extend(
                f"{hit.role} '{hit.party_name}' matches {hit.list_id} {hit.entry_id}"
                f" '{hit.matched_name}' with score {hit.score:.4f}: {hit.reason}"
                for hit in hits
            )
        rate = _decimal(parameters.get("control_sample_rate"), Decimal(0))
        sampled = in_control_sample(declaration.declaration_id, rate)
        consignment["control_sample"] = sampled
        if sampled:
            fraction = sample_fraction(declaration.declaration_id)
            notes.append(f"control sample: draw {fraction:.6f} < rate {rate}")
        consignment.update(self._consignee_facts(declaration, parameters, notes))
        facts: list[tuple[int, dict[str, Any]]] = [(0, consignment)]
        for item in declaration.items:
            hs_code = request.hs_codes.get(item.line_number) or item.declared_hs_code[:6]
            facts.append((item.line_number, self._item_facts(item, hs_code, on, parameters, notes)))
        return _Prepared(request, jurisdictions, hits, facts, notes)

    def _item_facts(
        self,
        item: Item,
        hs_code: str,
        on: date,
        parameters: Mapping[str, Any],
        notes: list[str],
    ) -> dict[str, Any]:
        facts: dict[str, Any] = {
            "level": "item",
            "line_number": item.line_number,
            "description": item.description,
            "quantity": item.quantity,
        }
        for name, value in (
            ("hs_code", hs_code),
            ("brand", item.brand),
            ("category_path", item.category_path),
            ("material", item.material),
            ("origin_country", item.origin_country),
        ):
            if value:
                facts[name] = value
        line_value = self._convert(
            item.intrinsic_value.amount, item.intrinsic_value.currency, EUR, on, notes
        )
        if line_value is None:
            return facts
        unit_value = (line_value / item.quantity).quantize(_CENT)
        facts["unit_value_eur"] = unit_value
        reference, prefix = _reference_value(parameters.get("reference_unit_values_eur"), hs_code)
        if reference is not None and reference > 0:
            ratio = (unit_value / reference).quantize(_RATIO)
            facts["value_ratio"] = ratio
            notes.append(
                f"line {item.line_number}: unit value EUR {unit_value} is {ratio} of the"
                f" reference EUR {reference} for HS {prefix}"
            )
        return facts

    def _consignee_facts(
        self, declaration: Declaration, parameters: Mapping[str, Any], notes: list[str]
    ) -> dict[str, Any]:
        """Record this parcel and count the consignee's recent ones (split shipments, velocity)."""
        consignee = declaration.consignee
        if consignee is None:
            return {"consignee_known": False}
        split = parameters.get("split_shipment") or {}
        window = int(_decimal(split.get("window_days"), Decimal(30)))
        near = _decimal(split.get("near_fraction"), Decimal("0.8"))
        limit = parameters.get("split_shipment_limit") or {}
        threshold = _decimal(limit.get("threshold"), Decimal(0))
        threshold_currency = str(limit.get("currency", EUR))
        on = declaration.declaration_date
        key = consignee_key(consignee)
        value = declaration.intrinsic_value
        self.history.record(
            key, ParcelRecord(declaration.declaration_id, on, value.amount, value.currency)
        )
        recent = self.history.recent(key, on, window)
        facts: dict[str, Any] = {"consignee_known": True, "parcels_in_window": len(recent)}
        if threshold <= 0:
            return facts
        converted = [
            self._convert(parcel.value, parcel.currency, threshold_currency, parcel.declared_on, [])
            for parcel in recent
        ]
        amounts = [amount for amount in converted if amount is not None]
        near_threshold = [a for a in amounts if threshold * near <= a <= threshold]
        total = sum(near_threshold, Decimal(0))
        facts["near_threshold_parcels"] = len(near_threshold)
        facts["near_threshold_sum_ratio"] = (total / threshold).quantize(_RATIO)
        if len(near_threshold) > 1:
            notes.append(
                f"consignee received {len(near_threshold)} parcels each between {near} and 1 x"
                f" the {threshold_currency} {threshold} threshold in {window} days,"
                f" together {threshold_currency} {total.quantize(_CENT)}"
            )
        return facts

    def _convert(
        self, amount: Decimal, source: str, target: str, on: date, notes: list[str]
    ) -> Decimal | None:
        """The amount in `target`; past the end of the rate series, the last rates with a note
        (selection tolerates an approximate rate, duty assessment does not)."""
        if source == target:
            return amount
        try:
            return self.rates.convert(amount, source, target, on).amount
        except RateUnavailable:
            last = self.rates.last_date
            if on <= last:
                notes.append(f"no reference rate {source}/{target} on {on}: value checks skipped")
                return None
        try:
            converted = self.rates.convert(amount, source, target, last).amount
        except RateUnavailable:
            notes.append(f"no reference rate {source}/{target}: value checks skipped")
            return None
        notes.append(f"{source}/{target} converted at the latest reference rate, of {last}")
        return converted

    @staticmethod
    def _score(evaluations: Sequence[Evaluation]) -> int:
        return min(MAX_SCORE, sum(flag.score for e in evaluations for flag in e.flags))

    def _combine(
        self,
        item: _Prepared,
        evaluations: Sequence[Evaluation],
        score: int,
        channel_evaluation: Evaluation,
    ) -> RiskAssessment:
        reasons = tuple(
            RiskReason(flag.code, flag.score, flag.reason, flag.rule_id, line_number)
            for (line_number, _), evaluation in zip(item.facts, evaluations, strict=True)
            for flag in evaluation.flags
        )
        channels = [e.channel for e in (*evaluations, channel_evaluation) if e.channel]
        channel = max(channels, key=CHANNELS.index, default="green")
        fired: dict[tuple[str, str], FiredRule] = {}
        documents: dict[str, None] = {}
        for evaluation in (*evaluations, channel_evaluation):
            documents.update(dict.fromkeys(evaluation.documents))
            for rule in evaluation.fired:
                fired.setdefault((rule.pack_id, rule.rule_id), rule)
        notes = [*item.notes, f"risk score {score} (sum of reason scores, at most {MAX_SCORE})"]
        return RiskAssessment(
            declaration_id=item.request.declaration.declaration_id,
            channel=channel,
            score=score,
            reasons=reasons,
            hits=item.hits,
            documents=tuple(documents),
            list_versions=self.screener.versions,
            rules_revision=channel_evaluation.revision,
            fired=tuple(fired.values()),
            notes=tuple(notes),
        )


def _decimal(value: object, default: Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return default


def _reference_value(table: object, hs_code: str) -> tuple[Decimal | None, str]:
    """The reference unit value for the longest matching HS prefix (6, 4 then 2 digits)."""
    if not isinstance(table, Mapping) or not hs_code:
        return None, ""
    for length in (6, 4, 2):
        prefix = hs_code[:length]
        value = table.get(prefix)
        if len(prefix) == length and isinstance(value, Decimal):
            return value, prefix
    return None, ""
