"""RiskService: a thin gRPC layer over RiskDomain (proto in, validate every field, proto out)."""

from __future__ import annotations

import logging
import math
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import grpc

from clearway.declarations.codec import DeclarationReader
from clearway.declarations.codes import hs_digits
from clearway.declarations.model import Party
from clearway.reference.datadir import find_data_dir, starter_data_dir
from clearway.reference.errors import ReferenceDataError
from clearway.reference.fx import load_rates
from clearway.reference.sanctions import SANCTIONS_DIR, load_sanctions
from clearway.risk.domain import AssessmentRequest, RiskAssessment, RiskDomain
from clearway.risk.screening import PartyScreener, ScreeningHit
from clearway.rules import RulesEngine
from clearway.rules.explanation import put_explanation
from clearway.runtime.errors import FieldViolations
from clearway.runtime.server import ClearwayService
from clearway.runtime.settings import Settings
from clearway.runtime.telemetry import Telemetry
from clearway.store.risk_history import StoredHistory
from clearway.v1 import common_pb2, risk_pb2, risk_pb2_grpc

log = logging.getLogger(__name__)

MAX_PARTIES = 1_000
MAX_BATCH = 1_000
MAX_NAME_LENGTH = 256
MAX_PARTNER_ID_LENGTH = 128
_ROLES = cast(dict[str, common_pb2.PartyRole], dict(common_pb2.PartyRole.items()))
_CHANNELS = cast(dict[str, common_pb2.Channel], dict(common_pb2.Channel.items()))
"""Enum numbers by name: a response field set to a number, not parsed from a name."""
LIST_CHECK_SECONDS = 60.0
"""How often the sanctions directory is checked for new list files."""


def _has_control_characters(text: str) -> bool:
    # A printable string has no character of category C (Cc and Cf among them): one C call
    # settles nearly every name, the per-character scan only runs on the rest
    if text.isprintable():
        return False
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def check_name(name: str, path: str, violations: FieldViolations) -> None:
    if _has_control_characters(name):
        violations.add(path, "must not contain control characters")


class RiskServicer(risk_pb2_grpc.RiskServiceServicer):
    def __init__(self, service: RiskService) -> None:
        self.service = service

    def ScreenParties(
        self, request: risk_pb2.ScreenPartiesRequest, context: grpc.ServicerContext
    ) -> risk_pb2.ScreenPartiesResponse:
        violations = FieldViolations()
        reader = DeclarationReader(violations)
        threshold = request.threshold
        if math.isnan(threshold) or not 0.0 <= threshold <= 1.0:
            violations.add("threshold", "must be between 0 and 1 (0 means the service default)")
        if not request.parties:
            violations.add("parties", "at least one party is required")
        elif len(request.parties) > MAX_PARTIES:
            violations.add("parties", f"at most {MAX_PARTIES} parties per request")
        parties: list[Party] = []
        for index, message in enumerate(request.parties[:MAX_PARTIES]):
            path = f"parties[{index}]"
            if not message.name.strip():
                violations.add(f"{path}.name", "is required")
                continue
            check_name(message.name, f"{path}.name", violations)
            party = reader.party(message, path, "")
            if party is not None:
                parties.append(party)
        violations.raise_if_any("the screening request has invalid fields")
        result = self.service.domain.screen_parties(parties, threshold or None)
        response = risk_pb2.ScreenPartiesResponse(
            threshold=result.threshold, list_versions=dict(result.list_versions)
        )
        for hit in result.hits:
            _put_hit(response.hits.add(), hit)
        return response

    def AssessRisk(
        self, request: risk_pb2.AssessRiskRequest, context: grpc.ServicerContext
    ) -> risk_pb2.AssessRiskResponse:
        violations = FieldViolations()
        assessment_request = _read_request(request, "", violations)
        violations.raise_if_any("the declaration has invalid fields")
        assert assessment_request is not None  # no violations means it was read
        return _assessment(self.service.domain.assess(assessment_request))

    def AssessRiskBatch(
        self, request: risk_pb2.AssessRiskBatchRequest, context: grpc.ServicerContext
    ) -> risk_pb2.AssessRiskBatchResponse:
        violations = FieldViolations()
        if not request.requests:
            violations.add("requests", "at least one request is required")
        elif len(request.requests) > MAX_BATCH:
            violations.add("requests", f"at most {MAX_BATCH} requests per batch")
        read = [
            _read_request(item, f"requests[{index}].", violations)
            for index, item in enumerate(request.requests[:MAX_BATCH])
        ]
        violations.raise_if_any("the batch has invalid requests")
        assessments = self.service.domain.assess_many([r for r in read if r is not None])
        response = risk_pb2.AssessRiskBatchResponse()
        add = response.responses.add
        for assessment in assessments:
            _put_assessment(add(), assessment)
        return response


def _read_request(
    request: risk_pb2.AssessRiskRequest, prefix: str, violations: FieldViolations
) -> AssessmentRequest | None:
    """The domain request; every bad field is added to `violations` under its full path."""
    before = len(violations)
    path = f"{prefix}declaration"
    if not request.HasField("declaration"):
        violations.add(path, "is required")
        return None
    message = request.declaration
    for role in ("seller", "consignee", "declarant", "platform"):
        party = getattr(message, role)
        check_name(party.name, f"{path}.{role}.name", violations)
    for index, party in enumerate(message.other_parties):
        check_name(party.name, f"{path}.other_parties[{index}].name", violations)
    declaration = DeclarationReader(violations).declaration(message, path)
    lines = {item.line_number or index + 1 for index, item in enumerate(message.items)}
    hs_codes: dict[int, str] = {}
    for index, context in enumerate(request.items):
        item_path = f"{prefix}items[{index}]"
        if context.line_number not in lines:
            violations.add(f"{item_path}.line_number", "names no item of the declaration")
        code = hs_digits(context.hs_code)
        if code and not (len(code) == 6 and code.isdigit()):
            violations.add(f"{item_path}.hs_code", "must be an HS subheading of 6 digits")
        elif code:
            hs_codes[context.line_number] = code
    partner_id = request.partner_id
    if len(partner_id) > MAX_PARTNER_ID_LENGTH or partner_id != partner_id.strip():
        violations.add(
            f"{prefix}partner_id",
            f"must be at most {MAX_PARTNER_ID_LENGTH} characters, without surrounding spaces",
        )
    check_name(partner_id, f"{prefix}partner_id", violations)
    if declaration is None or len(violations) != before:
        return None
    return AssessmentRequest(declaration, hs_codes, partner_id)


def _put_hit(target: risk_pb2.ScreeningHit, hit: ScreeningHit) -> None:
    target.role = _ROLES.get(f"PARTY_ROLE_{hit.role.upper()}", common_pb2.PARTY_ROLE_UNSPECIFIED)
    target.party_name = hit.party_name
    target.list_id = hit.list_id
    target.entry_id = hit.entry_id
    target.matched_name = hit.matched_name
    target.score = hit.score
    target.reason = hit.reason


def _put_assessment(target: risk_pb2.AssessRiskResponse, assessment: RiskAssessment) -> None:
    """Fill a response in place: messages built first and handed to their parents are copied
    into them, the whole answer once more into the batch's response."""
    target.declaration_id = assessment.declaration_id
    target.channel = _CHANNELS[f"CHANNEL_{assessment.channel.upper()}"]
    target.score = assessment.score
    add_reason = target.reasons.add
    for reason in assessment.reasons:
        add_reason(
            code=reason.code,
            score=reason.score,
            text=reason.text,
            rule_id=reason.rule_id,
            line_number=reason.line_number,
        )
    add_hit = target.hits.add
    for hit in assessment.hits:
        _put_hit(add_hit(), hit)
    target.required_documents.extend(assessment.documents)
    target.list_versions.update(assessment.list_versions)
    target.rules_revision = assessment.rules_revision
    put_explanation(target.explanation, assessment.fired, assessment.notes)


def _assessment(assessment: RiskAssessment) -> risk_pb2.AssessRiskResponse:
    response = risk_pb2.AssessRiskResponse()
    _put_assessment(response, assessment)
    return response


def _list_files_signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the list files: a change means reload."""
    try:
        return tuple(
            (path.name, stat.st_size, stat.st_mtime_ns)
            for path in sorted(directory.iterdir())
            if path.is_file() and (stat := path.stat())
        )
    except OSError:
        return ()


class RiskService(ClearwayService[RiskDomain]):
    """Loads the rule packs, the exchange rates and the sanctions lists (all four, or it does
    not serve) and opens the declaration history in the suite's database (CLEARWAY_DB, as the
    orchestrator does), then answers; list files that change on disk are reloaded without
    restart."""

    name = "risk"

    def __init__(self, settings: Settings, telemetry: Telemetry) -> None:
        super().__init__(settings, telemetry)
        self._engine: RulesEngine | None = None
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._data_dir: Path | None = None
        self._signature: Sequence[tuple[str, int, int]] = ()
        self._history: StoredHistory | None = None

    def register(self, server: grpc.Server) -> tuple[str, ...]:
        risk_pb2_grpc.add_RiskServiceServicer_to_server(RiskServicer(self), server)
        return (risk_pb2.DESCRIPTOR.services_by_name["RiskService"].full_name,)

    def build_domain(self) -> RiskDomain:
        data_dir = find_data_dir(self.settings.data_dir) or starter_data_dir()
        self._data_dir = data_dir
        self._signature = _list_files_signature(data_dir / SANCTIONS_DIR)
        lists = load_sanctions(data_dir)
        screener = PartyScreener.build(lists.parties, lists.versions)
        log.info("sanctions lists indexed", extra={"names": screener.index.name_count})
        self._engine = RulesEngine(
            self.settings.rules_dir, reload_interval=self.settings.rules_reload_seconds or None
        )
        rates = load_rates(data_dir)
        self._history = StoredHistory.open(self.settings.database_url)
        domain = RiskDomain(self._engine, screener, rates, self._history)
        self._watcher = threading.Thread(
            target=self._watch_lists, args=(domain,), name="risk-lists", daemon=True
        )
        self._watcher.start()
        return domain

    def reload_lists(self, domain: RiskDomain) -> bool:
        """Re-read the lists if their files changed; a list that fails to load keeps the old
        index (never screen against nothing). True when a new index was swapped in."""
        assert self._data_dir is not None
        signature = _list_files_signature(self._data_dir / SANCTIONS_DIR)
        if signature == self._signature:
            return False
        try:
            lists = load_sanctions(self._data_dir)
        except ReferenceDataError as error:
            log.error("sanctions lists not reloaded, keeping the loaded ones: %s", error)
            return False
        domain.screener.reload(lists.parties, lists.versions)
        self._signature = signature
        log.info("sanctions lists reloaded", extra={"versions": dict(lists.versions)})
        return True

    def _watch_lists(self, domain: RiskDomain) -> None:
        while not self._stop.wait(LIST_CHECK_SECONDS):
            self.reload_lists(domain)

    def close(self) -> None:
        self._stop.set()
        if self._engine is not None:
            self._engine.close()
        if self._history is not None:
            self._history.close()
