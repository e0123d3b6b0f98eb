"""ClearanceService: what partners call. Thin: proto in, ClearanceFlow, proto out."""

from __future__ import annotations

import contextvars
import functools
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC

import grpc

from clearway.orchestrator.clients import ServiceClients
from clearway.orchestrator.flow import ClearanceFlow, ClearanceResult, declaration_not_found
from clearway.rules import RulesEngine
from clearway.runtime.auth import DEFAULT_PARTNER, PARTNER_HEADER, PartnerAuthenticator
from clearway.runtime.errors import FieldViolations, InvalidArgument
from clearway.runtime.server import ClearwayService
from clearway.store import open_store
from clearway.store.base import decode_page_token
from clearway.v1 import clearance_pb2, clearance_pb2_grpc, common_pb2

__all__ = ["DEFAULT_PARTNER", "PARTNER_HEADER", "ClearanceServicer", "OrchestratorService"]

MAX_CHUNK = 1000


class ClearanceServicer(clearance_pb2_grpc.ClearanceServiceServicer):
    def __init__(self, service: OrchestratorService, authenticator: PartnerAuthenticator) -> None:
        self.service = service
        self.authenticator = authenticator

    def partner_of(self, context: grpc.ServicerContext) -> str:
        """The authenticated caller; every stored declaration and every query is scoped to it."""
        return self.authenticator.partner_of(context)

    def SubmitDeclaration(
        self, request: clearance_pb2.SubmitDeclarationRequest, context: grpc.ServicerContext
    ) -> clearance_pb2.SubmitDeclarationResponse:
        (result,) = self.service.domain.clear(self.partner_of(context), [request.declaration])
        if result.error is not None:
            raise result.error
        return clearance_pb2.SubmitDeclarationResponse(
            decision=result.decision, replayed=result.replayed
        )

    def SubmitManifest(
        self,
        request_iterator: Iterator[clearance_pb2.SubmitManifestRequest],
        context: grpc.ServicerContext,
    ) -> Iterator[clearance_pb2.SubmitManifestResponse]:
        """Chunks in, their results out in order, up to CLEARWAY_PIPELINE_DEPTH chunks in flight.

        One chunk walks through the services one after the other (classification, then
        valuation and risk), so with one chunk at a time each service idles while the others
        work; a few chunks in flight overlap them. A chunk is read only once one of those slots
        is free (a chunk is in flight from its read until its results are sent), so the
        partner's stream is read only as fast as we answer.
        """
        partner = self.partner_of(context)
        flow = self.service.domain
        slots = threading.Semaphore(self.service.settings.pipeline_depth)
        in_flight: queue.SimpleQueue[Future[list[ClearanceResult]] | None] = queue.SimpleQueue()
        stop = threading.Event()

        def take_slot() -> bool:
            while not stop.is_set():
                if slots.acquire(timeout=0.2):
                    return True
            return False

        def read() -> None:
            try:
                while take_slot():
                    chunk = next(request_iterator, None)
                    if chunk is None:
                        return
                    _check_chunk(chunk)
                    in_flight.put(
                        self.service.chunks.submit(
                            contextvars.copy_context().run,
                            flow.clear,
                            partner,
                            chunk.declarations,
                        )
                    )
            except Exception as error:  # noqa: BLE001  (raised in order by the handler)
                failed: Future[list[ClearanceResult]] = Future()
                failed.set_exception(error)
                in_flight.put(failed)
            finally:
                in_flight.put(None)

        reader = threading.Thread(
            target=contextvars.copy_context().run, args=(read,), name="manifest-reader"
        )
        reader.start()
        try:
            while (results := in_flight.get()) is not None:
                answer = clearance_pb2.SubmitManifestResponse()
                for result in results.result():
                    _add_manifest_result(answer, result)
                yield answer
                slots.release()
        finally:
            stop.set()

    def GetDecision(
        self, request: clearance_pb2.GetDecisionRequest, context: grpc.ServicerContext
    ) -> clearance_pb2.GetDecisionResponse:
        _require_id(request.declaration_id)
        stored = self.service.domain.store.get(self.partner_of(context), request.declaration_id)
        if stored is None:
            raise declaration_not_found(request.declaration_id)
        return clearance_pb2.GetDecisionResponse(
            decision=clearance_pb2.Decision.FromString(stored.decision),
            declaration=common_pb2.Declaration.FromString(stored.payload),
        )

    def ListDecisions(
        self, request: clearance_pb2.ListDecisionsRequest, context: grpc.ServicerContext
    ) -> clearance_pb2.ListDecisionsResponse:
        violations = FieldViolations()
        if not 0 <= request.page_size <= 1000:
            violations.add("page_size", "must be between 0 and 1000")
        if request.page_token:
            try:
                decode_page_token(request.page_token)
            except ValueError as error:
                violations.add("page_token", str(error))
        known = set(clearance_pb2.Outcome.values()) - {clearance_pb2.OUTCOME_UNSPECIFIED}
        for index, outcome in enumerate(request.outcomes):
            if outcome not in known:
                violations.add(f"outcomes[{index}]", f"{outcome} is not an outcome to filter on")
        violations.raise_if_any()
        page = self.service.domain.store.list(
            self.partner_of(context),
            decided_after=request.decided_after.ToDatetime(tzinfo=UTC)
            if request.HasField("decided_after")
            else None,
            decided_before=request.decided_before.ToDatetime(tzinfo=UTC)
            if request.HasField("decided_before")
            else None,
            outcomes=[
                clearance_pb2.Outcome.Name(o).removeprefix("OUTCOME_") for o in request.outcomes
            ],
            page_size=request.page_size or 100,
            page_token=request.page_token,
        )
        return clearance_pb2.ListDecisionsResponse(
            decisions=[clearance_pb2.Decision.FromString(d.decision) for d in page.decisions],
            next_page_token=page.next_token,
        )

    def AmendDeclaration(
        self, request: clearance_pb2.AmendDeclarationRequest, context: grpc.ServicerContext
    ) -> clearance_pb2.AmendDeclarationResponse:
        decision, revision = self.service.domain.amend(
            self.partner_of(context), request.declaration, _reason(request.reason)
        )
        return clearance_pb2.AmendDeclarationResponse(decision=decision, revision=revision)

    def CancelDeclaration(
        self, request: clearance_pb2.CancelDeclarationRequest, context: grpc.ServicerContext
    ) -> clearance_pb2.CancelDeclarationResponse:
        _require_id(request.declaration_id)
        decision, revision = self.service.domain.cancel(
            self.partner_of(context), request.declaration_id, _reason(request.reason)
        )
        return clearance_pb2.CancelDeclarationResponse(decision=decision, revision=revision)

    def ReevaluateHeld(
        self, request: clearance_pb2.ReevaluateHeldRequest, context: grpc.ServicerContext
    ) -> clearance_pb2.ReevaluateHeldResponse:
        if not 0 <= request.limit <= MAX_CHUNK:
            raise InvalidArgument(
                "limit is out of range",
                violations=FieldViolations.single("limit", f"must be between 0 and {MAX_CHUNK}"),
            )
        results = self.service.domain.reevaluate_held(
            self.partner_of(context), request.limit or MAX_CHUNK
        )
        decisions = [r.decision for r in results if r.decision is not None]
        return clearance_pb2.ReevaluateHeldResponse(
            decisions=decisions,
            still_held=sum(
                1 for d in decisions if d.outcome == clearance_pb2.OUTCOME_HOLD_PENDING_CHECKS
            ),
        )

    def GetDecisionHistory(
        self, request: clearance_pb2.GetDecisionHistoryRequest, context: grpc.ServicerContext
    ) -> clearance_pb2.GetDecisionHistoryResponse:
        _require_id(request.declaration_id)
        versions = self.service.domain.store.history(
            self.partner_of(context), request.declaration_id
        )
        if not versions:
            raise declaration_not_found(request.declaration_id)
        return clearance_pb2.GetDecisionHistoryResponse(
            versions=[
                clearance_pb2.DecisionVersion(
                    revision=v.revision,
                    kind=v.kind,
                    reason=v.reason,
                    decision=clearance_pb2.Decision.FromString(v.decision),
                    declaration=common_pb2.Declaration.FromString(v.payload),
                )
                for v in versions
            ]
        )


MAX_REASON = 500


def _reason(text: str) -> str:
    if len(text) > MAX_REASON:
        raise InvalidArgument(
            "reason is too long",
            violations=FieldViolations.single("reason", f"at most {MAX_REASON} characters"),
        )
    return text.strip()


def _require_id(declaration_id: str) -> None:
    if not declaration_id:
        raise InvalidArgument(
            "declaration_id is required",
            violations=FieldViolations.single("declaration_id", "is required"),
        )


def _check_chunk(chunk: clearance_pb2.SubmitManifestRequest) -> None:
    if len(chunk.declarations) > MAX_CHUNK:
        raise InvalidArgument(
            f"a chunk holds at most {MAX_CHUNK} declarations",
            violations=FieldViolations.single("declarations", f"at most {MAX_CHUNK} per message"),
        )


def _add_manifest_result(
    answer: clearance_pb2.SubmitManifestResponse, result: ClearanceResult
) -> None:
    """Filled in place: a decision is copied once, into the response."""
    added = answer.results.add(declaration_id=result.declaration_id)
    if result.error is not None:
        added.error.CopyFrom(result.error.to_status())
    elif result.decision is not None:
        added.decision.CopyFrom(result.decision)
        added.replayed = result.replayed


class OrchestratorService(ClearwayService[ClearanceFlow]):
    """The clearance orchestrator process: clients to the four services, the store, the pack."""

    name = "clearance"

    def register(self, server: grpc.Server) -> tuple[str, ...]:
        servicer = ClearanceServicer(self, PartnerAuthenticator(self.settings))
        clearance_pb2_grpc.add_ClearanceServiceServicer_to_server(servicer, server)
        return (clearance_pb2.DESCRIPTOR.services_by_name["ClearanceService"].full_name,)

    @functools.cached_property
    def chunks(self) -> ThreadPoolExecutor:
        """Threads deciding the chunks of manifest streams (as many as the server's)."""
        return ThreadPoolExecutor(self.settings.max_workers, thread_name_prefix="clearance-chunk")

    def build_domain(self) -> ClearanceFlow:
        return ClearanceFlow(
            clients=ServiceClients.connect(self.settings, self.telemetry),
            store=open_store(self.settings.database_url),
            engine=RulesEngine(
                self.settings.rules_dir, reload_interval=self.settings.rules_reload_seconds
            ),
            call_timeout=self.settings.call_timeout_seconds,
            parallel_calls=self.settings.max_workers,
        )

    def close(self) -> None:
        if "chunks" in self.__dict__:
            self.chunks.shutdown(wait=True)
        if self._domain is not None:
            self._domain.close()
            self._domain.clients.close()
            self._domain.store.close()
            self._domain.engine.close()
