"""The classification gRPC service: a thin servicer over ClassificationDomain.

Proto in -> every bad field collected -> one domain call (the whole batch for ClassifyBatch) ->
proto out. A declared code that is well formed but not in HS 2022 is refused with reason
HS_CODE_UNKNOWN; one that exists but does not fit the description is an answer, not an error.
"""

from __future__ import annotations

import logging

import grpc

from clearway.classification.domain import (
    DEFAULT_TOP_K,
    MAX_DESCRIPTION_LENGTH,
    MAX_TOP_K,
    ClassificationDomain,
    CodeCheck,
    ItemClassification,
    ItemDescription,
    is_code_format,
    is_destination,
)
from clearway.classification.domain import Candidate as DomainCandidate
from clearway.reference.datadir import find_data_dir, starter_data_dir
from clearway.rules.explanation import put_explanation
from clearway.runtime.errors import FieldViolations, InvalidArgument
from clearway.runtime.server import ClearwayService
from clearway.v1 import classification_pb2, classification_pb2_grpc

log = logging.getLogger(__name__)

HS_CODE_UNKNOWN = "HS_CODE_UNKNOWN"
MAX_BATCH = 10_000


class ClassificationService(ClearwayService[ClassificationDomain]):
    """HS classification of goods descriptions and checks of declared codes."""

    name = "classification"

    def register(self, server: grpc.Server) -> tuple[str, ...]:
        classification_pb2_grpc.add_ClassificationServiceServicer_to_server(
            ClassificationServicer(self), server
        )
        return (classification_pb2.DESCRIPTOR.services_by_name["ClassificationService"].full_name,)

    def build_domain(self) -> ClassificationDomain:
        data_dir = find_data_dir(self.settings.data_dir) or starter_data_dir()
        reload_seconds = self.settings.rules_reload_seconds
        domain = ClassificationDomain.load(
            data_dir, self.settings.rules_dir, reload_seconds if reload_seconds > 0 else None
        )
        log.info(
            "classification model built",
            extra={"data_dir": str(data_dir), "model_version": domain.classifier.model_version},
        )
        return domain

    def close(self) -> None:
        if self._domain is not None:
            self._domain.close()


class ClassificationServicer(classification_pb2_grpc.ClassificationServiceServicer):
    """Validates requests, calls the domain, maps the answer to protos."""

    def __init__(self, service: ClassificationService) -> None:
        self._service = service

    def Classify(
        self, request: classification_pb2.ClassifyRequest, context: grpc.ServicerContext
    ) -> classification_pb2.ClassifyResponse:
        domain = self._service.domain
        item = _read_items([request], [""], domain)[0]
        response = classification_pb2.ClassifyResponse()
        _fill_response(response, domain.classify(item))
        return response

    def ClassifyBatch(
        self, request: classification_pb2.ClassifyBatchRequest, context: grpc.ServicerContext
    ) -> classification_pb2.ClassifyBatchResponse:
        domain = self._service.domain
        if not request.requests:
            raise _single_violation("requests", "at least one request is required")
        if len(request.requests) > MAX_BATCH:
            raise _single_violation("requests", f"at most {MAX_BATCH} requests per batch")
        paths = [f"requests[{i}]." for i in range(len(request.requests))]
        items = _read_items(request.requests, paths, domain)
        batch = classification_pb2.ClassifyBatchResponse()
        for answer in domain.classify_many(items):
            _fill_response(batch.responses.add(), answer)
        return batch

    def ValidateCode(
        self, request: classification_pb2.ValidateCodeRequest, context: grpc.ServicerContext
    ) -> classification_pb2.ValidateCodeResponse:
        domain = self._service.domain
        violations = FieldViolations()
        _check_description(request.description, "description", violations)
        code = request.hs_code.strip()
        if not code:
            violations.add("hs_code", "the code to check is required")
        elif not is_code_format(code):
            violations.add("hs_code", f"{code!r} is not 6 to 10 digits")
        violations.raise_if_any()
        if not domain.code_exists(code):
            raise _unknown_codes([("hs_code", code)])
        answer = domain.validate_code(code, request.description)
        response = classification_pb2.ValidateCodeResponse(rules_revision=answer.rules_revision)
        _fill_check(response.check, answer.check)
        put_explanation(response.explanation, answer.fired, answer.notes)
        return response


def _single_violation(field: str, description: str) -> InvalidArgument:
    violations = FieldViolations()
    violations.add(field, description)
    return violations.error()


def _check_description(text: str, path: str, violations: FieldViolations) -> None:
    if not text.strip():
        violations.add(path, "a goods description is required")
    elif len(text) > MAX_DESCRIPTION_LENGTH:
        violations.add(path, f"at most {MAX_DESCRIPTION_LENGTH} characters")


def _read_items(
    requests: object, prefixes: list[str], domain: ClassificationDomain
) -> list[ItemDescription]:
    """Every request's fields checked (all violations at once), then the domain items."""
    violations = FieldViolations()
    unknown: list[tuple[str, str]] = []
    items: list[ItemDescription] = []
    for request, prefix in zip(requests, prefixes, strict=True):  # type: ignore[call-overload]
        _check_description(request.description, f"{prefix}description", violations)
        for name in ("category_path", "material", "brand"):
            if len(getattr(request, name)) > MAX_DESCRIPTION_LENGTH:
                violations.add(f"{prefix}{name}", f"at most {MAX_DESCRIPTION_LENGTH} characters")
        code = request.declared_hs_code.strip()
        if code and not is_code_format(code):
            violations.add(f"{prefix}declared_hs_code", f"{code!r} is not 6 to 10 digits")
        elif code and not domain.code_exists(code):
            unknown.append((f"{prefix}declared_hs_code", code))
        destination = request.destination_country.strip().upper()
        if destination and not is_destination(destination):
            violations.add(
                f"{prefix}destination_country", f"{destination!r} is not an ISO 3166-1 alpha-2 code"
            )
        if request.top_k > MAX_TOP_K:
            violations.add(f"{prefix}top_k", f"at most {MAX_TOP_K}")
        items.append(
            ItemDescription(
                description=request.description,
                category_path=request.category_path,
                material=request.material,
                brand=request.brand,
                declared_code=code,
                destination=destination,
                top_k=request.top_k or DEFAULT_TOP_K,
            )
        )
    if violations:
        for field, code in unknown:
            violations.add(field, f"{code[:6]} is not a subheading of HS 2022")
        violations.raise_if_any()
    if unknown:
        raise _unknown_codes(unknown)
    return items


def _unknown_codes(fields: list[tuple[str, str]]) -> InvalidArgument:
    violations = FieldViolations()
    for field, code in fields:
        violations.add(field, f"{code[:6]} is not a subheading of HS 2022")
    error = violations.error("unknown HS code")
    error.reason = HS_CODE_UNKNOWN
    return error


# The answers are written into the response in place (fields set on the message the batch
# response holds): building sub-messages and passing them to constructors copies each twice,
# which cost as much as the rest of a remembered answer. Sub-messages are marked present as
# the constructors would, so the bytes on the wire are the same.


def _fill_candidate(message: classification_pb2.HsCandidate, candidate: DomainCandidate) -> None:
    message.SetInParent()
    message.hs_code = candidate.hs_code
    message.description = candidate.description
    message.confidence = candidate.confidence


def _fill_check(message: classification_pb2.DeclaredCodeCheck, check: CodeCheck) -> None:
    message.SetInParent()
    message.declared_hs_code = check.declared_code
    message.exists = check.exists
    message.plausible = check.plausible
    message.confidence = check.confidence
    message.suggested_hs_code = check.suggested_code


def _fill_response(
    response: classification_pb2.ClassifyResponse, answer: ItemClassification
) -> None:
    result = answer.classification
    _fill_candidate(response.best, result.best)
    for candidate in result.alternatives:
        _fill_candidate(response.alternatives.add(), candidate)
    response.national_tariff_code = answer.national_tariff_code
    response.matched_terms.extend(result.matched_terms)
    response.model_version = result.model_version
    response.rules_revision = answer.rules_revision
    put_explanation(response.explanation, answer.fired, answer.notes)
    if answer.declared_check is not None:
        _fill_check(response.declared_code_check, answer.declared_check)
