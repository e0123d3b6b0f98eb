"""The floor: the suite's five-process topology with handlers that do no domain work.

`python -m clearway.benchmark.floor NAME` serves NAME on the shared runtime (same server
options, interceptors, health and ports as `clearway serve NAME`). The four domain
services decode each request and answer every entry of a batch with a fixed, valid
answer of the right shape; the orchestrator runs the real ClearanceFlow (so the hops,
batching and messages are the real ones) over a store that keeps nothing. What the floor
measures is transport, serialization and orchestration alone.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import Any

import grpc

from clearway.declarations.codes import hs_digits
from clearway.orchestrator.clients import ServiceClients
from clearway.orchestrator.flow import ClearanceFlow
from clearway.orchestrator.service import OrchestratorService
from clearway.runtime.auth import PartnerAuthenticator
from clearway.runtime.server import ClearwayService, serve
from clearway.runtime.settings import Settings
from clearway.store.base import (
    DecisionRecord,
    DecisionStore,
    StoredDecision,
    StoredPurchase,
    stored_decision,
)
from clearway.v1 import (
    classification_pb2,
    classification_pb2_grpc,
    clearance_pb2,
    clearance_pb2_grpc,
    common_pb2,
    origin_pb2,
    origin_pb2_grpc,
    risk_pb2,
    risk_pb2_grpc,
    valuation_pb2,
    valuation_pb2_grpc,
)

FLOOR_REVISION = "floor"
FALLBACK_HS_CODE = "950300"


class NullStore(DecisionStore):
    """A DecisionStore that stores nothing: every declaration is new, every save succeeds."""

    def _transaction(self) -> AbstractContextManager[Any]:
        return nullcontext(None)

    def close(self) -> None:
        """Nothing to release."""

    def _to_db_time(self, value: datetime) -> Any:
        return value

    def _from_db_time(self, value: Any) -> datetime:
        return value if isinstance(value, datetime) else datetime.now(UTC)

    def _lock_migrations(self, cursor: Any) -> None:
        """No schema, nothing to lock."""

    def migrate(self) -> int:
        return 0

    def get(self, partner_id: str, declaration_id: str) -> StoredDecision | None:
        return None

    def get_many(
        self, partner_id: str, declaration_ids: Sequence[str]
    ) -> dict[str, StoredDecision]:
        return {}

    def save_many(self, records: Sequence[DecisionRecord]) -> list[StoredDecision]:
        return [stored_decision(r, 1) for r in records]

    def year_purchases(
        self, consumers: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], list[StoredPurchase]]:
        """No purchases stored: every consumer's yearly total is known and zero."""
        return {consumer: [] for consumer in consumers}


def _explanation() -> common_pb2.Explanation:
    return common_pb2.Explanation(notes=["floor: no domain work"])


def classify_answer(
    request: classification_pb2.ClassifyRequest,
) -> classification_pb2.ClassifyResponse:
    """Accept the declared code (or a fixed one): a plausible, existing classification."""
    code = hs_digits(request.declared_hs_code)[:6] or FALLBACK_HS_CODE
    return classification_pb2.ClassifyResponse(
        best=classification_pb2.HsCandidate(hs_code=code, description="floor", confidence=1.0),
        declared_code_check=classification_pb2.DeclaredCodeCheck(
            declared_hs_code=request.declared_hs_code,
            exists=True,
            plausible=True,
            confidence=1.0,
        ),
        model_version=FLOOR_REVISION,
        rules_revision=FLOOR_REVISION,
        explanation=_explanation(),
    )


def charges_answer(
    request: valuation_pb2.CalculateChargesRequest,
) -> valuation_pb2.CalculateChargesResponse:
    """Nothing due, in the currency of the first item (a valid Money needs a currency)."""
    declaration = request.declaration
    currency = declaration.items[0].intrinsic_value.currency_code if declaration.items else "EUR"
    response = valuation_pb2.CalculateChargesResponse(
        declaration_id=declaration.declaration_id,
        regime="FLOOR",
        valuation_basis="CIF",
        rules_revision=FLOOR_REVISION,
        explanation=_explanation(),
    )
    for money in (
        response.intrinsic_value,
        response.customs_value,
        response.total_collected_at_sale,
        response.total_due_at_import,
    ):
        money.currency_code = currency
    return response


def risk_answer(request: risk_pb2.AssessRiskRequest) -> risk_pb2.AssessRiskResponse:
    return risk_pb2.AssessRiskResponse(
        declaration_id=request.declaration.declaration_id,
        channel=common_pb2.CHANNEL_GREEN,
        score=0,
        rules_revision=FLOOR_REVISION,
        explanation=_explanation(),
    )


def preference_answer(
    request: origin_pb2.DecidePreferenceRequest,
) -> origin_pb2.DecidePreferenceResponse:
    """Grant the claimed agreement to every item the orchestrator sent."""
    agreement = request.declaration.origin_claim.agreement
    return origin_pb2.DecidePreferenceResponse(
        declaration_id=request.declaration.declaration_id,
        proof_valid=True,
        items=[
            origin_pb2.ItemPreference(
                line_number=item.line_number, agreement=agreement, granted=True
            )
            for item in request.items
        ],
        rules_revision=FLOOR_REVISION,
        explanation=_explanation(),
    )


class FloorClassificationServicer(classification_pb2_grpc.ClassificationServiceServicer):
    def Classify(
        self, request: classification_pb2.ClassifyRequest, context: grpc.ServicerContext
    ) -> classification_pb2.ClassifyResponse:
        return classify_answer(request)

    def ClassifyBatch(
        self, request: classification_pb2.ClassifyBatchRequest, context: grpc.ServicerContext
    ) -> classification_pb2.ClassifyBatchResponse:
        return classification_pb2.ClassifyBatchResponse(
            responses=[classify_answer(r) for r in request.requests]
        )

    def ValidateCode(
        self, request: classification_pb2.ValidateCodeRequest, context: grpc.ServicerContext
    ) -> classification_pb2.ValidateCodeResponse:
        return classification_pb2.ValidateCodeResponse(
            check=classification_pb2.DeclaredCodeCheck(
                declared_hs_code=request.hs_code, exists=True, plausible=True, confidence=1.0
            ),
            rules_revision=FLOOR_REVISION,
            explanation=_explanation(),
        )


class FloorValuationServicer(valuation_pb2_grpc.ValuationServiceServicer):
    def CalculateCharges(
        self, request: valuation_pb2.CalculateChargesRequest, context: grpc.ServicerContext
    ) -> valuation_pb2.CalculateChargesResponse:
        return charges_answer(request)

    def CalculateChargesBatch(
        self, request: valuation_pb2.CalculateChargesBatchRequest, context: grpc.ServicerContext
    ) -> valuation_pb2.CalculateChargesBatchResponse:
        return valuation_pb2.CalculateChargesBatchResponse(
            responses=[charges_answer(r) for r in request.requests]
        )

    def QuoteLandedCost(
        self, request: valuation_pb2.QuoteLandedCostRequest, context: grpc.ServicerContext
    ) -> valuation_pb2.QuoteLandedCostResponse:
        currency = request.quote_currency or "EUR"
        response = valuation_pb2.QuoteLandedCostResponse(
            regime="FLOOR", rules_revision=FLOOR_REVISION, explanation=_explanation()
        )
        for money in (response.goods_total, response.total_charges, response.landed_cost):
            money.currency_code = currency
        return response


class FloorRiskServicer(risk_pb2_grpc.RiskServiceServicer):
    def ScreenParties(
        self, request: risk_pb2.ScreenPartiesRequest, context: grpc.ServicerContext
    ) -> risk_pb2.ScreenPartiesResponse:
        return risk_pb2.ScreenPartiesResponse(threshold=request.threshold or 0.88)

    def AssessRisk(
        self, request: risk_pb2.AssessRiskRequest, context: grpc.ServicerContext
    ) -> risk_pb2.AssessRiskResponse:
        return risk_answer(request)

    def AssessRiskBatch(
        self, request: risk_pb2.AssessRiskBatchRequest, context: grpc.ServicerContext
    ) -> risk_pb2.AssessRiskBatchResponse:
        return risk_pb2.AssessRiskBatchResponse(
            responses=[risk_answer(r) for r in request.requests]
        )


class FloorOriginServicer(origin_pb2_grpc.OriginServiceServicer):
    def CheckProof(
        self, request: origin_pb2.CheckProofRequest, context: grpc.ServicerContext
    ) -> origin_pb2.CheckProofResponse:
        return origin_pb2.CheckProofResponse(
            valid=True, rules_revision=FLOOR_REVISION, explanation=_explanation()
        )

    def EvaluateProductRule(
        self, request: origin_pb2.EvaluateProductRuleRequest, context: grpc.ServicerContext
    ) -> origin_pb2.EvaluateProductRuleResponse:
        return origin_pb2.EvaluateProductRuleResponse(
            satisfied=True, rules_revision=FLOOR_REVISION, explanation=_explanation()
        )

    def DecidePreference(
        self, request: origin_pb2.DecidePreferenceRequest, context: grpc.ServicerContext
    ) -> origin_pb2.DecidePreferenceResponse:
        return preference_answer(request)

    def DecidePreferenceBatch(
        self, request: origin_pb2.DecidePreferenceBatchRequest, context: grpc.ServicerContext
    ) -> origin_pb2.DecidePreferenceBatchResponse:
        return origin_pb2.DecidePreferenceBatchResponse(
            responses=[preference_answer(r) for r in request.requests]
        )


class _FloorService(ClearwayService[None]):
    """A domain service with nothing to load."""

    def build_domain(self) -> None:
        return None


class FloorClassificationService(_FloorService):
    name = "classification"

    def register(self, server: grpc.Server) -> tuple[str, ...]:
        classification_pb2_grpc.add_ClassificationServiceServicer_to_server(
            FloorClassificationServicer(), server
        )
        return (classification_pb2.DESCRIPTOR.services_by_name["ClassificationService"].full_name,)


class FloorValuationService(_FloorService):
    name = "valuation"

    def register(self, server: grpc.Server) -> tuple[str, ...]:
        valuation_pb2_grpc.add_ValuationServiceServicer_to_server(FloorValuationServicer(), server)
        return (valuation_pb2.DESCRIPTOR.services_by_name["ValuationService"].full_name,)


class FloorRiskService(_FloorService):
    name = "risk"

    def register(self, server: grpc.Server) -> tuple[str, ...]:
        risk_pb2_grpc.add_RiskServiceServicer_to_server(FloorRiskServicer(), server)
        return (risk_pb2.DESCRIPTOR.services_by_name["RiskService"].full_name,)


class FloorOriginService(_FloorService):
    name = "origin"

    def register(self, server: grpc.Server) -> tuple[str, ...]:
        origin_pb2_grpc.add_OriginServiceServicer_to_server(FloorOriginServicer(), server)
        return (origin_pb2.DESCRIPTOR.services_by_name["OriginService"].full_name,)


class FloorClearanceServicer(clearance_pb2_grpc.ClearanceServiceServicer):
    """The orchestrator's hops and messages, nothing else: per chunk one ClassifyBatch, one
    DecidePreferenceBatch for the claims, CalculateChargesBatch ∥ AssessRiskBatch, then a
    fixed decision per declaration; nothing validated, decided or stored."""

    def __init__(self, service: FloorClearanceService) -> None:
        self.service = service
        self.authenticator = PartnerAuthenticator(service.settings)

    def _clear(
        self, partner_id: str, declarations: Sequence[common_pb2.Declaration]
    ) -> list[clearance_pb2.Decision]:
        clients = self.service.domain
        timeout = self.service.settings.call_timeout_seconds + 0.005 * len(declarations)
        classified = clients.classification.ClassifyBatch(
            classification_pb2.ClassifyBatchRequest(
                requests=[
                    classification_pb2.ClassifyRequest(
                        description=item.description,
                        category_path=item.category_path,
                        material=item.material,
                        brand=item.brand,
                        declared_hs_code=item.declared_hs_code,
                        destination_country=d.destination_country,
                    )
                    for d in declarations
                    for item in d.items
                ]
            ),
            timeout=timeout,
        )
        answers = iter(classified.responses)
        contexts = [
            [
                common_pb2.ItemTariffContext(
                    line_number=item.line_number, hs_code=next(answers).best.hs_code
                )
                for item in d.items
            ]
            for d in declarations
        ]
        claims = [
            origin_pb2.DecidePreferenceRequest(declaration=d, items=c)
            for d, c in zip(declarations, contexts, strict=True)
            if d.HasField("origin_claim")
        ]
        if claims:
            clients.origin.DecidePreferenceBatch(
                origin_pb2.DecidePreferenceBatchRequest(requests=claims), timeout=timeout
            )
        valuation = clients.valuation.CalculateChargesBatch.future(
            valuation_pb2.CalculateChargesBatchRequest(
                requests=[
                    valuation_pb2.CalculateChargesRequest(declaration=d, items=c)
                    for d, c in zip(declarations, contexts, strict=True)
                ]
            ),
            timeout=timeout,
        )
        risk = clients.risk.AssessRiskBatch.future(
            risk_pb2.AssessRiskBatchRequest(
                requests=[
                    risk_pb2.AssessRiskRequest(declaration=d, items=c, partner_id=partner_id)
                    for d, c in zip(declarations, contexts, strict=True)
                ]
            ),
            timeout=timeout,
        )
        charges, risks = valuation.result(), risk.result()
        return [
            clearance_pb2.Decision(
                declaration_id=d.declaration_id,
                outcome=clearance_pb2.OUTCOME_RELEASE,
                items=c,
                regime=charge.regime,
                total_due_at_import=charge.total_due_at_import,
                risk_channel=assessment.channel,
                rules_revision=FLOOR_REVISION,
            )
            for d, c, charge, assessment in zip(
                declarations, contexts, charges.responses, risks.responses, strict=True
            )
        ]

    def SubmitDeclaration(
        self, request: clearance_pb2.SubmitDeclarationRequest, context: grpc.ServicerContext
    ) -> clearance_pb2.SubmitDeclarationResponse:
        (decision,) = self._clear(self.authenticator.partner_of(context), [request.declaration])
        return clearance_pb2.SubmitDeclarationResponse(decision=decision)

    def SubmitManifest(
        self,
        request_iterator: Iterator[clearance_pb2.SubmitManifestRequest],
        context: grpc.ServicerContext,
    ) -> Iterator[clearance_pb2.SubmitManifestResponse]:
        partner_id = self.authenticator.partner_of(context)
        for chunk in request_iterator:
            yield clearance_pb2.SubmitManifestResponse(
                results=[
                    clearance_pb2.ManifestResult(
                        declaration_id=decision.declaration_id, decision=decision
                    )
                    for decision in self._clear(partner_id, chunk.declarations)
                ]
            )


class FloorClearanceService(ClearwayService[ServiceClients]):
    """The floor orchestrator: channels to the four services and nothing else."""

    name = "clearance"

    def register(self, server: grpc.Server) -> tuple[str, ...]:
        clearance_pb2_grpc.add_ClearanceServiceServicer_to_server(
            FloorClearanceServicer(self), server
        )
        return (clearance_pb2.DESCRIPTOR.services_by_name["ClearanceService"].full_name,)

    def build_domain(self) -> ServiceClients:
        return ServiceClients.connect(self.settings, self.telemetry)

    def close(self) -> None:
        if self._domain is not None:
            self._domain.close()


class FloorFlowOrchestratorService(OrchestratorService):
    """The real orchestrator (flow, clearance pack) over a store that keeps nothing: run
    against the floor's services it isolates the orchestrator's own per-parcel work."""

    def build_domain(self) -> ClearanceFlow:
        flow = super().build_domain()
        flow.store.close()
        flow.store = NullStore()
        return flow


FLOOR_SERVICES: dict[str, type[ClearwayService[Any]]] = {
    "classification": FloorClassificationService,
    "valuation": FloorValuationService,
    "risk": FloorRiskService,
    "origin": FloorOriginService,
    "clearance": FloorClearanceService,
}


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2 or argv[1] not in FLOOR_SERVICES:
        print(f"usage: python -m clearway.benchmark.floor {{{','.join(FLOOR_SERVICES)}}}")
        return 2
    serve(FLOOR_SERVICES[argv[1]], Settings.from_env())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
