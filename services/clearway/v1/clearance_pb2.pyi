import datetime

from clearway.v1 import common_pb2 as _common_pb2
from clearway.v1 import valuation_pb2 as _valuation_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.rpc import status_pb2 as _status_pb2
from google.type import money_pb2 as _money_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_RELEASE: _ClassVar[Outcome]
    OUTCOME_RELEASE_AFTER_PAYMENT: _ClassVar[Outcome]
    OUTCOME_HOLD_FOR_DOCUMENTS: _ClassVar[Outcome]
    OUTCOME_INSPECT: _ClassVar[Outcome]
    OUTCOME_REFUSE: _ClassVar[Outcome]
    OUTCOME_HOLD_PENDING_CHECKS: _ClassVar[Outcome]
    OUTCOME_CANCELLED: _ClassVar[Outcome]
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_RELEASE: Outcome
OUTCOME_RELEASE_AFTER_PAYMENT: Outcome
OUTCOME_HOLD_FOR_DOCUMENTS: Outcome
OUTCOME_INSPECT: Outcome
OUTCOME_REFUSE: Outcome
OUTCOME_HOLD_PENDING_CHECKS: Outcome
OUTCOME_CANCELLED: Outcome

class DecisionReason(_message.Message):
    __slots__ = ("source", "code", "text", "rule_id", "line_number")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    source: str
    code: str
    text: str
    rule_id: str
    line_number: int
    def __init__(self, source: _Optional[str] = ..., code: _Optional[str] = ..., text: _Optional[str] = ..., rule_id: _Optional[str] = ..., line_number: _Optional[int] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ("declaration_id", "outcome", "reasons", "regime", "charges", "total_due_at_import", "total_collected_at_sale", "payer", "risk_channel", "risk_score", "items", "required_documents", "rules_revisions", "rules_revision", "explanation", "decided_at")
    class RulesRevisionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DECLARATION_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    REGIME_FIELD_NUMBER: _ClassVar[int]
    CHARGES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DUE_AT_IMPORT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COLLECTED_AT_SALE_FIELD_NUMBER: _ClassVar[int]
    PAYER_FIELD_NUMBER: _ClassVar[int]
    RISK_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RISK_SCORE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    RULES_REVISIONS_FIELD_NUMBER: _ClassVar[int]
    RULES_REVISION_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    declaration_id: str
    outcome: Outcome
    reasons: _containers.RepeatedCompositeFieldContainer[DecisionReason]
    regime: str
    charges: _containers.RepeatedCompositeFieldContainer[_valuation_pb2.Charge]
    total_due_at_import: _money_pb2.Money
    total_collected_at_sale: _money_pb2.Money
    payer: str
    risk_channel: _common_pb2.Channel
    risk_score: int
    items: _containers.RepeatedCompositeFieldContainer[_common_pb2.ItemTariffContext]
    required_documents: _containers.RepeatedScalarFieldContainer[str]
    rules_revisions: _containers.ScalarMap[str, str]
    rules_revision: str
    explanation: _common_pb2.Explanation
    decided_at: _timestamp_pb2.Timestamp
    def __init__(self, declaration_id: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., reasons: _Optional[_Iterable[_Union[DecisionReason, _Mapping]]] = ..., regime: _Optional[str] = ..., charges: _Optional[_Iterable[_Union[_valuation_pb2.Charge, _Mapping]]] = ..., total_due_at_import: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., total_collected_at_sale: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., payer: _Optional[str] = ..., risk_channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., risk_score: _Optional[int] = ..., items: _Optional[_Iterable[_Union[_common_pb2.ItemTariffContext, _Mapping]]] = ..., required_documents: _Optional[_Iterable[str]] = ..., rules_revisions: _Optional[_Mapping[str, str]] = ..., rules_revision: _Optional[str] = ..., explanation: _Optional[_Union[_common_pb2.Explanation, _Mapping]] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubmitDeclarationRequest(_message.Message):
    __slots__ = ("declaration",)
    DECLARATION_FIELD_NUMBER: _ClassVar[int]
    declaration: _common_pb2.Declaration
    def __init__(self, declaration: _Optional[_Union[_common_pb2.Declaration, _Mapping]] = ...) -> None: ...

class SubmitDeclarationResponse(_message.Message):
    __slots__ = ("decision", "replayed")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    decision: Decision
    replayed: bool
    def __init__(self, decision: _Optional[_Union[Decision, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class SubmitManifestRequest(_message.Message):
    __slots__ = ("declarations",)
    DECLARATIONS_FIELD_NUMBER: _ClassVar[int]
    declarations: _containers.RepeatedCompositeFieldContainer[_common_pb2.Declaration]
    def __init__(self, declarations: _Optional[_Iterable[_Union[_common_pb2.Declaration, _Mapping]]] = ...) -> None: ...

class ManifestResult(_message.Message):
    __slots__ = ("declaration_id", "decision", "replayed", "error")
    DECLARATION_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    declaration_id: str
    decision: Decision
    replayed: bool
    error: _status_pb2.Status
    def __init__(self, declaration_id: _Optional[str] = ..., decision: _Optional[_Union[Decision, _Mapping]] = ..., replayed: _Optional[bool] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...

class SubmitManifestResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ManifestResult]
    def __init__(self, results: _Optional[_Iterable[_Union[ManifestResult, _Mapping]]] = ...) -> None: ...

class GetDecisionRequest(_message.Message):
    __slots__ = ("declaration_id",)
    DECLARATION_ID_FIELD_NUMBER: _ClassVar[int]
    declaration_id: str
    def __init__(self, declaration_id: _Optional[str] = ...) -> None: ...

class GetDecisionResponse(_message.Message):
    __slots__ = ("decision", "declaration")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    DECLARATION_FIELD_NUMBER: _ClassVar[int]
    decision: Decision
    declaration: _common_pb2.Declaration
    def __init__(self, decision: _Optional[_Union[Decision, _Mapping]] = ..., declaration: _Optional[_Union[_common_pb2.Declaration, _Mapping]] = ...) -> None: ...

class ListDecisionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "decided_after", "decided_before", "outcomes")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AFTER_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    decided_after: _timestamp_pb2.Timestamp
    decided_before: _timestamp_pb2.Timestamp
    outcomes: _containers.RepeatedScalarFieldContainer[Outcome]
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., decided_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decided_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., outcomes: _Optional[_Iterable[_Union[Outcome, str]]] = ...) -> None: ...

class ListDecisionsResponse(_message.Message):
    __slots__ = ("decisions", "next_page_token")
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    decisions: _containers.RepeatedCompositeFieldContainer[Decision]
    next_page_token: str
    def __init__(self, decisions: _Optional[_Iterable[_Union[Decision, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AmendDeclarationRequest(_message.Message):
    __slots__ = ("declaration", "reason")
    DECLARATION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    declaration: _common_pb2.Declaration
    reason: str
    def __init__(self, declaration: _Optional[_Union[_common_pb2.Declaration, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class AmendDeclarationResponse(_message.Message):
    __slots__ = ("decision", "revision")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    decision: Decision
    revision: int
    def __init__(self, decision: _Optional[_Union[Decision, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class CancelDeclarationRequest(_message.Message):
    __slots__ = ("declaration_id", "reason")
    DECLARATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    declaration_id: str
    reason: str
    def __init__(self, declaration_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelDeclarationResponse(_message.Message):
    __slots__ = ("decision", "revision")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    decision: Decision
    revision: int
    def __init__(self, decision: _Optional[_Union[Decision, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class ReevaluateHeldRequest(_message.Message):
    __slots__ = ("limit",)
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    limit: int
    def __init__(self, limit: _Optional[int] = ...) -> None: ...

class ReevaluateHeldResponse(_message.Message):
    __slots__ = ("decisions", "still_held")
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    STILL_HELD_FIELD_NUMBER: _ClassVar[int]
    decisions: _containers.RepeatedCompositeFieldContainer[Decision]
    still_held: int
    def __init__(self, decisions: _Optional[_Iterable[_Union[Decision, _Mapping]]] = ..., still_held: _Optional[int] = ...) -> None: ...

class GetDecisionHistoryRequest(_message.Message):
    __slots__ = ("declaration_id",)
    DECLARATION_ID_FIELD_NUMBER: _ClassVar[int]
    declaration_id: str
    def __init__(self, declaration_id: _Optional[str] = ...) -> None: ...

class DecisionVersion(_message.Message):
    __slots__ = ("revision", "kind", "reason", "decision", "declaration")
    REVISION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    DECLARATION_FIELD_NUMBER: _ClassVar[int]
    revision: int
    kind: str
    reason: str
    decision: Decision
    declaration: _common_pb2.Declaration
    def __init__(self, revision: _Optional[int] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., decision: _Optional[_Union[Decision, _Mapping]] = ..., declaration: _Optional[_Union[_common_pb2.Declaration, _Mapping]] = ...) -> None: ...

class GetDecisionHistoryResponse(_message.Message):
    __slots__ = ("versions",)
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[DecisionVersion]
    def __init__(self, versions: _Optional[_Iterable[_Union[DecisionVersion, _Mapping]]] = ...) -> None: ...
