"""The clearance flow for a chunk of declarations: validate → classify → origin → valuation ∥ risk
→ decide → store → answer.

Risk reads only the HS-6 of each item, and most declared codes fit their descriptions, so risk
is asked with the declared codes while classification checks them; a declaration whose checked
codes differ is asked again with them, and only answers for the codes used are kept.

Each service is called ONCE per chunk with a batch, because per-message cost, not
domain work, bounds a five-hop suite (DESIGN.md, performance notes). A service
that fails or is late makes the affected parcels HOLD_PENDING_CHECKS: never
released unchecked; resubmitting them later re-evaluates them.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import grpc
from google.protobuf import timestamp_pb2
from google.protobuf.message import Message
from google.rpc import status_pb2
from google.type import money_pb2

from clearway.declarations.codec import (
    DeclarationReader,
    money_from_proto,
    money_to_proto,
    read_declaration,
)
from clearway.declarations.model import Address, Declaration, Item, Money, Party
from clearway.orchestrator.clients import ServiceClients
from clearway.orchestrator.decision import (
    CHANNEL_NAMES,
    MEMO_LIMIT,
    DecisionFacts,
    decide,
    tariff_code_used,
)
from clearway.risk.history import party_key
from clearway.risk.screening import normalise
from clearway.rules import EvaluationMemo, RulesEngine
from clearway.rules.explanation import put_explanation
from clearway.runtime.errors import (
    Aborted,
    AlreadyExists,
    ClearwayError,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    details_of,
    status_of,
)
from clearway.store.base import (
    ConcurrentChange,
    DecisionRecord,
    DecisionStore,
    StoredDecision,
    StoredPurchase,
    YearPurchase,
    day_text,
    payload_digest,
    stored_answer,
)
from clearway.v1 import (
    classification_pb2,
    clearance_pb2,
    common_pb2,
    origin_pb2,
    risk_pb2,
    valuation_pb2,
)

log = logging.getLogger(__name__)

PENDING = "HOLD_PENDING_CHECKS"
CANCELLED = "CANCELLED"
FINAL_OUTCOMES = frozenset({"RELEASE", "REFUSE"})
YEARLY_LIMITS = {"CN": ("CNY", "CN_CROSS_BORDER_RETAIL")}
"""Destinations with a consumer's yearly limit: the currency of the total, and the regime whose
declarations count in it (China's RMB 26,000 for cross-border retail imports)."""
CONSUMER_LOCK_STRIPES = 64
KNOWN_CODES_LIMIT = 100_000
"""Declared codes remembered as accepted by classification (HS-6 and national lines of every
destination are fewer); past it, new codes are simply not asked about early."""
_REQUEST_INDEX = re.compile(r"^requests\[(\d+)\]\.(.+)$")


@dataclass
class ClearanceResult:
    """The answer for one declaration of a chunk: a decision, or the error that rejected it."""

    declaration_id: str
    decision: clearance_pb2.Decision | None = None
    replayed: bool = False
    error: ClearwayError | None = None


@dataclass
class _Work:
    """One declaration on its way through the flow."""

    index: int
    proto: common_pb2.Declaration
    model: Declaration
    payload: bytes
    items: list[common_pb2.ItemTariffContext] = field(default_factory=list)
    reasons: list[clearance_pb2.DecisionReason] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    revisions: dict[str, str] = field(default_factory=dict)
    valuation: valuation_pb2.CalculateChargesResponse | None = None
    risk: risk_pb2.AssessRiskResponse | None = None
    decision: clearance_pb2.Decision | None = None
    outcome: str = PENDING
    decided_at: datetime | None = None
    manual_assessment: bool = False
    consumer: tuple[str, int] | None = None
    """(consumer key, year) when the destination has a yearly limit and the consumer is known."""

    def __post_init__(self) -> None:
        if self.model.destination_country in YEARLY_LIMITS and self.model.consignee is not None:
            key = consumer_key(self.model.consignee)
            if key is not None:
                self.consumer = (key, self.model.declaration_date.year)


RiskCodes = tuple[tuple[int, str], ...]
"""(line number, HS-6) of each item: all of the tariff context the risk service reads."""


@dataclass(frozen=True)
class _RiskCall:
    """The risk call in flight: whom it asked about and with which codes, in the order of its
    answers."""

    asked: list[tuple[_Work, RiskCodes]]
    call: Future[risk_pb2.AssessRiskBatchResponse]


class ClearanceFlow:
    def __init__(
        self,
        clients: ServiceClients,
        store: DecisionStore,
        engine: RulesEngine,
        call_timeout: float,
        parallel_calls: int = 8,
    ) -> None:
        self.clients = clients
        self.store = store
        self.engine = engine
        self.call_timeout = call_timeout
        self.decisions = EvaluationMemo(MEMO_LIMIT)
        self._calls = ThreadPoolExecutor(parallel_calls, thread_name_prefix="clearance-call")
        self._consumer_locks = tuple(threading.Lock() for _ in range(CONSUMER_LOCK_STRIPES))
        self._known_codes: set[str] = set()
        """Declared codes classification has accepted: a declaration is asked about early only
        with codes known to exist, so one it rejects as unknown leaves no risk history."""

    def close(self) -> None:
        """Stop the threads of the parallel calls (the clients, store and engine are the
        caller's)."""
        self._calls.shutdown(wait=True)

    def _deadline(self, batch_size: int) -> float:
        """Per-call deadline: the configured timeout plus a little per parcel of the batch."""
        return self.call_timeout + 0.005 * batch_size

    def clear(
        self, partner_id: str, declarations: Sequence[common_pb2.Declaration]
    ) -> list[ClearanceResult]:
        """Decide and store every declaration of the chunk; one result each, in order."""
        results: list[ClearanceResult | None] = [None] * len(declarations)
        candidates: list[_Work] = []
        for index, proto in enumerate(declarations):
            reader = DeclarationReader()
            model = reader.declaration(proto)
            if model is None:
                results[index] = ClearanceResult(
                    proto.declaration_id,
                    error=reader.violations.error("the declaration has invalid fields"),
                )
                continue
            payload = proto.SerializeToString(deterministic=True)
            candidates.append(_Work(index, proto, model, payload))

        work = self._idempotency(partner_id, candidates, results)
        if work:
            with self._consumers_locked(work):
                for item, error in self._evaluate(partner_id, work):
                    results[item.index] = ClearanceResult(item.model.declaration_id, error=error)
                decided = [w for w in work if results[w.index] is None]
                records = [self._record(partner_id, w) for w in decided]
                saved = self.store.save_many(records)
            for w, record, stored in zip(decided, records, saved, strict=True):
                replayed = stored.decision != record.decision
                # A new decision is the message just built; only a replay is read back.
                decision = (
                    clearance_pb2.Decision.FromString(stored.decision) if replayed else w.decision
                )
                results[w.index] = ClearanceResult(
                    w.model.declaration_id, decision=decision, replayed=replayed
                )
        return [r for r in results if r is not None]

    @contextlib.contextmanager
    def _consumers_locked(self, work: Sequence[_Work]) -> Iterator[None]:
        """Hold the consumers of `work` from reading their yearly totals until their decisions
        are stored, so two chunks in flight never both count from the same total.

        Striped locks taken in order (never a deadlock); only this process's chunks wait, so
        orchestrator replicas on one database can still race for the same consumer.
        """
        stripes = sorted(
            {hash(w.consumer[0]) % CONSUMER_LOCK_STRIPES for w in work if w.consumer is not None}
        )
        with contextlib.ExitStack() as held:
            for stripe in stripes:
                held.enter_context(self._consumer_locks[stripe])
            yield

    def amend(
        self, partner_id: str, amended: common_pb2.Declaration, reason: str
    ) -> tuple[clearance_pb2.Decision, int]:
        """Decide an amended declaration and make it the current version."""
        model = read_declaration(amended)
        current = self._current(partner_id, model.declaration_id)
        if current.outcome == CANCELLED:
            raise FailedPrecondition(
                f"declaration {model.declaration_id} was cancelled and cannot be amended",
                reason="DECLARATION_CANCELLED",
            )
        payload = amended.SerializeToString(deterministic=True)
        if payload_digest(payload) == current.payload_sha256:
            return clearance_pb2.Decision.FromString(current.decision), current.revision
        work = _Work(0, amended, model, payload)
        with self._consumers_locked([work]):
            for _, error in self._evaluate(partner_id, [work]):
                raise error
            record = dataclasses.replace(
                self._record(partner_id, work), kind="amended", reason=reason
            )
            stored = self._supersede(record, current.revision)
        return clearance_pb2.Decision.FromString(stored.decision), stored.revision

    def cancel(
        self, partner_id: str, declaration_id: str, reason: str
    ) -> tuple[clearance_pb2.Decision, int]:
        """Withdraw a declaration that has not been released; cancelling twice is a no-op."""
        current = self._current(partner_id, declaration_id)
        decision = clearance_pb2.Decision.FromString(current.decision)
        if current.outcome == CANCELLED:
            return decision, current.revision
        if current.outcome in FINAL_OUTCOMES:
            raise FailedPrecondition(
                f"declaration {declaration_id} is {current.outcome.lower()} and cannot be "
                "cancelled; amend it instead",
                reason="DECLARATION_NOT_CANCELLABLE",
                metadata={"outcome": current.outcome},
            )
        decision.outcome = clearance_pb2.OUTCOME_CANCELLED
        decision.reasons.append(
            clearance_pb2.DecisionReason(
                source="clearance", code="CANCELLED", text=reason or "cancelled by the declarant"
            )
        )
        decision.decided_at.FromDatetime(datetime.now(UTC))
        original = common_pb2.Declaration.FromString(current.payload)
        record = DecisionRecord(
            partner_id=partner_id,
            declaration_id=declaration_id,
            payload=current.payload,
            destination_country=original.destination_country,
            declaration_date=_iso_date(original),
            outcome=CANCELLED,
            decided_at=decision.decided_at.ToDatetime(tzinfo=UTC),
            decision=decision.SerializeToString(deterministic=True),
            service_answers={},
            rules_revisions=dict(decision.rules_revisions),
            kind="cancelled",
            reason=reason,
        )
        stored = self._supersede(record, current.revision)
        return clearance_pb2.Decision.FromString(stored.decision), stored.revision

    def reevaluate_held(self, partner_id: str, limit: int) -> list[ClearanceResult]:
        """Decide again the parcels held pending checks (after a service came back)."""
        held = self.store.held(partner_id, limit)
        return self.clear(partner_id, [common_pb2.Declaration.FromString(d.payload) for d in held])

    def _current(self, partner_id: str, declaration_id: str) -> StoredDecision:
        current = self.store.get(partner_id, declaration_id)
        if current is None:
            raise declaration_not_found(declaration_id)
        return current

    def _supersede(self, record: DecisionRecord, revision: int) -> StoredDecision:
        try:
            return self.store.supersede(record, revision)
        except ConcurrentChange as error:
            raise Aborted(str(error), reason="CONCURRENT_CHANGE") from error

    def _idempotency(
        self,
        partner_id: str,
        candidates: list[_Work],
        results: list[ClearanceResult | None],
    ) -> list[_Work]:
        """Answer replays and conflicts from the store; return what still needs a decision."""
        stored = self.store.get_many(partner_id, [w.model.declaration_id for w in candidates])
        seen: dict[str, _Work] = {}
        work: list[_Work] = []
        for w in candidates:
            declaration_id = w.model.declaration_id
            previous = stored.get(declaration_id)
            earlier = seen.get(declaration_id)
            if earlier is not None and earlier.payload != w.payload:
                results[w.index] = ClearanceResult(
                    declaration_id, error=_conflict(earlier.proto, w.proto, declaration_id)
                )
            elif previous is not None and previous.payload_sha256 != payload_digest(w.payload):
                original = common_pb2.Declaration.FromString(previous.payload)
                results[w.index] = ClearanceResult(
                    declaration_id, error=_conflict(original, w.proto, declaration_id)
                )
            elif previous is not None and previous.outcome != PENDING:
                results[w.index] = _replay(previous)
            elif earlier is not None:
                work.append(w)
            else:
                seen[declaration_id] = w
                work.append(w)
        return work

    def _evaluate(self, partner_id: str, work: list[_Work]) -> list[tuple[_Work, ClearwayError]]:
        """Decide every declaration of `work`; return those a service rejected as bad input.

        Risk runs on the flow's pool from the start, asked with the declared codes, while
        classification, origin and valuation answer; the declarations whose classified codes
        differ are asked again once classified. Its answers are kept for the parcels still in
        play afterwards, each answer only if it was given for the codes the parcel uses.
        """
        early = self._start_risk(
            partner_id,
            [
                (w, codes)
                for w in work
                if (codes := _declared_codes(w.model, self._known_codes)) is not None
            ],
        )
        rejected = self._classify(work)
        live = _excluding(work, rejected)
        if not live:
            return rejected
        answered_early = _asked_with_codes_used(early)
        late = self._start_risk(
            partner_id,
            [
                (w, _codes_used(w))
                for w in live
                if not w.unavailable and id(w) not in answered_early
            ],
        )
        rejected += self._decide_origin(live)
        live = _excluding(live, rejected)
        ready = [w for w in live if not w.unavailable]
        if ready:
            rejected += self._value(partner_id, ready)
        _record_risk(ready, early, answered_early)
        if late is not None:
            _record_risk(ready, late, {id(w) for w, _codes in late.asked})
        if live:
            self._decide(_excluding(live, rejected))
        return rejected

    def _batch_call(
        self,
        service: str,
        work: list[_Work],
        call: Callable[[list[_Work]], Any],
        locate: Callable[[list[_Work], int, str], tuple[_Work, str] | None],
    ) -> tuple[list[_Work], Any, list[tuple[_Work, ClearwayError]]]:
        """Call a batch RPC; declarations it rejects as bad input are dropped and the rest retried.

        Returns the declarations answered, the response, and the rejections. Any other
        failure marks the batch unavailable (held), never released unchecked.
        """
        rejected: list[tuple[_Work, ClearwayError]] = []
        remaining = list(work)
        for _attempt in range(2):
            if not remaining:
                break
            try:
                return remaining, call(remaining), rejected
            except grpc.RpcError as error:
                bad = (
                    _rejections(error, remaining, locate)
                    if error.code() == grpc.StatusCode.INVALID_ARGUMENT
                    else []
                )
                if not bad:
                    _mark_unavailable(remaining, service, error)
                    return [], None, rejected
                rejected.extend(bad)
                remaining = _excluding(remaining, bad)
        if remaining:
            for w in remaining:
                _hold(w, service, "rejected the batch twice; held for review")
        return [], None, rejected

    def _classify(self, work: list[_Work]) -> list[tuple[_Work, ClearwayError]]:
        """Classify every item of the chunk in one call; reject declarations with unknown codes."""

        def positions(batch: list[_Work]) -> list[tuple[_Work, int]]:
            return [(w, index) for w in batch for index in range(len(w.proto.items))]

        def call(batch: list[_Work]) -> classification_pb2.ClassifyBatchResponse:
            items = positions(batch)
            request = classification_pb2.ClassifyBatchRequest()
            add = request.requests.add  # in place: a request built first is copied in
            for w, i in items:
                item = w.proto.items[i]
                add(
                    description=item.description,
                    category_path=item.category_path,
                    material=item.material,
                    brand=item.brand,
                    declared_hs_code=item.declared_hs_code,
                    destination_country=w.model.destination_country,
                )
            response: classification_pb2.ClassifyBatchResponse = (
                self.clients.classification.ClassifyBatch(
                    request, timeout=self._deadline(len(items))
                )
            )
            return response

        def locate(batch: list[_Work], index: int, field: str) -> tuple[_Work, str] | None:
            items = positions(batch)
            if index >= len(items):
                return None
            w, item = items[index]
            return w, f"declaration.items[{item}].{field}"

        answered, response, rejected = self._batch_call("classification", work, call, locate)
        if response is not None:
            for (w, index), answer in zip(positions(answered), response.responses, strict=True):
                _record_classification(w, w.model.items[index], answer)
            if len(self._known_codes) < KNOWN_CODES_LIMIT:
                self._known_codes.update(
                    item.declared_hs_code
                    for w in answered
                    for item in w.model.items
                    if item.declared_hs_code
                )
        return rejected

    def _decide_origin(self, work: list[_Work]) -> list[tuple[_Work, ClearwayError]]:
        """Decide claimed preferences first: valuation needs to know which were granted."""
        claims = [
            w
            for w in work
            if w.proto.HasField("origin_claim")
            and any(i.preference_claimed for i in w.proto.items)
            and not w.unavailable
        ]
        if not claims:
            return []

        def call(batch: list[_Work]) -> origin_pb2.DecidePreferenceBatchResponse:
            request = origin_pb2.DecidePreferenceBatchRequest()
            for w in batch:
                added = request.requests.add(items=w.items)
                added.declaration.CopyFrom(w.proto)
            response: origin_pb2.DecidePreferenceBatchResponse = (
                self.clients.origin.DecidePreferenceBatch(
                    request, timeout=self._deadline(len(batch))
                )
            )
            return response

        def locate(batch: list[_Work], index: int, field: str) -> tuple[_Work, str] | None:
            if index >= len(batch) or not field.startswith("declaration."):
                return None
            return batch[index], field

        answered, response, rejected = self._batch_call("origin", claims, call, locate)
        if response is not None:
            for w, answer in zip(answered, response.responses, strict=True):
                _record_origin(w, answer)
        return rejected

    def _start_risk(
        self, partner_id: str, asked: list[tuple[_Work, RiskCodes]]
    ) -> _RiskCall | None:
        """AssessRiskBatch on the flow's own threads (a grpc .future() starts a thread per call).

        The partner goes with each declaration: risk keeps its history by (partner, id), so a
        declaration asked about twice is one entry, the later answer's.
        """
        if not asked:
            return None
        request = risk_pb2.AssessRiskBatchRequest()
        for w, codes in asked:  # filled in place: each declaration copied once
            added = request.requests.add(partner_id=partner_id)
            for line, hs_code in codes:
                added.items.add(line_number=line, hs_code=hs_code)
            added.declaration.CopyFrom(w.proto)
        call = self._calls.submit(
            contextvars.copy_context().run,  # the caller's trace goes with the call
            self.clients.risk.AssessRiskBatch,
            request,
            timeout=self._deadline(len(asked)),
        )
        return _RiskCall(asked, call)

    def _value(self, partner_id: str, ready: list[_Work]) -> list[tuple[_Work, ClearwayError]]:
        """Duties and taxes of the parcels ready for them; refusals as bad input come back.

        A consumer with a yearly limit is valued once per call with the total of its
        purchases stored so far; its further parcels of the chunk wait for a later call that
        counts the earlier ones' answers (usually there are none, and one call does).
        """
        totals = _YearTotals(
            partner_id, self.store.year_purchases([w.consumer for w in ready if w.consumer])
        )
        rejected: list[tuple[_Work, ClearwayError]] = []
        for batch in _rounds(ready):
            rejected += self._value_batch(batch, totals)
        return rejected

    def _value_batch(
        self, ready: list[_Work], totals: _YearTotals
    ) -> list[tuple[_Work, ClearwayError]]:
        rejected: list[tuple[_Work, ClearwayError]] = []
        request = valuation_pb2.CalculateChargesBatchRequest()
        for w in ready:
            added = request.requests.add(items=w.items, consumer_year_total=totals.before(w))
            added.declaration.CopyFrom(w.proto)
        try:
            valuations = self.clients.valuation.CalculateChargesBatch(
                request, timeout=self._deadline(len(ready))
            )
        except grpc.RpcError as error:
            _mark_unavailable(ready, "valuation", error)
            return rejected
        for w, answer in zip(ready, valuations.responses, strict=True):
            if answer.HasField("error"):
                refusal = _refusal(w, "valuation", answer.error)
                if refusal is not None:
                    rejected.append((w, refusal))
                continue
            w.valuation = answer
            w.answers["valuation"] = stored_answer(answer)
            w.revisions["valuation"] = answer.rules_revision
            totals.add(w)
        return rejected

    def _decide(self, work: list[_Work]) -> None:
        """Decide the chunk; its parcels share one decision time (they are stored together)."""
        decided_at = datetime.now(UTC)
        stamp = timestamp_pb2.Timestamp()
        stamp.FromDatetime(decided_at)
        facts = []
        for w in work:
            due = (
                money_from_proto(w.valuation.total_due_at_import)
                if w.valuation is not None
                else Decimal(0)
            )
            channel = CHANNEL_NAMES[w.risk.channel] if w.risk is not None else "green"
            facts.append(
                (
                    w.model.declaration_date,
                    DecisionFacts(
                        destination_country=w.model.destination_country,
                        pending_checks=bool(w.unavailable),
                        manual_assessment=w.manual_assessment,
                        risk_channel=channel,
                        due_at_import=due,
                        incoterm=w.model.incoterm,
                    ),
                )
            )
        for w, evaluation in zip(work, decide(self.engine, facts, self.decisions), strict=True):
            w.revisions["clearance"] = evaluation.revision
            w.answers["clearance"] = {"fired": [r.rule_id for r in evaluation.fired]}
            w.reasons.extend(
                clearance_pb2.DecisionReason(
                    source="clearance", code=rule.rule_id, text=rule.text, rule_id=rule.rule_id
                )
                for rule in evaluation.fired
            )
            w.outcome = str(evaluation.values.get("outcome", PENDING))
            w.decided_at = decided_at
            decision = clearance_pb2.Decision(
                declaration_id=w.model.declaration_id,
                outcome="OUTCOME_" + w.outcome,
                decided_at=stamp,
                reasons=w.reasons,
                payer=str(evaluation.values.get("payer", "none")),
                items=w.items,
                rules_revisions=w.revisions,
                rules_revision=evaluation.revision,
            )
            put_explanation(decision.explanation, evaluation.fired, w.notes)
            if w.valuation is not None:
                decision.regime = w.valuation.regime
                decision.charges.extend(w.valuation.charges)
                decision.total_due_at_import.CopyFrom(w.valuation.total_due_at_import)
                decision.total_collected_at_sale.CopyFrom(w.valuation.total_collected_at_sale)
            if w.risk is not None:
                decision.risk_channel = w.risk.channel
                decision.risk_score = w.risk.score
                decision.required_documents.extend(w.risk.required_documents)
            w.decision = decision

    def _record(self, partner_id: str, w: _Work) -> DecisionRecord:
        decision = w.decision
        if decision is None or w.decided_at is None:
            raise RuntimeError(f"{w.model.declaration_id} reached the store undecided")
        return DecisionRecord(
            partner_id=partner_id,
            declaration_id=w.model.declaration_id,
            payload=w.payload,
            destination_country=w.model.destination_country,
            declaration_date=day_text(w.model.declaration_date),
            outcome=w.outcome,
            decided_at=w.decided_at,
            decision=decision.SerializeToString(deterministic=True),
            service_answers=w.answers,
            rules_revisions=dict(w.revisions),
            year_purchase=_year_purchase(w),
        )


def consumer_key(consignee: Party) -> str | None:
    """The consumer's pseudonymous key for yearly totals, as risk keys its history.

    The identity document number when declared (China requires the buyer's ID number), else
    risk's key of name, postal code and country; None when the name has nothing to key on.
    """
    identifier = normalise(consignee.identifier)
    if identifier:
        return party_key(
            Party(
                role=consignee.role,
                name=f"identifier {identifier}",
                address=Address(country=consignee.address.country),
            )
        )
    if not normalise(consignee.name):
        return None
    return party_key(consignee)


def _year_purchase(w: _Work) -> YearPurchase | None:
    """What the decision adds to its consumer's yearly total: the customs value of a parcel
    assessed under the limited regime and not refused."""
    limit = YEARLY_LIMITS.get(w.model.destination_country)
    if w.consumer is None or w.valuation is None or limit is None or w.outcome == "REFUSE":
        return None
    currency, regime = limit
    value = w.valuation.customs_value
    if w.valuation.regime != regime or value.currency_code != currency:
        return None
    return YearPurchase(w.consumer[0], w.consumer[1], money_from_proto(value), currency)


class _YearTotals:
    """The consumers' yearly totals during one chunk: stored purchases, then the chunk's."""

    def __init__(
        self, partner_id: str, stored: dict[tuple[str, int], list[StoredPurchase]]
    ) -> None:
        self.partner_id = partner_id
        self.stored = stored
        self.chunk: dict[tuple[str, int], dict[str, Decimal]] = {}

    def before(self, w: _Work) -> money_pb2.Money | None:
        """The total before `w` (without `w` and its earlier revisions); None when unknown."""
        limit = YEARLY_LIMITS.get(w.model.destination_country)
        if w.consumer is None or limit is None:
            return None
        currency = limit[0]
        own = (self.partner_id, w.model.declaration_id)
        total = sum(
            (
                p.amount
                for p in self.stored.get(w.consumer, ())
                if (p.partner_id, p.declaration_id) != own and p.currency == currency
            ),
            Decimal(0),
        )
        total += sum(
            amount
            for declaration_id, amount in self.chunk.get(w.consumer, {}).items()
            if declaration_id != w.model.declaration_id
        )
        return money_to_proto(Money(total, currency))

    def add(self, w: _Work) -> None:
        """Count `w`'s valuation for its consumer's later parcels of the chunk (before the
        decision: a parcel the chunk goes on to refuse still counts here, erring to the limit)."""
        purchase = _year_purchase(w)
        if purchase is not None and w.consumer is not None:
            self.chunk.setdefault(w.consumer, {})[w.model.declaration_id] = purchase.amount


def _rounds(ready: list[_Work]) -> list[list[_Work]]:
    """Split `ready` so that no consumer with a yearly limit has two parcels in one call."""
    rounds: list[list[_Work]] = []
    seen: dict[tuple[str, int], int] = {}
    for w in ready:
        index = 0
        if w.consumer is not None:
            index = seen.get(w.consumer, 0)
            seen[w.consumer] = index + 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(w)
    return rounds


def declaration_not_found(declaration_id: str) -> NotFound:
    return NotFound(
        f"no declaration {declaration_id} for this partner",
        reason="DECLARATION_NOT_FOUND",
        metadata={"declaration_id": declaration_id},
    )


def _iso_date(declaration: common_pb2.Declaration) -> str:
    when = declaration.declaration_date
    return f"{when.year:04d}-{when.month:02d}-{when.day:02d}"


def _replay(stored: StoredDecision) -> ClearanceResult:
    return ClearanceResult(
        stored.declaration_id,
        decision=clearance_pb2.Decision.FromString(stored.decision),
        replayed=True,
    )


def _mark_unavailable(work: Sequence[_Work], service: str, error: grpc.RpcError) -> None:
    """Hold the affected parcels with the reason; the stream goes on."""
    log.warning(
        "service call failed; parcels held",
        extra={"target_service": service, "code": error.code().name, "parcels": len(work)},
    )
    for w in work:
        _hold(w, service, f"did not answer ({error.code().name}); held until it does")


def _declared_codes(declaration: Declaration, known: set[str]) -> RiskCodes | None:
    """The codes risk would read if every declared code is confirmed; None when an item
    declares no code, or one classification has not yet accepted as existing."""
    codes = []
    for item in declaration.items:
        if item.declared_hs_code not in known:
            return None
        codes.append((item.line_number, item.declared_hs_code[:6]))
    return tuple(codes)


def _codes_used(w: _Work) -> RiskCodes:
    return tuple((context.line_number, context.hs_code) for context in w.items)


def _asked_with_codes_used(risk: _RiskCall | None) -> set[int]:
    """The declarations (by id()) this call asked about with the codes classification chose."""
    if risk is None:
        return set()
    return {id(w) for w, codes in risk.asked if codes == _codes_used(w)}


def _record_risk(ready: list[_Work], risk: _RiskCall | None, with_codes_used: set[int]) -> None:
    """Keep the risk answers of the parcels in `ready` that this call asked about with the
    codes they use, `with_codes_used` (by id()); the others are answered by the other call, or
    no longer in play."""
    if risk is None:
        return
    answering = {id(w) for w in ready} & with_codes_used
    if not answering:
        return
    try:
        answers = risk.call.result()
    except grpc.RpcError as error:
        _mark_unavailable([w for w in ready if id(w) in answering], "risk", error)
        return
    for (w, _codes), answer in zip(risk.asked, answers.responses, strict=True):
        if id(w) not in answering:
            continue
        w.risk = answer
        w.answers["risk"] = stored_answer(answer)
        w.revisions["risk"] = answer.rules_revision
        w.reasons.extend(
            clearance_pb2.DecisionReason(
                source="risk",
                code=reason.code,
                text=reason.text,
                rule_id=reason.rule_id,
                line_number=reason.line_number,
            )
            for reason in answer.reasons
        )


def _refusal(w: _Work, service: str, status: status_pb2.Status) -> ClearwayError | None:
    """A service could not answer for this one declaration: bad input, or a manual case."""
    info, violations = details_of(status)
    reason = info.reason if info is not None else "REFUSED"
    if status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]:
        fields = tuple(
            FieldViolation(_REQUEST_INDEX.sub(r"\2", v.field), v.description) for v in violations
        )
        return InvalidArgument(status.message, reason=reason, violations=fields)
    w.manual_assessment = True
    w.reasons.append(clearance_pb2.DecisionReason(source=service, code=reason, text=status.message))
    return None


def _hold(w: _Work, service: str, why: str) -> None:
    w.unavailable.append(service)
    w.reasons.append(
        clearance_pb2.DecisionReason(
            source=service, code="SERVICE_UNAVAILABLE", text=f"{service} {why}"
        )
    )


def _record_origin(w: _Work, answer: origin_pb2.DecidePreferenceResponse) -> None:
    w.answers["origin"] = stored_answer(answer)
    w.revisions["origin"] = answer.rules_revision
    granted = {p.line_number: p.agreement for p in answer.items if p.granted}
    for context in w.items:
        context.preference_agreement = granted.get(context.line_number, "")
    for preference in answer.items:
        if not preference.granted:
            w.reasons.append(
                clearance_pb2.DecisionReason(
                    source="origin",
                    code="PREFERENCE_REFUSED",
                    text="; ".join(f.text for f in preference.findings if not f.passed)
                    or f"preference under {preference.agreement} refused",
                    line_number=preference.line_number,
                )
            )


def _record_classification(
    w: _Work, item: Item, answer: classification_pb2.ClassifyResponse
) -> None:
    """`item` as the declaration reader read it: its line number defaulted, its declared code
    in digits."""
    line, declared = item.line_number, item.declared_hs_code
    plausible = answer.declared_code_check.plausible
    hs_code, national = tariff_code_used(
        declared, plausible, answer.best.hs_code, answer.national_tariff_code
    )
    if declared and not plausible:
        w.reasons.append(
            clearance_pb2.DecisionReason(
                source="classification",
                code="DECLARED_CODE_MISMATCH",
                text=f"declared {declared} does not fit the description; "
                f"classified as {hs_code} ({answer.best.confidence:.0%})",
                line_number=line,
            )
        )
    w.items.append(
        common_pb2.ItemTariffContext(
            line_number=line, hs_code=hs_code, national_tariff_code=national
        )
    )
    w.notes.append(
        f"item {line}: HS {hs_code} ({answer.best.description[:60]}), "
        f"confidence {answer.best.confidence:.2f}"
    )
    w.revisions["classification"] = answer.rules_revision
    w.answers.setdefault("classification", []).append(stored_answer(answer))


def _rejections(
    error: grpc.RpcError,
    batch: list[_Work],
    locate: Callable[[list[_Work], int, str], tuple[_Work, str] | None],
) -> list[tuple[_Work, ClearwayError]]:
    """Map a batch's field violations (`requests[i].…`) back to declarations and their fields."""
    info, violations = status_of(error)
    found: dict[int, tuple[_Work, list[FieldViolation]]] = {}
    for violation in violations:
        match = _REQUEST_INDEX.match(violation.field)
        located = locate(batch, int(match.group(1)), match.group(2)) if match else None
        if located is None:
            continue
        w, field_path = located
        found.setdefault(id(w), (w, []))[1].append(
            FieldViolation(field_path, violation.description)
        )
    reason = info.reason if info is not None else "INVALID_ARGUMENT"
    return [
        (
            w,
            InvalidArgument(
                f"the declaration has fields a service rejects ({reason}): "
                + ", ".join(v.field for v in found_violations),
                reason=reason,
                violations=tuple(found_violations),
            ),
        )
        for w, found_violations in found.values()
    ]


def _excluding(work: list[_Work], rejected: list[tuple[_Work, ClearwayError]]) -> list[_Work]:
    rejected_ids = {id(w) for w, _ in rejected}
    return [w for w in work if id(w) not in rejected_ids]


def _conflict(
    original: common_pb2.Declaration, resubmitted: common_pb2.Declaration, declaration_id: str
) -> AlreadyExists:
    """ALREADY_EXISTS naming the fields that differ from what was first submitted."""
    differences = _differences(original, resubmitted, "declaration")
    return AlreadyExists(
        f"declaration {declaration_id} was already submitted with different content: "
        + ", ".join(differences[:10]),
        reason="DECLARATION_ID_REUSED",
        metadata={"declaration_id": declaration_id, "differences": ",".join(differences[:50])},
    )


def _differences(a: Message, b: Message, path: str) -> list[str]:
    """Paths of the fields whose values differ, descending into messages and repeated messages."""
    found: list[str] = []
    names = {f.name for f, _ in a.ListFields()} | {f.name for f, _ in b.ListFields()}
    for name in sorted(names):
        descriptor = a.DESCRIPTOR.fields_by_name[name]
        left, right = getattr(a, name), getattr(b, name)
        if left == right:
            continue
        is_message = descriptor.message_type is not None
        repeated = bool(descriptor.is_repeated)
        if repeated and is_message and len(left) == len(right):
            for index, (x, y) in enumerate(zip(left, right, strict=True)):
                if x != y:
                    found.extend(_differences(x, y, f"{path}.{name}[{index}]"))
        elif is_message and not repeated:
            found.extend(_differences(left, right, f"{path}.{name}"))
        else:
            found.append(f"{path}.{name}")
    return found
