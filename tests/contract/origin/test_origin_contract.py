"""OriginService over gRPC: every RPC, its bad requests and their details, health."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from google.type import date_pb2, money_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from clearway.origin.service import OriginService
from clearway.runtime.errors import ERROR_DOMAIN, status_of
from clearway.v1 import common_pb2, origin_pb2, origin_pb2_grpc


def eur(units: int, nanos: int = 0) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", units=units, nanos=nanos)


def day(year: int, month: int, dd: int) -> date_pb2.Date:
    return date_pb2.Date(year=year, month=month, day=dd)


def bill(*materials: tuple[str, int, bool]) -> common_pb2.BillOfMaterials:
    return common_pb2.BillOfMaterials(
        ex_works_price=eur(40),
        materials=[
            common_pb2.Material(
                description="part", hs_code=code, value=eur(value), origin_country="CN",
                originating=originating,
            )
            for code, value, originating in materials
        ],
    )  # fmt: skip


def declaration(**changes: object) -> common_pb2.Declaration:
    message = common_pb2.Declaration(
        declaration_id="D-ORIGIN-1",
        declaration_date=day(2025, 6, 2),
        destination_country="GB",
        dispatch_country="DE",
        order_reference="ORD-77",
        items=[
            common_pb2.DeclarationItem(
                line_number=1,
                description="garden spade",
                declared_hs_code="820110",
                quantity=2,
                intrinsic_value=eur(40),
                origin_country="DE",
                preference_claimed=True,
                bill_of_materials=bill(("7208", 12, False)),
            )
        ],
        origin_claim=common_pb2.OriginClaim(
            agreement="uk-eu-tca",
            proof=common_pb2.ProofOfOrigin(
                type=common_pb2.PROOF_TYPE_STATEMENT_ON_ORIGIN,
                issuer="Werkzeug GmbH",
                issuing_country="DE",
                exporter_registration="DEREXDE123456789012",
                issue_date=day(2025, 3, 10),
                statement_text="these products are of EU preferential origin",
                consignment_references=["ORD-77"],
            ),
        ),
    )
    for name, value in changes.items():
        field = getattr(message, name)
        if hasattr(field, "CopyFrom"):
            field.CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


@pytest.fixture
def stub(
    start_service: Callable[..., tuple[object, grpc.Channel]], shared_data: Path
) -> Iterator[origin_pb2_grpc.OriginServiceStub]:
    _, channel = start_service(OriginService, data_dir=shared_data)
    yield origin_pb2_grpc.OriginServiceStub(channel)


def bad_request(call: Callable[[], object]) -> tuple[str, dict[str, str]]:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    error = raised.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    info, violations = status_of(error)  # type: ignore[arg-type]
    assert info is not None and info.domain == ERROR_DOMAIN
    return info.reason, {v.field: v.description for v in violations}


def test_health_serving(
    start_service: Callable[..., tuple[object, grpc.Channel]], shared_data: Path
) -> None:
    _, channel = start_service(OriginService, data_dir=shared_data)
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "clearway.v1.OriginService"):
        answer = health.Check(health_pb2.HealthCheckRequest(service=service))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_check_proof(stub: origin_pb2_grpc.OriginServiceStub) -> None:
    answer = stub.CheckProof(origin_pb2.CheckProofRequest(declaration=declaration()))
    assert answer.valid and answer.rules_revision
    assert "PROOF_IN_VALIDITY" in {f.code for f in answer.findings if f.passed}
    expired = declaration(declaration_date=day(2026, 3, 11))
    answer = stub.CheckProof(origin_pb2.CheckProofRequest(declaration=expired))
    assert not answer.valid
    assert "PROOF_EXPIRED" in {f.code for f in answer.findings if not f.passed}
    assert any("valid until 2026-03-10" in note for note in answer.explanation.notes)


def test_check_proof_bad_requests(stub: origin_pb2_grpc.OriginServiceStub) -> None:
    message = declaration()
    message.origin_claim.agreement = "uk-mars"
    message.origin_claim.proof.valid_from.CopyFrom(day(2025, 5, 1))
    message.origin_claim.proof.valid_to.CopyFrom(day(2025, 4, 1))
    message.items[0].declared_hs_code = "990000"
    reason, fields = bad_request(
        lambda: stub.CheckProof(origin_pb2.CheckProofRequest(declaration=message))
    )
    assert reason == "AGREEMENT_UNKNOWN"
    assert {
        "declaration.origin_claim.agreement",
        "declaration.origin_claim.proof.valid_to",
        "declaration.items[0].declared_hs_code",
    } <= set(fields)
    no_claim = declaration()
    no_claim.ClearField("origin_claim")
    _, fields = bad_request(
        lambda: stub.CheckProof(origin_pb2.CheckProofRequest(declaration=no_claim))
    )
    assert "declaration.origin_claim" in fields


def spade_rule(hs_code: str, material_code: str) -> origin_pb2.EvaluateProductRuleRequest:
    """A spade's product rule under the TCA with one non-originating material worth 20 of 40."""
    return origin_pb2.EvaluateProductRuleRequest(
        agreement="uk-eu-tca",
        hs_code=hs_code,
        bill_of_materials=bill((material_code, 20, False)),
        on_date=day(2025, 6, 2),
    )


def test_evaluate_product_rule(stub: origin_pb2_grpc.OriginServiceStub) -> None:
    request = spade_rule("820110", "8201")
    answer = stub.EvaluateProductRule(request)
    assert answer.satisfied and answer.rule_applied == "MaxNOM 50%"
    assert "non-originating materials 50% of ex-works price, limit 50%" in answer.figures
    assert "CTH" in answer.rule_text and answer.rules_revision
    request.bill_of_materials.materials[0].value.nanos = 10_000_000  # 20.01 of 40.00
    answer = stub.EvaluateProductRule(request)
    assert not answer.satisfied
    assert "non-originating materials 50.03% of ex-works price, limit 50%" in answer.figures


def test_hs_codes_written_with_dots_or_spaces_read_as_their_digits(
    stub: origin_pb2_grpc.OriginServiceStub,
) -> None:
    """Partners write 8201.10 or 8201 10 for 820110, as the declared codes may be written."""
    answer = stub.EvaluateProductRule(spade_rule("8201 10", "82 01"))
    assert answer.satisfied and answer.rule_applied == "MaxNOM 50%"
    message = declaration()
    for written in ("8201 10", "8201.10"):
        message.origin_claim.proof.ClearField("goods")
        message.origin_claim.proof.goods.add(
            description="garden spade", hs_code=written, quantity=2, value=eur(40)
        )
        answer = stub.CheckProof(origin_pb2.CheckProofRequest(declaration=message))
        assert answer.valid, written
        assert "GOODS_NOT_COVERED" not in {f.code for f in answer.findings}, written


def test_evaluate_product_rule_bad_requests(stub: origin_pb2_grpc.OriginServiceStub) -> None:
    reason, fields = bad_request(
        lambda: stub.EvaluateProductRule(
            origin_pb2.EvaluateProductRuleRequest(
                agreement="uk-mars", hs_code="820110", bill_of_materials=bill(("7208", 1, False))
            )
        )
    )
    assert reason == "AGREEMENT_UNKNOWN" and set(fields) == {"agreement"}
    no_value = bill(("7208", 1, False))
    no_value.materials[0].ClearField("value")
    _, fields = bad_request(
        lambda: stub.EvaluateProductRule(
            origin_pb2.EvaluateProductRuleRequest(
                agreement="uk-eu-tca", hs_code="12", bill_of_materials=no_value
            )
        )
    )
    assert set(fields) == {"hs_code", "bill_of_materials.materials[0].value"}
    too_much = bill(("7208", 30, False), ("3926", 11, False))
    _, fields = bad_request(
        lambda: stub.EvaluateProductRule(
            origin_pb2.EvaluateProductRuleRequest(
                agreement="uk-eu-tca", hs_code="990000", bill_of_materials=too_much
            )
        )
    )
    assert set(fields) == {"hs_code", "bill_of_materials.materials"}


def test_decide_preference(stub: origin_pb2_grpc.OriginServiceStub) -> None:
    answer = stub.DecidePreference(
        origin_pb2.DecidePreferenceRequest(
            declaration=declaration(),
            items=[common_pb2.ItemTariffContext(line_number=1, hs_code="820110")],
        )
    )
    assert answer.declaration_id == "D-ORIGIN-1" and answer.proof_valid
    (item,) = answer.items
    assert item.granted and item.agreement == "uk-eu-tca" and item.rule_applied == "CTH"
    assert "TCA-GRANT" in {r.rule_id for r in answer.explanation.fired_rules}


def test_decide_preference_bad_request(stub: origin_pb2_grpc.OriginServiceStub) -> None:
    _, fields = bad_request(
        lambda: stub.DecidePreference(
            origin_pb2.DecidePreferenceRequest(
                declaration=declaration(),
                items=[common_pb2.ItemTariffContext(line_number=7, hs_code="12")],
            )
        )
    )
    assert set(fields) == {"items[0].line_number", "items[0].hs_code"}


def test_decide_preference_batch(stub: origin_pb2_grpc.OriginServiceStub) -> None:
    refused = declaration(declaration_id="D-ORIGIN-2")
    refused.items[0].bill_of_materials.CopyFrom(bill(("8201", 30, False)))
    answer = stub.DecidePreferenceBatch(
        origin_pb2.DecidePreferenceBatchRequest(
            requests=[
                origin_pb2.DecidePreferenceRequest(declaration=declaration()),
                origin_pb2.DecidePreferenceRequest(declaration=refused),
            ]
        )
    )
    assert [r.declaration_id for r in answer.responses] == ["D-ORIGIN-1", "D-ORIGIN-2"]
    assert [r.items[0].granted for r in answer.responses] == [True, False]
    assert any(
        "non-originating materials 75% of ex-works price, limit 50%" in f
        for f in answer.responses[1].items[0].figures
    )
    bad = declaration()
    bad.origin_claim.agreement = "uk-mars"
    reason, fields = bad_request(
        lambda: stub.DecidePreferenceBatch(
            origin_pb2.DecidePreferenceBatchRequest(
                requests=[
                    origin_pb2.DecidePreferenceRequest(declaration=declaration()),
                    origin_pb2.DecidePreferenceRequest(declaration=bad),
                ]
            )
        )
    )
    assert reason == "AGREEMENT_UNKNOWN"
    assert set(fields) == {"requests[1].declaration.origin_claim.agreement"}


MARS_PACK = """\
pack:
  id: origin-uk-mars
  domain: origin
  jurisdiction: "*"
  version: "2026.11.1"
  effective_from: 2025-01-01
  title: a throwaway agreement, added as data only
parameters:
  uk-mars:
    title: the UK-Mars agreement
    preferential: true
    psr_file: uk_psr_mars.json
    parties: [GB, CH]
    proof_types: [STATEMENT_ON_ORIGIN]
    proof_validity_months: "12"
    exporter_reference: {currency: EUR}
    goods_value_tolerance_percent: "5"
    tolerance: {value_percent: "0"}
rules:
  - id: MARS-GRANT
    text: Proof valid and rule met
    when:
      all:
        - {fact: agreement, eq: uk-mars}
        - {fact: proof_valid, eq: true}
        - {fact: psr_satisfied, eq: true}
    then:
      set: {preference: granted}
"""
MARS_PSR = {
    "rule_sets": [
        {
            "heading": "8201", "subdivision": "", "min": "8201000000", "max": "8201999999",
            "valid": True,
            "rules": [
                {
                    "rule": "A maximum of **40%** of the ex-works price (EXW) is made up of"
                    " non-originating parts (MAXNOM).",
                    "class": ["MAXNOM"], "operator": None, "footnotes": [],
                }
            ],
        }
    ]
}  # fmt: skip


def test_a_new_agreement_is_a_pack_and_a_data_file(
    start_service: Callable[..., tuple[object, grpc.Channel]],
    shared_data: Path,
    tmp_path: Path,
) -> None:
    rules = tmp_path / "rules" / "origin"
    rules.mkdir(parents=True)
    for pack in (Path(__file__).resolve().parents[3] / "rules" / "origin").glob("*.yaml"):
        (rules / pack.name).write_bytes(pack.read_bytes())
    (rules / "uk-mars.yaml").write_text(MARS_PACK, encoding="utf-8")
    data = tmp_path / "data"
    (data / "origin").mkdir(parents=True)
    for shared in ("hs", "fx"):
        (data / shared).symlink_to(shared_data / shared)
    (data / "origin" / "uk_psr_mars.json").write_text(json.dumps(MARS_PSR), encoding="utf-8")
    _, channel = start_service(OriginService, data_dir=data, rules_dir=tmp_path / "rules")
    stub = origin_pb2_grpc.OriginServiceStub(channel)

    def mars(non_originating: int) -> origin_pb2.EvaluateProductRuleResponse:
        return stub.EvaluateProductRule(  # type: ignore[no-any-return]
            origin_pb2.EvaluateProductRuleRequest(
                agreement="uk-mars",
                hs_code="820110",
                bill_of_materials=bill(("8201", non_originating, False)),
                on_date=day(2025, 6, 2),
            )
        )

    at_limit = mars(16)  # 16 of 40 = 40%
    assert at_limit.satisfied and at_limit.rule_applied == "MaxNOM 40%"
    assert "non-originating materials 40% of ex-works price, limit 40%" in at_limit.figures
    assert not mars(17).satisfied
    # The real agreements still find their own files (not present in this data directory).
    with pytest.raises(grpc.RpcError) as raised:
        stub.EvaluateProductRule(
            origin_pb2.EvaluateProductRuleRequest(
                agreement="uk-eu-tca", hs_code="820110", bill_of_materials=bill(("7208", 1, False))
            )
        )
    assert "'uk_psr_eu.json' are not loaded" in raised.value.details()  # type: ignore[attr-defined]


def test_wholly_obtained_with_non_originating_material_is_invalid(
    stub: origin_pb2_grpc.OriginServiceStub,
) -> None:
    message = declaration()
    message.items[0].bill_of_materials.wholly_obtained = True
    _, fields = bad_request(
        lambda: stub.DecidePreference(origin_pb2.DecidePreferenceRequest(declaration=message))
    )
    assert fields == {
        "declaration.items[0].bill_of_materials.wholly_obtained": "contradicts materials[0]"
        " (7208), which is not originating: a wholly obtained good uses no non-originating"
        " material"
    }


def test_wholly_obtained_goods_need_no_materials(stub: origin_pb2_grpc.OriginServiceStub) -> None:
    horse = declaration()
    item = horse.items[0]
    item.description, item.declared_hs_code = "live pure-bred breeding horse", "010121"
    item.bill_of_materials.CopyFrom(
        common_pb2.BillOfMaterials(ex_works_price=eur(40), wholly_obtained=True)
    )
    (granted,) = stub.DecidePreference(origin_pb2.DecidePreferenceRequest(declaration=horse)).items
    assert granted.granted and granted.rule_applied == "WO"
    item.ClearField("bill_of_materials")
    answer = stub.DecidePreference(origin_pb2.DecidePreferenceRequest(declaration=horse))
    (refused,) = answer.items
    assert not refused.granted
    assert any(
        f.code == "BILL_OF_MATERIALS_MISSING"
        and f.text.startswith(
            "item 1: no bill of materials; the rule for 010121 asks for wholly obtained goods:"
        )
        for f in refused.findings
    )
    assert "item 1: document required: bill-of-materials" in answer.explanation.notes
