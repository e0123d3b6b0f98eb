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
from clearway.reference.fx import MAX_RATE_AGE, ExchangeRates
from clearway.risk.history import (
    AssessedOutcome,
    CountCaps,
    DeclarationHistory,
    HistoryEntry,
    HistoryQuery,
    HistoryView,
    address_key,
    party_key,
)
from clearway.risk.sampling import in_control_sample, sample_fraction
from clearway.risk.screening import PartyScreener, ScreeningHit
from clearway.rules import EvaluationMemo, RulesEngine
from clearway.rules.model import CHANNELS, Evaluation, FiredRule
from clearway.runtime.errors import InvalidArgument

DOMAIN = "risk"
EUR = "EUR"
MAX_SCORE = 100
REMEMBERED_EVALUATIONS = 16_384  # bounded: a flood of distinct facts only refills it
REMEMBERED_POLICIES = 256
"""Policies by selection: a pack set has a few dozen; a reload's new ones refill the table."""
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
    """A declaration and the HS-6 decided per line by classification (else the declared code);
    with the submitting partner, the declaration's identity in the history."""

    declaration: Declaration
    hs_codes: Mapping[int, str] = field(default_factory=dict)
    partner_id: str = ""


@dataclass(frozen=True, slots=True)
class _Policy:
    """What the assessment reads of the merged pack parameters, derived once per set of packs
    in force instead of once per parcel."""

    sample_rate: Decimal
    reference_values: object
    split_limit: _SplitLimit | None
    window_days: int
    seller_window_days: int
    lookback_days: int
    caps: CountCaps
    high_risk_score: int

    @classmethod
    def of(cls, parameters: Mapping[str, Any]) -> _Policy:
        split = _mapping(parameters.get("split_shipment"))
        seller_velocity = _mapping(parameters.get("seller_velocity"))
        repeat = _mapping(parameters.get("repeat_offender"))
        return cls(
            sample_rate=_decimal(parameters.get("control_sample_rate"), Decimal(0)),
            reference_values=parameters.get("reference_unit_values_eur"),
            split_limit=_split_limit(parameters),
            window_days=int(_decimal(split.get("window_days"), Decimal(30))),
            seller_window_days=int(_decimal(seller_velocity.get("window_days"), Decimal(1))),
            lookback_days=int(_decimal(repeat.get("lookback_days"), Decimal(365))),
            caps=count_caps(parameters),
            high_risk_score=_high_risk_score(parameters),
        )


@dataclass
class _Prepared:
    request: AssessmentRequest
    jurisdictions: tuple[str, ...]
    hits: tuple[ScreeningHit, ...]
    facts: list[tuple[int, dict[str, Any]]]
    notes: list[str]
    policy: _Policy
    query: HistoryQuery


class RiskDomain:
    """Everything the risk service decides, without gRPC."""

    def __init__(
        self,
        engine: RulesEngine,
        screener: PartyScreener,
        rates: ExchangeRates,
        history: DeclarationHistory,
    ) -> None:
        self.engine = engine
        self.screener = screener
        self.rates = rates
        self.history = history
        # Goods, history and score facts repeat across parcels: so do the packs' answers.
        self._evaluations = EvaluationMemo(REMEMBERED_EVALUATIONS)
        self._policies: dict[int, tuple[Mapping[str, Any], _Policy]] = {}

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
        """Assess a batch with two engine calls in all (one per evaluation pass) and two
        history transactions (record and count, then keep the outcomes)."""
        prepared = [self._prepare(request) for request in requests]
        views = self.history.observe([item.query for item in prepared])
        for item, view in zip(prepared, views, strict=True):
            item.facts[0][1].update(self._history_facts(item, view))
        first_pass = [
            (item.jurisdictions, item.request.declaration.declaration_date, facts)
            for item in prepared
            for _, facts in item.facts
        ]
        evaluations = iter(self.engine.evaluate_many(DOMAIN, first_pass, memo=self._evaluations))
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
        channel_evaluations = self.engine.evaluate_many(DOMAIN, second_pass, memo=self._evaluations)
        assessments = [
            self._combine(item, evaluated, score, channel_evaluation)
            for item, evaluated, score, channel_evaluation in zip(
                prepared, grouped, scores, channel_evaluations, strict=True
            )
        ]
        self.history.settle(
            [
                AssessedOutcome(
                    item.query.entry.partner_id,
                    a.declaration_id,
                    a.score,
                    a.channel,
                    item.policy.high_risk_score,
                )
                for item, a in zip(prepared, assessments, strict=True)
            ]
        )
        return assessments

    def _prepare(self, request: AssessmentRequest) -> _Prepared:
        declaration = request.declaration
        on = declaration.declaration_date
        destination = declaration.destination_country
        jurisdictions = tuple(dict.fromkeys((destination, customs_territory(destination))))
        policy = self._policy(self.engine.parameters(DOMAIN, jurisdictions, on))
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
        rate = policy.sample_rate
        sampled = in_control_sample(declaration.declaration_id, rate)
        consignment["control_sample"] = sampled
        if sampled:
            fraction = sample_fraction(declaration.declaration_id)
            notes.append(f"control sample: draw {fraction:.6f} < rate {rate}")
        facts: list[tuple[int, dict[str, Any]]] = [(0, consignment)]
        for item in declaration.items:
            hs_code = request.hs_codes.get(item.line_number) or item.declared_hs_code[:6]
            facts.append((item.line_number, self._item_facts(item, hs_code, on, policy, notes)))
        query = self._history_query(request, policy)
        return _Prepared(request, jurisdictions, hits, facts, notes, policy, query)

    def _policy(self, parameters: Mapping[str, Any]) -> _Policy:
        """The policy of these parameters: the engine hands out one mapping per set of packs
        in force, so it is looked up by identity (the entry keeps the mapping, so its id is
        not reused while remembered)."""
        remembered = self._policies.get(id(parameters))
        if remembered is not None and remembered[0] is parameters:
            return remembered[1]
        if len(self._policies) >= REMEMBERED_POLICIES:
            self._policies = {}
        policy = _Policy.of(parameters)
        self._policies[id(parameters)] = (parameters, policy)
        return policy

    def _item_facts(
        self,
        item: Item,
        hs_code: str,
        on: date,
        policy: _Policy,
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
        reference, prefix = _reference_value(policy.reference_values, hs_code)
        if reference is not None and reference > 0:
            ratio = (unit_value / reference).quantize(_RATIO)
            facts["value_ratio"] = ratio
            notes.append(
                f"line {item.line_number}: unit value EUR {unit_value} is {ratio} of the"
                f" reference EUR {reference} for HS {prefix}"
            )
        return facts

    def _history_query(self, request: AssessmentRequest, policy: _Policy) -> HistoryQuery:
        """What the history records of this declaration, the windows it is counted in and where
        the counts stop; whether it is near the split threshold is decided here, once (its
        conversion's notes belong to the split facts, which convert it again)."""
        declaration = request.declaration
        consignee, seller = declaration.consignee, declaration.seller
        value = declaration.intrinsic_value
        limit = policy.split_limit
        near = False
        if limit is not None:
            amount = self._convert(
                value.amount, value.currency, limit.currency, declaration.declaration_date, []
            )
            near = amount is not None and limit.is_near(amount)
        return HistoryQuery(
            entry=HistoryEntry(
                partner_id=request.partner_id,
                declaration_id=declaration.declaration_id,
                declared_on=declaration.declaration_date,
                value=value.amount,
                currency=value.currency,
                consignee_key=party_key(consignee) if consignee else None,
                address_key=address_key(consignee.address) if consignee else None,
                seller_key=party_key(seller) if seller else None,
                split_near=near,
            ),
            window_days=policy.window_days,
            seller_window_days=policy.seller_window_days,
            lookback_days=policy.lookback_days,
            caps=policy.caps,
        )

    def _history_facts(self, item: _Prepared, view: HistoryView) -> dict[str, Any]:
        """Split shipments (same consignee or address), velocity and repeat offenders."""
        declaration = item.request.declaration
        facts: dict[str, Any] = {
            "seller_parcels_in_window": view.seller_parcels,
            "seller_prior_findings": view.seller_prior_findings,
        }
        if declaration.consignee is None:
            return {**facts, "consignee_known": False}
        facts.update(
            consignee_known=True,
            parcels_in_window=view.consignee_parcels,
            consignee_prior_high_risk=view.consignee_prior_high_risk,
        )
        caps, days = item.query.caps, item.query.lookback_days
        if view.consignee_prior_high_risk:
            count = _at_least(view.consignee_prior_high_risk, caps.consignee_high_risk)
            item.notes.append(
                f"consignee had {count} earlier high-risk declarations in {days} days"
            )
        if view.seller_prior_findings:
            count = _at_least(view.seller_prior_findings, caps.seller_findings)
            item.notes.append(
                f"inspections found something in {count} of the seller's parcels in {days} days"
            )
        limit = item.policy.split_limit
        if limit is None:
            return facts
        converted = [
            self._convert(parcel.value, parcel.currency, limit.currency, parcel.declared_on, [])
            for parcel in view.split_parcels
        ]
        near_threshold = [a for a in converted if a is not None and limit.is_near(a)]
        total = sum(near_threshold, Decimal(0))
        facts["near_threshold_parcels"] = len(near_threshold)
        facts["near_threshold_sum_ratio"] = (total / limit.threshold).quantize(_RATIO)
        if len(near_threshold) > 1:
            capped = len(view.split_parcels) >= caps.split_parcels
            item.notes.append(
                f"consignee or address received {'at least ' if capped else ''}"
                f"{len(near_threshold)} parcels each between {limit.near_fraction} and 1 x the"
                f" {limit.currency} {limit.threshold} threshold in {item.query.window_days}"
                f" days, together {'at least ' if capped else ''}"
                f"{limit.currency} {total.quantize(_CENT)}"
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
            conversion = self.rates.convert(amount, source, target, on, or_last=True)
        except RateUnavailable:
            notes.append(f"no reference rate {source}/{target} on {on}: value checks skipped")
            return None
        if on - conversion.rate_date > MAX_RATE_AGE:
            notes.append(
                f"{source}/{target} converted at the latest reference rate, of "
                f"{conversion.rate_date}"
            )
        return conversion.amount

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


@dataclass(frozen=True, slots=True)
class _SplitLimit:
    """The low-value threshold a split consignment stays under, and how near counts."""

    threshold: Decimal
    currency: str
    near_fraction: Decimal

    def is_near(self, amount: Decimal) -> bool:
        return self.threshold * self.near_fraction <= amount <= self.threshold


def _split_limit(parameters: Mapping[str, Any]) -> _SplitLimit | None:
    """The destination's split-shipment threshold; None where it has none."""
    limit = _mapping(parameters.get("split_shipment_limit"))
    threshold = _decimal(limit.get("threshold"), Decimal(0))
    if threshold <= 0:
        return None
    near = _mapping(parameters.get("split_shipment")).get("near_fraction")
    return _SplitLimit(threshold, str(limit.get("currency", EUR)), _decimal(near, Decimal("0.8")))


def _high_risk_score(parameters: Mapping[str, Any]) -> int:
    """The score from which an assessment counts against its parties later."""
    return _threshold(parameters, "repeat_offender", "high_risk_score", 40)


def _threshold(parameters: Mapping[str, Any], group: str, name: str, default: int) -> int:
    return int(_decimal(_mapping(parameters.get(group)).get(name), Decimal(default)))


def count_caps(parameters: Mapping[str, Any]) -> CountCaps:
    """One above the largest threshold the pack compares each history count with, so the rules
    answer as with the full count. The split reads enough near-threshold parcels for both of its
    facts: min_parcels of them for the count, and more than 1 / near_fraction of them, each at
    least near_fraction of the threshold, for their sum to exceed it."""
    split_parcels = _threshold(parameters, "split_shipment", "min_parcels", 3)
    limit = _split_limit(parameters)
    if limit is not None and limit.near_fraction > 0:
        split_parcels = max(split_parcels, int(1 / limit.near_fraction))
    repeat = "repeat_offender"
    return CountCaps(
        consignee_parcels=_threshold(parameters, "velocity", "max_parcels", 12) + 1,
        seller_parcels=_threshold(parameters, "seller_velocity", "max_parcels", 5000) + 1,
        consignee_high_risk=_threshold(parameters, repeat, "min_consignee_declarations", 1) + 1,
        seller_findings=_threshold(parameters, repeat, "min_seller_findings", 3) + 1,
        split_parcels=split_parcels + 1,
    )


def _at_least(count: int, cap: int) -> str:
    """A capped count as the explanation says it: "at least" once the cap is reached."""
    return f"at least {count}" if count >= cap else str(count)


def _decimal(value: object, default: Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return default


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


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
