"""Consignees' names, addresses and identifiers never reach logs or spans.

Every log record of every service (at DEBUG, formatted as the services print it)
and every span they export is captured while declarations carrying marked personal
data are cleared, refused, screened against the sanctions lists, amended and read.
"""

from __future__ import annotations

import grpc
import pytest
from security_suite import JsonRecords, SecureSuite, example

from clearway.v1 import clearance_pb2, clearance_pb2_grpc, common_pb2

MARKERS = {
    "name": "Zyxwvut Qqqpersonal",
    "line": "77 Markerstrasse Hinterhof",
    "city": "Mkrcityville",
    "postal": "PK-99871",
    "region": "Mkregion",
    "identifier": "DE9988776655443",
    "vat": "DE119988776",
}


def _mark(declaration: common_pb2.Declaration, suffix: str) -> common_pb2.Declaration:
    consignee = declaration.consignee
    consignee.name = MARKERS["name"] + suffix
    del consignee.address.lines[:]
    consignee.address.lines.append(MARKERS["line"] + suffix)
    consignee.address.city = MARKERS["city"]
    consignee.address.postal_code = MARKERS["postal"]
    consignee.address.region = MARKERS["region"]
    consignee.identifier = MARKERS["identifier"]
    consignee.vat_number = MARKERS["vat"]
    declaration.declaration_id = f"{declaration.declaration_id}-PII{suffix}"
    return declaration


def _span_text(suite: SecureSuite) -> str:
    parts: list[str] = []
    for span in suite.spans.get_finished_spans():
        parts.append(span.name)
        parts.extend(f"{k}={v}" for k, v in (span.attributes or {}).items())
        parts.append(str(span.status.description or ""))
        for event in span.events:
            parts.append(event.name)
            parts.extend(f"{k}={v}" for k, v in (event.attributes or {}).items())
    return "\n".join(parts)


def test_no_personal_data_in_logs_or_spans(
    secure_suite: SecureSuite, captured_logs: JsonRecords
) -> None:
    sanctioned = example(50)  # DEMO-0051: consignee on the OFAC SDN list
    sanctioned_name = sanctioned.consignee.name
    sanctioned.declaration_id += "-PII"
    invalid = _mark(example(31), "3")
    invalid.items[0].quantity = 0
    invalid.dispatch_country = "XX"
    secure_suite.spans.clear()
    with secure_suite.channel("clearance", secure_suite.pki.partner_a) as channel:
        stub = clearance_pb2_grpc.ClearanceServiceStub(channel)
        answers = list(
            stub.SubmitManifest(
                iter(
                    [
                        clearance_pb2.SubmitManifestRequest(
                            declarations=[
                                _mark(example(30), "1"),
                                _mark(example(32), "2"),
                                sanctioned,
                                invalid,
                            ]
                        )
                    ]
                ),
                timeout=60,
            )
        )
        results = [r for a in answers for r in a.results]
        assert [r.HasField("decision") for r in results] == [True, True, True, False]
        assert results[2].decision.outcome == clearance_pb2.OUTCOME_REFUSE
        with pytest.raises(grpc.RpcError):
            stub.SubmitDeclaration(clearance_pb2.SubmitDeclarationRequest(declaration=invalid))
        amended = _mark(example(30), "1")
        amended.items[0].description = "stainless steel water bottle"
        stub.AmendDeclaration(
            clearance_pb2.AmendDeclarationRequest(declaration=amended, reason="goods text")
        )
        stub.GetDecision(clearance_pb2.GetDecisionRequest(declaration_id=amended.declaration_id))
        with pytest.raises(grpc.RpcError):  # logs a refusal: proves the capture sees records
            stub.SubmitDeclaration(
                clearance_pb2.SubmitDeclarationRequest(declaration=amended),
                metadata=[("authorization", "Bearer wrong")],
            )
    logs = "\n".join(captured_logs.lines)
    spans = _span_text(secure_suite)
    assert captured_logs.lines and spans, "the capture saw the calls"
    for what, value in [*MARKERS.items(), ("sanctioned name", sanctioned_name)]:
        assert value.lower() not in logs.lower(), f"consignee {what} in the logs"
        assert value.lower() not in spans.lower(), f"consignee {what} in the spans"
