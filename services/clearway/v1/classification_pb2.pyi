from clearway.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ClassifyRequest(_message.Message):
    __slots__ = ("description", "category_path", "material", "brand", "declared_hs_code", "destination_country", "top_k")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_PATH_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_FIELD_NUMBER: _ClassVar[int]
    BRAND_FIELD_NUMBER: _ClassVar[int]
    DECLARED_HS_CODE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    description: str
    category_path: str
    material: str
    brand: str
    declared_hs_code: str
    destination_country: str
    top_k: int
    def __init__(self, description: _Optional[str] = ..., category_path: _Optional[str] = ..., material: _Optional[str] = ..., brand: _Optional[str] = ..., declared_hs_code: _Optional[str] = ..., destination_country: _Optional[str] = ..., top_k: _Optional[int] = ...) -> None: ...

class HsCandidate(_message.Message):
    __slots__ = ("hs_code", "description", "confidence")
    HS_CODE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    hs_code: str
    description: str
    confidence: float
    def __init__(self, hs_code: _Optional[str] = ..., description: _Optional[str] = ..., confidence: _Optional[float] = ...) -> None: ...

class DeclaredCodeCheck(_message.Message):
    __slots__ = ("declared_hs_code", "exists", "plausible", "confidence", "suggested_hs_code")
    DECLARED_HS_CODE_FIELD_NUMBER: _ClassVar[int]
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    PLAUSIBLE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_HS_CODE_FIELD_NUMBER: _ClassVar[int]
    declared_hs_code: str
    exists: bool
    plausible: bool
    confidence: float
    suggested_hs_code: str
    def __init__(self, declared_hs_code: _Optional[str] = ..., exists: _Optional[bool] = ..., plausible: _Optional[bool] = ..., confidence: _Optional[float] = ..., suggested_hs_code: _Optional[str] = ...) -> None: ...

class ClassifyResponse(_message.Message):
    __slots__ = ("best", "alternatives", "national_tariff_code", "matched_terms", "declared_code_check", "model_version", "rules_revision", "explanation")
    BEST_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVES_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_TARIFF_CODE_FIELD_NUMBER: _ClassVar[int]
    MATCHED_TERMS_FIELD_NUMBER: _ClassVar[int]
    DECLARED_CODE_CHECK_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    RULES_REVISION_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    best: HsCandidate
    alternatives: _containers.RepeatedCompositeFieldContainer[HsCandidate]
    national_tariff_code: str
    matched_terms: _containers.RepeatedScalarFieldContainer[str]
    declared_code_check: DeclaredCodeCheck
    model_version: str
    rules_revision: str
    explanation: _common_pb2.Explanation
    def __init__(self, best: _Optional[_Union[HsCandidate, _Mapping]] = ..., alternatives: _Optional[_Iterable[_Union[HsCandidate, _Mapping]]] = ..., national_tariff_code: _Optional[str] = ..., matched_terms: _Optional[_Iterable[str]] = ..., declared_code_check: _Optional[_Union[DeclaredCodeCheck, _Mapping]] = ..., model_version: _Optional[str] = ..., rules_revision: _Optional[str] = ..., explanation: _Optional[_Union[_common_pb2.Explanation, _Mapping]] = ...) -> None: ...

class ClassifyBatchRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[ClassifyRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[ClassifyRequest, _Mapping]]] = ...) -> None: ...

class ClassifyBatchResponse(_message.Message):
    __slots__ = ("responses",)
    RESPONSES_FIELD_NUMBER: _ClassVar[int]
    responses: _containers.RepeatedCompositeFieldContainer[ClassifyResponse]
    def __init__(self, responses: _Optional[_Iterable[_Union[ClassifyResponse, _Mapping]]] = ...) -> None: ...

class ValidateCodeRequest(_message.Message):
    __slots__ = ("hs_code", "description")
    HS_CODE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    hs_code: str
    description: str
    def __init__(self, hs_code: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ValidateCodeResponse(_message.Message):
    __slots__ = ("check", "rules_revision", "explanation")
    CHECK_FIELD_NUMBER: _ClassVar[int]
    RULES_REVISION_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    check: DeclaredCodeCheck
    rules_revision: str
    explanation: _common_pb2.Explanation
    def __init__(self, check: _Optional[_Union[DeclaredCodeCheck, _Mapping]] = ..., rules_revision: _Optional[str] = ..., explanation: _Optional[_Union[_common_pb2.Explanation, _Mapping]] = ...) -> None: ...
