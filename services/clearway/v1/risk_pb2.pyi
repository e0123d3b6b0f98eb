from clearway.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScreeningHit(_message.Message):
    __slots__ = ("role", "party_name", "list_id", "entry_id", "matched_name", "score", "reason")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    PARTY_NAME_FIELD_NUMBER: _ClassVar[int]
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    MATCHED_NAME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    role: _common_pb2.PartyRole
    party_name: str
    list_id: str
    entry_id: str
    matched_name: str
    score: float
    reason: str
    def __init__(self, role: _Optional[_Union[_common_pb2.PartyRole, str]] = ..., party_name: _Optional[str] = ..., list_id: _Optional[str] = ..., entry_id: _Optional[str] = ..., matched_name: _Optional[str] = ..., score: _Optional[float] = ..., reason: _Optional[str] = ...) -> None: ...

class ScreenPartiesRequest(_message.Message):
    __slots__ = ("parties", "threshold")
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    parties: _containers.RepeatedCompositeFieldContainer[_common_pb2.Party]
    threshold: float
    def __init__(self, parties: _Optional[_Iterable[_Union[_common_pb2.Party, _Mapping]]] = ..., threshold: _Optional[float] = ...) -> None: ...

class ScreenPartiesResponse(_message.Message):
    __slots__ = ("hits", "threshold", "list_versions")
    class ListVersionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    HITS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    LIST_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[ScreeningHit]
    threshold: float
    list_versions: _containers.ScalarMap[str, str]
    def __init__(self, hits: _Optional[_Iterable[_Union[ScreeningHit, _Mapping]]] = ..., threshold: _Optional[float] = ..., list_versions: _Optional[_Mapping[str, str]] = ...) -> None: ...

class RiskReason(_message.Message):
    __slots__ = ("code", "score", "text", "rule_id", "line_number")
    CODE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    code: str
    score: int
    text: str
    rule_id: str
    line_number: int
    def __init__(self, code: _Optional[str] = ..., score: _Optional[int] = ..., text: _Optional[str] = ..., rule_id: _Optional[str] = ..., line_number: _Optional[int] = ...) -> None: ...

class AssessRiskRequest(_message.Message):
    __slots__ = ("declaration", "items", "partner_id")
    DECLARATION_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    declaration: _common_pb2.Declaration
    items: _containers.RepeatedCompositeFieldContainer[_common_pb2.ItemTariffContext]
    partner_id: str
    def __init__(self, declaration: _Optional[_Union[_common_pb2.Declaration, _Mapping]] = ..., items: _Optional[_Iterable[_Union[_common_pb2.ItemTariffContext, _Mapping]]] = ..., partner_id: _Optional[str] = ...) -> None: ...

class AssessRiskResponse(_message.Message):
    __slots__ = ("declaration_id", "channel", "score", "reasons", "hits", "required_documents", "list_versions", "rules_revision", "explanation")
    class ListVersionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DECLARATION_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    LIST_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    RULES_REVISION_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    declaration_id: str
    channel: _common_pb2.Channel
    score: int
    reasons: _containers.RepeatedCompositeFieldContainer[RiskReason]
    hits: _containers.RepeatedCompositeFieldContainer[ScreeningHit]
    required_documents: _containers.RepeatedScalarFieldContainer[str]
    list_versions: _containers.ScalarMap[str, str]
    rules_revision: str
    explanation: _common_pb2.Explanation
    def __init__(self, declaration_id: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., score: _Optional[int] = ..., reasons: _Optional[_Iterable[_Union[RiskReason, _Mapping]]] = ..., hits: _Optional[_Iterable[_Union[ScreeningHit, _Mapping]]] = ..., required_documents: _Optional[_Iterable[str]] = ..., list_versions: _Optional[_Mapping[str, str]] = ..., rules_revision: _Optional[str] = ..., explanation: _Optional[_Union[_common_pb2.Explanation, _Mapping]] = ...) -> None: ...

class AssessRiskBatchRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[AssessRiskRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[AssessRiskRequest, _Mapping]]] = ...) -> None: ...

class AssessRiskBatchResponse(_message.Message):
    __slots__ = ("responses",)
    RESPONSES_FIELD_NUMBER: _ClassVar[int]
    responses: _containers.RepeatedCompositeFieldContainer[AssessRiskResponse]
    def __init__(self, responses: _Optional[_Iterable[_Union[AssessRiskResponse, _Mapping]]] = ...) -> None: ...
