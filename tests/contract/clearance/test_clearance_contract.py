"""ClearanceService through its generated stub, against the four real services on loopback."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import json_format
from google.type import money_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from clearway.cli import SERVICE_CLASSES, _service_class
from clearway.cli import main as clearway_main
from clearway.orchestrator.service import PARTNER_HEADER
from clearway.reporting.reader import DecisionReader
from clearway.runtime.errors import status_of
from clearway.runtime.server import ServiceHost
from clearway.store import open_store
from clearway.v1 import clearance_pb2, clearance_pb2_grpc, common_pb2

MANIFEST = Path(__file__).resolve().parents[3] / "examples" / "manifest.jsonl"
DOMAIN_SERVICES = ("classification", "valuation", "risk", "origin")
ServiceStarter = Callable[..., tuple[ServiceHost, grpc.Channel]]


def example(index: int) -> common_pb2.Declaration:
    """A declaration of the example manifest (0-based line index)."""
    line = MANIFEST.read_text().splitlines()[index]
    return json_format.Parse(line, common_pb2.Declaration())


@dataclasses.dataclass
class Suite:
    hosts: dict[str, ServiceHost]
    orchestrator: grpc.Channel
    restart: Callable[[str], None]
    stub: clearance_pb2_grpc.ClearanceServiceStub
    address: str
    database_url: str


class _AsPartner(grpc.UnaryUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Sends every call as one partner, so the tests sharing a suite do not see each other."""

    def __init__(self, partner: str) -> None:
        self.partner = partner

    def _with_partner(self, details: Any) -> Any:
        metadata = list(details.metadata or [])
        if not any(key == PARTNER_HEADER for key, _ in metadata):
            metadata.append((PARTNER_HEADER, self.partner))
        return details._replace(metadata=metadata)

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._with_partner(details), request)

    def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._with_partner(details), requests)


@pytest.fixture(scope="module")
def running_suite(
    start_module_service: ServiceStarter, tmp_path_factory: pytest.TempPathFactory
) -> Suite:
    """The four domain services and the orchestrator, started once for this module."""
    hosts: dict[str, ServiceHost] = {}
    for name in DOMAIN_SERVICES:
        hosts[name], _ = start_module_service(_service_class(name))
    targets = {name: f"127.0.0.1:{host.port}" for name, host in hosts.items()}
    database_url = f"sqlite:///{tmp_path_factory.mktemp('clearance') / 'clearance.db'}"
    orchestrator, channel = start_module_service(
        _service_class("clearance"),
        targets=targets,
        database_url=database_url,
        call_timeout_seconds=10.0,
    )

    def restart(name: str) -> None:
        port = hosts[name].port
        hosts[name], _ = start_module_service(_service_class(name), port=port)

    return Suite(
        hosts,
        channel,
        restart,
        clearance_pb2_grpc.ClearanceServiceStub(channel),
        f"127.0.0.1:{orchestrator.port}",
        database_url,
    )


@pytest.fixture
def suite(running_suite: Suite, request: pytest.FixtureRequest) -> Iterator[Suite]:
    """The shared suite seen as a partner of this test's own, and whole again afterwards."""
    channel = grpc.intercept_channel(running_suite.orchestrator, _AsPartner(request.node.name))
    yield dataclasses.replace(running_suite, stub=clearance_pb2_grpc.ClearanceServiceStub(channel))
    for name, host in running_suite.hosts.items():
        if host.stopped:
            running_suite.restart(name)


def test_every_service_is_registered_for_the_cli() -> None:
    assert set(SERVICE_CLASSES) == {*DOMAIN_SERVICES, "clearance"}


def test_health_is_serving(suite: Suite) -> None:
    answer = health_pb2_grpc.HealthStub(suite.orchestrator).Check(health_pb2.HealthCheckRequest())
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_submit_decides_stores_and_replays(suite: Suite) -> None:
    declaration = example(0)
    first = suite.stub.SubmitDeclaration(
        clearance_pb2.SubmitDeclarationRequest(declaration=declaration)
    )
    decision = first.decision
    assert not first.replayed
    assert decision.declaration_id == declaration.declaration_id
    assert decision.outcome != clearance_pb2.OUTCOME_UNSPECIFIED
    assert set(decision.rules_revisions) >= {"classification", "valuation", "risk", "clearance"}
    assert decision.explanation.fired_rules, "the decision names the clearance rules that fired"
    assert len(decision.items) == len(declaration.items)
    again = suite.stub.SubmitDeclaration(
        clearance_pb2.SubmitDeclarationRequest(declaration=declaration)
    )
    assert again.replayed and again.decision == decision
    stored = suite.stub.GetDecision(
        clearance_pb2.GetDecisionRequest(declaration_id=declaration.declaration_id)
    )
    assert stored.decision == decision and stored.declaration == declaration


def test_a_changed_payload_under_a_used_id_is_already_exists(suite: Suite) -> None:
    declaration = example(1)
    suite.stub.SubmitDeclaration(clearance_pb2.SubmitDeclarationRequest(declaration=declaration))
    declaration.items[0].quantity += 1
    declaration.destination_country = "AT"
    with pytest.raises(grpc.RpcError) as raised:
        suite.stub.SubmitDeclaration(
            clearance_pb2.SubmitDeclarationRequest(declaration=declaration)
        )
    assert raised.value.code() == grpc.StatusCode.ALREADY_EXISTS
    info, _ = status_of(raised.value)
    assert info is not None and info.reason == "DECLARATION_ID_REUSED"
    assert info.metadata["differences"].split(",") == [
        "declaration.destination_country",
        "declaration.items[0].quantity",
    ]


def test_bad_declaration_is_invalid_argument_naming_every_field(suite: Suite) -> None:
    declaration = example(2)
    declaration.items[0].intrinsic_value.currency_code = "EURO"
    declaration.items[0].quantity = 0
    declaration.dispatch_country = "XX"
    with pytest.raises(grpc.RpcError) as raised:
        suite.stub.SubmitDeclaration(
            clearance_pb2.SubmitDeclarationRequest(declaration=declaration)
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info, violations = status_of(raised.value)
    assert info is not None and info.domain == "clearway.dev"
    assert {v.field for v in violations} == {
        "declaration.items[0].intrinsic_value.currency_code",
        "declaration.items[0].quantity",
        "declaration.dispatch_country",
    }
    with pytest.raises(grpc.RpcError) as missing:
        suite.stub.GetDecision(
            clearance_pb2.GetDecisionRequest(declaration_id=declaration.declaration_id)
        )
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND, "nothing was stored"


def test_manifest_stream_answers_every_declaration_in_order(suite: Suite) -> None:
    declarations = [example(i) for i in range(12)]
    bad = common_pb2.Declaration(declaration_id="BROKEN-1")
    chunks = [
        clearance_pb2.SubmitManifestRequest(declarations=declarations[:5]),
        clearance_pb2.SubmitManifestRequest(declarations=[*declarations[5:], bad]),
    ]
    responses = list(suite.stub.SubmitManifest(iter(chunks)))
    assert [len(r.results) for r in responses] == [5, 8]
    results = [result for response in responses for result in response.results]
    assert [r.declaration_id for r in results] == [d.declaration_id for d in declarations] + [
        "BROKEN-1"
    ]
    assert all(r.HasField("decision") for r in results[:-1])
    assert results[-1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]


def test_list_pages_through_the_partners_decisions(suite: Suite) -> None:
    declarations = [example(i) for i in range(7)]
    list(
        suite.stub.SubmitManifest(
            iter([clearance_pb2.SubmitManifestRequest(declarations=declarations)])
        )
    )
    seen: list[str] = []
    token = ""
    while True:
        page = suite.stub.ListDecisions(
            clearance_pb2.ListDecisionsRequest(page_size=3, page_token=token)
        )
        seen.extend(d.declaration_id for d in page.decisions)
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(d.declaration_id for d in declarations)
    other = suite.stub.ListDecisions(
        clearance_pb2.ListDecisionsRequest(), metadata=[("x-clearway-partner", "someone-else")]
    )
    assert list(other.decisions) == [], "a partner sees only its own declarations"
    with pytest.raises(grpc.RpcError) as raised:
        suite.stub.ListDecisions(
            clearance_pb2.ListDecisionsRequest(page_size=5000, page_token="%%")
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in status_of(raised.value)[1]} == {"page_size", "page_token"}


def test_a_service_down_holds_the_parcel_and_a_resubmission_clears_it(suite: Suite) -> None:
    declaration = example(3)
    suite.hosts["risk"].stop(grace=0)
    held = suite.stub.SubmitDeclaration(
        clearance_pb2.SubmitDeclarationRequest(declaration=declaration)
    )
    assert held.decision.outcome == clearance_pb2.OUTCOME_HOLD_PENDING_CHECKS
    assert any(
        r.source == "risk" and r.code == "SERVICE_UNAVAILABLE" for r in held.decision.reasons
    )
    suite.restart("risk")
    cleared = suite.stub.SubmitDeclaration(
        clearance_pb2.SubmitDeclarationRequest(declaration=declaration)
    )
    assert cleared.decision.outcome != clearance_pb2.OUTCOME_HOLD_PENDING_CHECKS
    assert not cleared.replayed


def test_amend_decides_again_and_keeps_the_history(suite: Suite) -> None:
    declaration = example(4)
    first = suite.stub.SubmitDeclaration(
        clearance_pb2.SubmitDeclarationRequest(declaration=declaration)
    ).decision
    declaration.items[0].description = "ceramic coffee mug 350ml"
    amended = suite.stub.AmendDeclaration(
        clearance_pb2.AmendDeclarationRequest(declaration=declaration, reason="wrong goods text")
    )
    assert amended.revision == 2
    assert amended.decision.items[0].hs_code != first.items[0].hs_code or amended.decision != first
    history = suite.stub.GetDecisionHistory(
        clearance_pb2.GetDecisionHistoryRequest(declaration_id=declaration.declaration_id)
    )
    assert [(v.revision, v.kind, v.reason) for v in history.versions] == [
        (1, "submitted", ""),
        (2, "amended", "wrong goods text"),
    ]
    assert history.versions[1].declaration == declaration
    with pytest.raises(grpc.RpcError) as missing:
        suite.stub.AmendDeclaration(clearance_pb2.AmendDeclarationRequest(declaration=example(40)))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


def test_cancel_only_before_release_and_idempotently(suite: Suite) -> None:
    results = {}
    for index in range(12):
        declaration = example(index)
        results[declaration.declaration_id] = suite.stub.SubmitDeclaration(
            clearance_pb2.SubmitDeclarationRequest(declaration=declaration)
        ).decision.outcome
    released = next(i for i, o in results.items() if o == clearance_pb2.OUTCOME_RELEASE)
    cancellable = next(i for i, o in results.items() if o != clearance_pb2.OUTCOME_RELEASE)
    with pytest.raises(grpc.RpcError) as refused:
        suite.stub.CancelDeclaration(
            clearance_pb2.CancelDeclarationRequest(declaration_id=released)
        )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    info, _ = status_of(refused.value)
    assert info is not None and info.reason == "DECLARATION_NOT_CANCELLABLE"
    cancelled = suite.stub.CancelDeclaration(
        clearance_pb2.CancelDeclarationRequest(declaration_id=cancellable, reason="returned")
    )
    assert cancelled.decision.outcome == clearance_pb2.OUTCOME_CANCELLED
    again = suite.stub.CancelDeclaration(
        clearance_pb2.CancelDeclarationRequest(declaration_id=cancellable)
    )
    assert again.revision == cancelled.revision
    with pytest.raises(grpc.RpcError) as bad:
        suite.stub.CancelDeclaration(clearance_pb2.CancelDeclarationRequest(reason="x" * 501))
    assert {v.field for v in status_of(bad.value)[1]} == {"declaration_id"}


def test_reevaluate_held_clears_parcels_once_the_service_is_back(suite: Suite) -> None:
    suite.hosts["valuation"].stop(grace=0)
    declarations = [example(i) for i in range(5, 9)]
    held = list(
        suite.stub.SubmitManifest(
            iter([clearance_pb2.SubmitManifestRequest(declarations=declarations)])
        )
    )
    assert all(
        r.decision.outcome == clearance_pb2.OUTCOME_HOLD_PENDING_CHECKS for r in held[0].results
    ), "a parcel whose duty was not assessed is never released"
    suite.restart("valuation")
    answer = suite.stub.ReevaluateHeld(clearance_pb2.ReevaluateHeldRequest())
    assert len(answer.decisions) == len(declarations) and answer.still_held == 0
    with pytest.raises(grpc.RpcError) as bad:
        suite.stub.ReevaluateHeld(clearance_pb2.ReevaluateHeldRequest(limit=-1))
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_reevaluate_command_re_decides_the_partners_held_parcels(
    suite: Suite, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    suite.hosts["risk"].stop(grace=0)
    declarations = [example(i) for i in range(9, 12)]
    held = list(
        suite.stub.SubmitManifest(
            iter([clearance_pb2.SubmitManifestRequest(declarations=declarations)])
        )
    )
    assert {r.decision.outcome for r in held[0].results} == {
        clearance_pb2.OUTCOME_HOLD_PENDING_CHECKS
    }
    suite.restart("risk")
    command = ["reevaluate", "--target", suite.address, "--partner", request.node.name]
    assert clearway_main(command) == 0
    printed = capsys.readouterr().out
    assert "3 held parcels re-evaluated, 0 still held" in printed
    for declaration in declarations:
        stored = suite.stub.GetDecision(
            clearance_pb2.GetDecisionRequest(declaration_id=declaration.declaration_id)
        ).decision
        outcome = clearance_pb2.Outcome.Name(stored.outcome).removeprefix("OUTCOME_")
        assert outcome != "HOLD_PENDING_CHECKS"
        assert any(
            line.split()[:2] == [declaration.declaration_id, outcome]
            for line in printed.splitlines()
        ), f"the new outcome of {declaration.declaration_id} is printed"
    assert "3 declarations decided" in printed
    assert clearway_main(command) == 0
    assert "0 held parcels re-evaluated" in capsys.readouterr().out, "nothing is decided twice"
    assert clearway_main([*command, "--limit", "5000"]) == 1
    assert "INVALID_ARGUMENT" in capsys.readouterr().err


def test_risk_keeps_one_history_entry_per_partner_for_a_shared_declaration_id(
    suite: Suite, request: pytest.FixtureRequest
) -> None:
    """Three partners using one declaration id are three parcels to the consignee's history:
    the third is a split consignment (three parcels just under EUR 150, together above it)."""
    declaration = example(0)
    declaration.consignee.name = f"Split {request.node.name}"
    declaration.consignee.address.lines[:] = [f"{len(request.node.name)} Split Lane"]
    declaration.items[0].intrinsic_value.units = 130
    outcomes = []
    for partner in ("first", "second", "third"):
        decision = suite.stub.SubmitDeclaration(
            clearance_pb2.SubmitDeclarationRequest(declaration=declaration),
            metadata=[(PARTNER_HEADER, f"{request.node.name}-{partner}")],
        ).decision
        outcomes.append({r.code for r in decision.reasons if r.source == "risk"})
    assert "SPLIT_SHIPMENT" not in outcomes[0] | outcomes[1]
    assert "SPLIT_SHIPMENT" in outcomes[2], "each partner's declaration is its own entry"
    replayed = suite.stub.SubmitDeclaration(
        clearance_pb2.SubmitDeclarationRequest(declaration=declaration),
        metadata=[(PARTNER_HEADER, f"{request.node.name}-first")],
    )
    assert replayed.replayed, "the first partner's declaration is not counted again"


def cn_parcel(index: int, consumer: str, cny: int) -> common_pb2.Declaration:
    """A cross-border retail parcel to China for `consumer` (identity number), of CNY `cny`."""
    declaration = example(0)
    declaration.declaration_id = f"CN-{consumer}-{index}"
    declaration.destination_country = "CN"
    declaration.dispatch_country = "JP"
    declaration.ClearField("ioss_number")
    declaration.freight.CopyFrom(money_pb2.Money(currency_code="CNY"))
    declaration.consignee.name = "Wang Fang"
    declaration.consignee.identifier = consumer
    declaration.consignee.address.CopyFrom(
        common_pb2.Address(lines=["1 Renmin Road"], city="Beijing", postal_code="100000")
    )
    declaration.consignee.address.country_code = "CN"
    item = declaration.items[0]
    item.intrinsic_value.CopyFrom(money_pb2.Money(currency_code="CNY", units=cny))
    return declaration


def valuation_answer(suite: Suite, partner: str, declaration_id: str) -> dict[str, Any]:
    """The valuation answer stored with the current decision (proto-JSON)."""
    store = open_store(suite.database_url)
    try:
        stored = next(
            d
            for d in DecisionReader(store).declarations(partner_id=partner)
            if d.declaration_id == declaration_id
        )
    finally:
        store.close()
    answer: dict[str, Any] = stored.service_answers["valuation"]
    return answer


def test_china_yearly_limit_counts_the_consumers_earlier_retail_parcels(
    suite: Suite, request: pytest.FixtureRequest
) -> None:
    consumer = "11010119900307123X"
    chunk = [cn_parcel(i, consumer, 4500) for i in range(1, 7)]
    (response,) = suite.stub.SubmitManifest(
        iter([clearance_pb2.SubmitManifestRequest(declarations=chunk)])
    )
    regimes = [r.decision.regime for r in response.results]
    assert regimes == ["CN_CROSS_BORDER_RETAIL"] * 5 + ["CN_GENERAL_TRADE"], (
        "the sixth parcel of one chunk counts the five before it: 27,000 > 26,000"
    )
    sixth = valuation_answer(suite, request.node.name, chunk[5].declaration_id)
    assert "CN-REGIME-ANNUAL-LIMIT" in {r["rule_id"] for r in sixth["explanation"]["fired_rules"]}
    assert any(
        "yearly total = CNY 22500.00 before this declaration, 27000.00 CNY with it" in note
        for note in sixth["explanation"]["notes"]
    ), sixth["explanation"]["notes"]

    within = cn_parcel(7, consumer, 3500)
    decision = suite.stub.SubmitDeclaration(
        clearance_pb2.SubmitDeclarationRequest(declaration=within),
        metadata=[(PARTNER_HEADER, f"{request.node.name}-other")],
    ).decision
    assert decision.regime == "CN_CROSS_BORDER_RETAIL", (
        "the stored total (22,500, general trade not counted) holds across partners"
    )
    over = cn_parcel(8, consumer, 100)
    decision = suite.stub.SubmitDeclaration(
        clearance_pb2.SubmitDeclarationRequest(declaration=over)
    ).decision
    assert decision.regime == "CN_GENERAL_TRADE", "22,500 + 3,500 + 100 > 26,000"
    first = chunk[0]
    first.items[0].intrinsic_value.units = 4000
    suite.stub.AmendDeclaration(clearance_pb2.AmendDeclarationRequest(declaration=first))
    later = suite.stub.SubmitDeclaration(
        clearance_pb2.SubmitDeclarationRequest(declaration=cn_parcel(9, consumer, 400))
    ).decision
    assert later.regime == "CN_CROSS_BORDER_RETAIL", (
        "the amendment replaced the first parcel's part: 25,500 + 400 <= 26,000"
    )


def declared_as_plastic(
    declaration_id: str, description: str, eur_cents: int
) -> common_pb2.Declaration:
    """A one-item declaration declaring HS 3926.90 (other articles of plastics)."""
    declaration = example(0)
    declaration.declaration_id = declaration_id
    declaration.items[0].description = description
    declaration.items[0].declared_hs_code = "392690"
    declaration.items[0].intrinsic_value.CopyFrom(
        money_pb2.Money(
            currency_code="EUR", units=eur_cents // 100, nanos=eur_cents % 100 * 10_000_000
        )
    )
    return declaration


def test_risk_answers_for_the_code_classification_chose_not_the_declared_one(
    suite: Suite,
) -> None:
    """Risk is asked with the declared codes while classification checks them; a declared code
    that does not fit is replaced, and the decision carries risk's answer for the new one.
    Earbuds at EUR 0.30 are undervalued as HS 8518 (reference EUR 2), not as plastic articles."""
    box = declared_as_plastic("MISMATCH-BOX", "plastic storage box with lid 10L", 1200)
    suite.stub.SubmitDeclaration(clearance_pb2.SubmitDeclarationRequest(declaration=box))

    earbuds = declared_as_plastic("MISMATCH-EARBUDS", "wireless bluetooth earbuds", 30)
    decision = suite.stub.SubmitDeclaration(
        clearance_pb2.SubmitDeclarationRequest(declaration=earbuds)
    ).decision

    reasons = {(r.source, r.code) for r in decision.reasons}
    assert ("classification", "DECLARED_CODE_MISMATCH") in reasons
    assert decision.items[0].hs_code == "851830"
    assert ("risk", "UNDERVALUATION") in reasons


def test_a_chunk_keeps_each_parcels_risk_answer_for_the_codes_it_uses(suite: Suite) -> None:
    """In one chunk, declarations whose declared codes hold keep the answer risk gave early and
    the ones reclassified get the later one, each in its own place."""
    suite.stub.SubmitDeclaration(
        clearance_pb2.SubmitDeclarationRequest(
            declaration=declared_as_plastic("CHUNK-TEACH", "plastic storage box with lid 10L", 900)
        )
    )
    chunk = [
        declared_as_plastic("CHUNK-BOX-1", "plastic storage box with lid 10L", 1200),
        declared_as_plastic("CHUNK-EARBUDS-1", "wireless bluetooth earbuds", 30),
        declared_as_plastic("CHUNK-BOX-2", "plastic storage box with lid 10L", 25),
        declared_as_plastic("CHUNK-EARBUDS-2", "wireless bluetooth earbuds", 2500),
        declared_as_plastic("CHUNK-BOX-3", "plastic storage box with lid 10L", 1500),
    ]
    (response,) = suite.stub.SubmitManifest(
        iter([clearance_pb2.SubmitManifestRequest(declarations=chunk)])
    )
    risk = {
        r.declaration_id: {reason.code for reason in r.decision.reasons if reason.source == "risk"}
        for r in response.results
    }
    codes = {r.declaration_id: r.decision.items[0].hs_code for r in response.results}
    assert codes == {
        "CHUNK-BOX-1": "392690",
        "CHUNK-EARBUDS-1": "851830",
        "CHUNK-BOX-2": "392690",
        "CHUNK-EARBUDS-2": "851830",
        "CHUNK-BOX-3": "392690",
    }
    assert "UNDERVALUATION" in risk["CHUNK-EARBUDS-1"]
    assert not {"UNDERVALUATION", "UNDERVALUATION_SEVERE"} & (
        risk["CHUNK-EARBUDS-2"] | risk["CHUNK-BOX-1"] | risk["CHUNK-BOX-2"] | risk["CHUNK-BOX-3"]
    ), "a plastics line has no reference value; EUR 25 earbuds are not undervalued"


def test_a_declaration_rejected_for_an_unknown_code_leaves_no_risk_history(
    suite: Suite, request: pytest.FixtureRequest
) -> None:
    """Only codes classification has accepted are sent to risk before it answers, so a parcel
    it rejects is never recorded in the consignee's history (where it would count as a parcel)."""
    declaration = example(0)
    declaration.declaration_id = "UNKNOWN-CODE"
    declaration.items[0].declared_hs_code = "010110"  # live horses for breeding until HS 2017
    with pytest.raises(grpc.RpcError) as raised:
        suite.stub.SubmitDeclaration(
            clearance_pb2.SubmitDeclarationRequest(declaration=declaration)
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    store = open_store(suite.hosts["risk"].settings.database_url)
    try:
        with store._transaction() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM risk_history WHERE declaration_id = ?",
                (declaration.declaration_id,),
            )
            assert cursor.fetchone()[0] == 0
    finally:
        store.close()
