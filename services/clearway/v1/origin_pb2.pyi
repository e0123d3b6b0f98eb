from clearway.v1 import common_pb2 as _common_pb2
from google.type import date_pb2 as _date_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OriginFinding(_message.Message):
    __slots__ = ("code", "passed", "text", "rule_id")
    CODE_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    code: str
    passed: bool
    text: str
    rule_id: str
    def __init__(self, code: _Optional[str] = ..., passed: _Optional[bool] = ..., text: _Optional[str] = ..., rule_id: _Optional[str] = ...) -> None: ...

class CheckProofRequest(_message.Message):
    __slots__ = ("declaration",)
    DECLARATION_FIELD_NUMBER: _ClassVar[int]
    declaration: _common_pb2.Declaration
    def __init__(self, declaration: _Optional[_Union[_common_pb2.Declaration, _Mapping]] = ...) -> None: ...

class CheckProofResponse(_message.Message):
    __slots__ = ("valid", "findings", "rules_revision", "explanation")
    VALID_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    RULES_REVISION_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    findings: _containers.RepeatedCompositeFieldContainer[OriginFinding]
    rules_revision: str
    explanation: _common_pb2.Explanation
    def __init__(self, valid: _Optional[bool] = ..., findings: _Optional[_Iterable[_Union[OriginFinding, _Mapping]]] = ..., rules_revision: _Optional[str] = ..., explanation: _Optional[_Union[_common_pb2.Explanation, _Mapping]] = ...) -> None: ...

class EvaluateProductRuleRequest(_message.Message):
    __slots__ = ("agreement", "hs_code", "bill_of_materials", "on_date")
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    HS_CODE_FIELD_NUMBER: _ClassVar[int]
    BILL_OF_MATERIALS_FIELD_NUMBER: _ClassVar[int]
    ON_DATE_FIELD_NUMBER: _ClassVar[int]
    agreement: str
    hs_code: str
    bill_of_materials: _common_pb2.BillOfMaterials
    on_date: _date_pb2.Date
    def __init__(self, agreement: _Optional[str] = ..., hs_code: _Optional[str] = ..., bill_of_materials: _Optional[_Union[_common_pb2.BillOfMaterials, _Mapping]] = ..., on_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class EvaluateProductRuleResponse(_message.Message):
    __slots__ = ("satisfied", "rule_text", "rule_applied", "figures", "findings", "rules_revision", "explanation")
    SATISFIED_FIELD_NUMBER: _ClassVar[int]
    RULE_TEXT_FIELD_NUMBER: _ClassVar[int]
    RULE_APPLIED_FIELD_NUMBER: _ClassVar[int]
    FIGURES_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    RULES_REVISION_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    satisfied: bool
    rule_text: str
    rule_applied: str
    figures: _containers.RepeatedScalarFieldContainer[str]
    findings: _containers.RepeatedCompositeFieldContainer[OriginFinding]
    rules_revision: str
    explanation: _common_pb2.Explanation
    def __init__(self, satisfied: _Optional[bool] = ..., rule_text: _Optional[str] = ..., rule_applied: _Optional[str] = ..., figures: _Optional[_Iterable[str]] = ..., findings: _Optional[_Iterable[_Union[OriginFinding, _Mapping]]] = ..., rules_revision: _Optional[str] = ..., explanation: _Optional[_Union[_common_pb2.Explanation, _Mapping]] = ...) -> None: ...

class ItemPreference(_message.Message):
    __slots__ = ("line_number", "agreement", "granted", "rule_applied", "figures", "findings")
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    RULE_APPLIED_FIELD_NUMBER: _ClassVar[int]
    FIGURES_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    line_number: int
    agreement: str
    granted: bool
    rule_applied: str
    figures: _containers.RepeatedScalarFieldContainer[str]
    findings: _containers.RepeatedCompositeFieldContainer[OriginFinding]
    def __init__(self, line_number: _Optional[int] = ..., agreement: _Optional[str] = ..., granted: _Optional[bool] = ..., rule_applied: _Optional[str] = ..., figures: _Optional[_Iterable[str]] = ..., findings: _Optional[_Iterable[_Union[OriginFinding, _Mapping]]] = ...) -> None: ...

class DecidePreferenceRequest(_message.Message):
    __slots__ = ("declaration", "items")
    DECLARATION_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    declaration: _common_pb2.Declaration
    items: _containers.RepeatedCompositeFieldContainer[_common_pb2.ItemTariffContext]
    def __init__(self, declaration: _Optional[_Union[_common_pb2.Declaration, _Mapping]] = ..., items: _Optional[_Iterable[_Union[_common_pb2.ItemTariffContext, _Mapping]]] = ...) -> None: ...

class DecidePreferenceResponse(_message.Message):
    __slots__ = ("declaration_id", "proof_valid", "items", "rules_revision", "explanation")
    DECLARATION_ID_FIELD_NUMBER: _ClassVar[int]
    PROOF_VALID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    RULES_REVISION_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    declaration_id: str
    proof_valid: bool
    items: _containers.RepeatedCompositeFieldContainer[ItemPreference]
    rules_revision: str
    explanation: _common_pb2.Explanation
    def __init__(self, declaration_id: _Optional[str] = ..., proof_valid: _Optional[bool] = ..., items: _Optional[_Iterable[_Union[ItemPreference, _Mapping]]] = ..., rules_revision: _Optional[str] = ..., explanation: _Optional[_Union[_common_pb2.Explanation, _Mapping]] = ...) -> None: ...

class DecidePreferenceBatchRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[DecidePreferenceRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[DecidePreferenceRequest, _Mapping]]] = ...) -> None: ...

class DecidePreferenceBatchResponse(_message.Message):
    __slots__ = ("responses",)
    RESPONSES_FIELD_NUMBER: _ClassVar[int]
    responses: _containers.RepeatedCompositeFieldContainer[DecidePreferenceResponse]
    def __init__(self, responses: _Optional[_Iterable[_Union[DecidePreferenceResponse, _Mapping]]] = ...) -> None: ...
