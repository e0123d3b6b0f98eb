"""A service killed, slow past its deadline, or answering errors in the middle of a stream.

Each domain service is reached through a `Front`: a light gRPC server registered under the
service's real name that forwards to the real service, or sleeps past the orchestrator's
deadline, or answers INTERNAL, or is stopped (killed) and started again on the same port.
A manifest stream runs three chunks: healthy, faulty, healthy again. The faulty chunk's
parcels are held with the reason and none is released; the stream goes on; once the
service is back, ReevaluateHeld clears them.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures

import grpc
import pytest
from process_suite import examples

from clearway.cli import _service_class
from clearway.runtime.server import ServiceHost
from clearway.v1 import clearance_pb2, clearance_pb2_grpc

DOMAIN_SERVICES = ("classification", "valuation", "risk", "origin")
FULL_NAMES = {name: f"clearway.v1.{name.capitalize()}Service" for name in DOMAIN_SERVICES}
METHODS = {
    "classification": ("Classify", "ClassifyBatch", "ValidateCode"),
    "valuation": ("CalculateCharges", "CalculateChargesBatch", "QuoteLandedCost"),
    "risk": ("ScreenParties", "AssessRisk", "AssessRiskBatch"),
    "origin": ("CheckProof", "EvaluateProductRule", "DecidePreference", "DecidePreferenceBatch"),
}
CALL_TIMEOUT = 1.0
ServiceStarter = Callable[..., tuple[ServiceHost, grpc.Channel]]


class Front:
    """Stands in front of one real service: forwards, sleeps, fails, or is down."""

    def __init__(self, name: str, backend: str) -> None:
        self.name = name
        self.mode = "forward"
        self.backend = grpc.insecure_channel(backend)
        self.port = 0
        self.server: grpc.Server | None = None
        self.start()

    def _handler(self, method: str) -> grpc.RpcMethodHandler:
        forward = self.backend.unary_unary(f"/{FULL_NAMES[self.name]}/{method}")

        def answer(request: bytes, context: grpc.ServicerContext) -> bytes:
            if self.mode == "slow":
                time.sleep(CALL_TIMEOUT * 3)
            elif self.mode == "error":
                context.abort(grpc.StatusCode.INTERNAL, "injected fault")
            reply: bytes = forward(request, timeout=context.time_remaining())
            return reply

        return grpc.unary_unary_rpc_method_handler(answer)

    def start(self) -> None:
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        self.server.add_generic_rpc_handlers(
            (
                grpc.method_handlers_generic_handler(
                    FULL_NAMES[self.name], {m: self._handler(m) for m in METHODS[self.name]}
                ),
            )
        )
        self.port = self.server.add_insecure_port(f"127.0.0.1:{self.port}")
        self.server.start()

    def kill(self) -> None:
        assert self.server is not None
        self.server.stop(0).wait()

    def close(self) -> None:
        if self.server is not None:
            self.server.stop(0).wait()
        self.backend.close()


@dataclasses.dataclass
class FaultySuite:
    fronts: dict[str, Front]
    stub: clearance_pb2_grpc.ClearanceServiceStub


@pytest.fixture(scope="module")
def faulty_suite(
    start_module_service: ServiceStarter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FaultySuite]:
    fronts: dict[str, Front] = {}
    for name in DOMAIN_SERVICES:
        host, _ = start_module_service(_service_class(name))
        fronts[name] = Front(name, f"127.0.0.1:{host.port}")
    database = tmp_path_factory.mktemp("faults") / "clearway.db"
    _, channel = start_module_service(
        _service_class("clearance"),
        targets={name: f"127.0.0.1:{front.port}" for name, front in fronts.items()},
        database_url=f"sqlite:///{database}",
        call_timeout_seconds=CALL_TIMEOUT,
    )
    yield FaultySuite(fronts, clearance_pb2_grpc.ClearanceServiceStub(channel))
    for front in fronts.values():
        front.close()


FAULTS = [("risk", "slow"), ("valuation", "error"), ("classification", "killed")]


@pytest.mark.parametrize(("service", "fault"), FAULTS)
def test_a_fault_mid_stream_holds_the_parcels_and_reevaluation_clears_them(
    faulty_suite: FaultySuite, service: str, fault: str
) -> None:
    front = faulty_suite.fronts[service]
    partner = [("x-clearway-partner", f"faults-{service}-{fault}")]
    every = examples()
    chunks = [every[0:8], every[8:16], every[16:24]]
    answered: queue.Queue[clearance_pb2.SubmitManifestResponse] = queue.Queue()
    ready = threading.Event()

    def fault_on() -> None:
        if fault == "killed":
            front.kill()
        else:
            front.mode = fault

    def fault_off() -> None:
        if fault == "killed":
            front.start()
        else:
            front.mode = "forward"

    def requests() -> Iterator[clearance_pb2.SubmitManifestRequest]:
        """One chunk at a time; the fault starts after the first answer and ends after the
        second, so exactly the middle chunk meets it."""
        for index, chunk in enumerate(chunks):
            if index:
                ready.wait(timeout=60)
                ready.clear()
                (fault_on if index == 1 else fault_off)()
            yield clearance_pb2.SubmitManifestRequest(declarations=chunk)

    try:
        for response in faulty_suite.stub.SubmitManifest(requests(), metadata=partner, timeout=120):
            answered.put(response)
            ready.set()
    finally:
        front.mode = "forward"
    responses = [answered.get_nowait() for _ in range(answered.qsize())]
    assert len(responses) == 3, "the stream went on past the fault"
    before, held, after = (list(response.results) for response in responses)
    assert all(r.decision.outcome != clearance_pb2.OUTCOME_HOLD_PENDING_CHECKS for r in before), (
        "parcels before the fault are decided normally"
    )
    if fault != "killed":
        assert all(
            r.decision.outcome != clearance_pb2.OUTCOME_HOLD_PENDING_CHECKS for r in after
        ), "parcels after the fault are decided normally"
    # A killed service's restart is seen after the channel's reconnect backoff (<= 2 s):
    # parcels sent just after it may still be held, with the reason, never released.
    held.extend(r for r in after if r.decision.outcome == clearance_pb2.OUTCOME_HOLD_PENDING_CHECKS)
    assert len(held) >= len(chunks[1])
    for result in held:
        decision = result.decision
        assert decision.outcome == clearance_pb2.OUTCOME_HOLD_PENDING_CHECKS, (
            f"{result.declaration_id} must not be released unchecked: {decision.outcome}"
        )
        assert any(
            r.source == service and r.code == "SERVICE_UNAVAILABLE" for r in decision.reasons
        ), decision.reasons
    if fault == "killed":
        time.sleep(2.5)  # past the channel's maximum reconnect backoff
    cleared = faulty_suite.stub.ReevaluateHeld(
        clearance_pb2.ReevaluateHeldRequest(), metadata=partner, timeout=60
    )
    assert {d.declaration_id for d in cleared.decisions} == {r.declaration_id for r in held}
    assert cleared.still_held == 0
    assert all(d.outcome != clearance_pb2.OUTCOME_HOLD_PENDING_CHECKS for d in cleared.decisions)
