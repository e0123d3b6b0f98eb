"""OriginService: proof checks, product-specific rules and preference decisions over gRPC.

Thin: proto in, every bad field collected, one domain call, proto out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime

import grpc

from clearway.declarations.codec import HS_CODE, DeclarationReader
from clearway.declarations.codes import hs_digits
from clearway.declarations.model import Declaration
from clearway.origin.agreements import AgreementTerms
from clearway.origin.data import PsrLibrary, RateConverter
from clearway.origin.domain import OriginDomain, PreferenceDecision, PreferenceRequest
from clearway.origin.figures import Finding
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.hs import load_nomenclature
from clearway.rules import FiredRule, RulesEngine
from clearway.runtime.errors import FieldViolations, InvalidArgument
from clearway.runtime.server import ClearwayService
from clearway.v1 import common_pb2, origin_pb2, origin_pb2_grpc

MAX_BATCH = 1000


def _findings(findings: Iterable[Finding]) -> list[origin_pb2.OriginFinding]:
    return [
        origin_pb2.OriginFinding(code=f.code, passed=f.passed, text=f.text, rule_id=f.rule_id)
        for f in findings
    ]


def _explanation(fired: Iterable[FiredRule], notes: Iterable[str]) -> common_pb2.Explanation:
    unique = {(r.rule_id, r.pack_id): r for r in fired}
    return common_pb2.Explanation(
        fired_rules=[
            common_pb2.FiredRule(rule_id=r.rule_id, pack_id=r.pack_id, text=r.text)
            for r in unique.values()
        ],
        notes=list(dict.fromkeys(notes)),
    )


class RequestReader:
    """Reads and validates the requests of one call, collecting every violation."""

    def __init__(self, domain: OriginDomain) -> None:
        self.domain = domain
        self.violations = FieldViolations()
        self.reader = DeclarationReader(self.violations)
        self.unknown_agreement = False
        self._agreements: dict[date, Mapping[str, AgreementTerms]] = {}

    def agreement(self, agreement: str, on: date, path: str) -> None:
        known = self._agreements.get(on)
        if known is None:  # a batch spans few dates: ask the engine once per date
            known = self._agreements[on] = self.domain.agreements(on)
        if not agreement:
            self.violations.add(path, "is required")
        elif agreement not in known:
            names = ", ".join(sorted(known)) or "none"
            self.violations.add(path, f"unknown agreement {agreement!r} on {on}; one of {names}")
            self.unknown_agreement = True

    def declaration(self, message: common_pb2.Declaration, path: str) -> Declaration | None:
        """The declaration with its origin claim checked: dates in order, agreement known."""
        before = len(self.violations)
        declaration = self.reader.declaration(message, path)
        claim_path = f"{path}.origin_claim"
        if not message.HasField("origin_claim"):
            self.violations.add(claim_path, "is required")
        else:
            proof = message.origin_claim.proof
            dates = {
                name: self.reader.date(
                    getattr(proof, name), f"{claim_path}.proof.{name}", required=False
                )
                for name in ("issue_date", "valid_from", "valid_to")
            }
            valid_to = dates["valid_to"]
            for name in ("issue_date", "valid_from"):
                start = dates[name]
                if start is not None and valid_to is not None and start > valid_to:
                    self.violations.add(f"{claim_path}.proof.valid_to", f"is before {name} {start}")
            on = declaration.declaration_date if declaration else _today()
            self.agreement(message.origin_claim.agreement, on, f"{claim_path}.agreement")
        for index, item in enumerate(message.items):
            code = hs_digits(item.declared_hs_code)
            if HS_CODE.fullmatch(code):
                self.domain.check_hs_code(
                    code, f"{path}.items[{index}].declared_hs_code", self.violations
                )
        if declaration is not None:
            for index, declared in enumerate(declaration.items):
                if declared.bill_of_materials is not None:
                    self.domain.check_bill_of_materials(
                        declared.bill_of_materials,
                        f"{path}.items[{index}].bill_of_materials",
                        self.violations,
                    )
        return declaration if len(self.violations) == before else None

    def preference(
        self, message: origin_pb2.DecidePreferenceRequest, path: str
    ) -> PreferenceRequest | None:
        prefix = f"{path}." if path else ""
        before = len(self.violations)
        declaration = self.declaration(message.declaration, f"{prefix}declaration")
        lines = {item.line_number or i + 1 for i, item in enumerate(message.declaration.items)}
        codes: dict[int, str] = {}
        for index, context in enumerate(message.items):
            item_path = f"{prefix}items[{index}]"
            if context.line_number not in lines:
                self.violations.add(f"{item_path}.line_number", "matches no declared item")
            if context.hs_code:
                self.domain.check_hs_code(context.hs_code, f"{item_path}.hs_code", self.violations)
                codes[context.line_number] = context.hs_code
        if declaration is None or len(self.violations) != before:
            return None
        declared = {
            item.line_number: item.declared_hs_code
            for item in declaration.items
            if item.declared_hs_code
        }
        return PreferenceRequest(declaration, declared | codes, f"{prefix}declaration")

    def raise_if_any(self) -> None:
        if not self.violations:
            return
        error = self.violations.error()
        if self.unknown_agreement:
            error.reason = "AGREEMENT_UNKNOWN"
        raise error


def _today() -> date:
    return datetime.now(UTC).date()


class OriginServicer(origin_pb2_grpc.OriginServiceServicer):
    def __init__(self, service: OriginService) -> None:
        self.service = service

    def CheckProof(
        self, request: origin_pb2.CheckProofRequest, context: grpc.ServicerContext
    ) -> origin_pb2.CheckProofResponse:
        domain = self.service.domain
        reader = RequestReader(domain)
        declaration = reader.declaration(request.declaration, "declaration")
        reader.raise_if_any()
        assert declaration is not None
        codes = {i.line_number: i.declared_hs_code for i in declaration.items if i.declared_hs_code}
        check = domain.check_proof(declaration, codes)
        findings = check.findings()
        return origin_pb2.CheckProofResponse(
            valid=check.valid,
            findings=_findings(findings),
            rules_revision=domain.revision,
            explanation=_explanation((), (f.text for f in findings if not f.passed)),
        )

    def EvaluateProductRule(
        self, request: origin_pb2.EvaluateProductRuleRequest, context: grpc.ServicerContext
    ) -> origin_pb2.EvaluateProductRuleResponse:
        domain = self.service.domain
        reader = RequestReader(domain)
        on = reader.reader.date(request.on_date, "on_date", required=False) or _today()
        reader.agreement(request.agreement, on, "agreement")
        domain.check_hs_code(hs_digits(request.hs_code), "hs_code", reader.violations)
        bom = None
        if not request.HasField("bill_of_materials"):
            reader.violations.add("bill_of_materials", "is required")
        else:
            bom = reader.reader.bill_of_materials(request.bill_of_materials, "bill_of_materials")
            if bom is not None:
                domain.check_bill_of_materials(bom, "bill_of_materials", reader.violations)
        reader.raise_if_any()
        assert bom is not None
        result = domain.evaluate_product_rule(
            request.agreement, hs_digits(request.hs_code), bom, on
        )
        return origin_pb2.EvaluateProductRuleResponse(
            satisfied=result.satisfied,
            rule_text=result.rule_text,
            rule_applied=result.rule_applied,
            figures=list(result.figures),
            findings=_findings(result.findings),
            rules_revision=domain.revision,
            explanation=_explanation((), result.figures),
        )

    def DecidePreference(
        self, request: origin_pb2.DecidePreferenceRequest, context: grpc.ServicerContext
    ) -> origin_pb2.DecidePreferenceResponse:
        (response,) = self._decide([request], "")
        return response

    def DecidePreferenceBatch(
        self, request: origin_pb2.DecidePreferenceBatchRequest, context: grpc.ServicerContext
    ) -> origin_pb2.DecidePreferenceBatchResponse:
        if len(request.requests) > MAX_BATCH:
            raise InvalidArgument(
                f"a batch holds at most {MAX_BATCH} requests",
                violations=FieldViolations.single("requests", f"at most {MAX_BATCH}"),
            )
        return origin_pb2.DecidePreferenceBatchResponse(
            responses=self._decide(request.requests, "requests")
        )

    def _decide(
        self, messages: Sequence[origin_pb2.DecidePreferenceRequest], path: str
    ) -> list[origin_pb2.DecidePreferenceResponse]:
        domain = self.service.domain
        reader = RequestReader(domain)
        requests = [
            reader.preference(message, f"{path}[{index}]" if path else "")
            for index, message in enumerate(messages)
        ]
        reader.raise_if_any()
        decisions = domain.decide([r for r in requests if r is not None])
        return [_decision(d) for d in decisions]


def _decision(decision: PreferenceDecision) -> origin_pb2.DecidePreferenceResponse:
    notes = [
        f"item {item.line_number}: {figure}" for item in decision.items for figure in item.figures
    ] + [
        f"item {item.line_number}: document required: {document}"
        for item in decision.items
        for document in item.documents
    ]
    return origin_pb2.DecidePreferenceResponse(
        declaration_id=decision.declaration_id,
        proof_valid=decision.proof_valid,
        items=[
            origin_pb2.ItemPreference(
                line_number=item.line_number,
                agreement=item.agreement,
                granted=item.granted,
                rule_applied=item.rule_applied,
                figures=list(item.figures),
                findings=_findings(item.findings),
            )
            for item in decision.items
        ],
        rules_revision=decision.revision,
        explanation=_explanation((r for item in decision.items for r in item.fired), notes),
    )


class OriginService(ClearwayService[OriginDomain]):
    """Loads the origin packs, the PSR data, HS 2022 and the ECB rates, then serves."""

    name = "origin"

    def register(self, server: grpc.Server) -> tuple[str, ...]:
        origin_pb2_grpc.add_OriginServiceServicer_to_server(OriginServicer(self), server)
        return (origin_pb2.DESCRIPTOR.services_by_name["OriginService"].full_name,)

    def build_domain(self) -> OriginDomain:
        data_dir = resolve_data_dir(self.settings.data_dir)
        self._engine = RulesEngine(
            self.settings.rules_dir, reload_interval=self.settings.rules_reload_seconds
        )
        psr = PsrLibrary(data_dir)
        domain = OriginDomain(
            self._engine, psr, load_nomenclature(data_dir), RateConverter.load(data_dir)
        )
        psr.preload(terms.psr_file for terms in domain.agreements(_today()).values())
        return domain

    def close(self) -> None:
        engine = getattr(self, "_engine", None)
        if engine is not None:
            engine.close()
