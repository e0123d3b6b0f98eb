from google.type import date_pb2 as _date_pb2
from google.type import decimal_pb2 as _decimal_pb2
from google.type import money_pb2 as _money_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PartyRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTY_ROLE_UNSPECIFIED: _ClassVar[PartyRole]
    PARTY_ROLE_SELLER: _ClassVar[PartyRole]
    PARTY_ROLE_CONSIGNEE: _ClassVar[PartyRole]
    PARTY_ROLE_DECLARANT: _ClassVar[PartyRole]
    PARTY_ROLE_PLATFORM: _ClassVar[PartyRole]
    PARTY_ROLE_CARRIER: _ClassVar[PartyRole]
    PARTY_ROLE_EXPORTER: _ClassVar[PartyRole]
    PARTY_ROLE_MANUFACTURER: _ClassVar[PartyRole]

class Incoterm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INCOTERM_UNSPECIFIED: _ClassVar[Incoterm]
    INCOTERM_EXW: _ClassVar[Incoterm]
    INCOTERM_FCA: _ClassVar[Incoterm]
    INCOTERM_CPT: _ClassVar[Incoterm]
    INCOTERM_CIP: _ClassVar[Incoterm]
    INCOTERM_DAP: _ClassVar[Incoterm]
    INCOTERM_DPU: _ClassVar[Incoterm]
    INCOTERM_DDP: _ClassVar[Incoterm]
    INCOTERM_FAS: _ClassVar[Incoterm]
    INCOTERM_FOB: _ClassVar[Incoterm]
    INCOTERM_CFR: _ClassVar[Incoterm]
    INCOTERM_CIF: _ClassVar[Incoterm]

class TransportMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSPORT_MODE_UNSPECIFIED: _ClassVar[TransportMode]
    TRANSPORT_MODE_POST: _ClassVar[TransportMode]
    TRANSPORT_MODE_EXPRESS: _ClassVar[TransportMode]
    TRANSPORT_MODE_AIR_CARGO: _ClassVar[TransportMode]
    TRANSPORT_MODE_ROAD: _ClassVar[TransportMode]
    TRANSPORT_MODE_RAIL: _ClassVar[TransportMode]
    TRANSPORT_MODE_SEA: _ClassVar[TransportMode]

class ProofType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROOF_TYPE_UNSPECIFIED: _ClassVar[ProofType]
    PROOF_TYPE_CERTIFICATE: _ClassVar[ProofType]
    PROOF_TYPE_STATEMENT_ON_ORIGIN: _ClassVar[ProofType]
    PROOF_TYPE_IMPORTER_KNOWLEDGE: _ClassVar[ProofType]

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_GREEN: _ClassVar[Channel]
    CHANNEL_YELLOW: _ClassVar[Channel]
    CHANNEL_RED: _ClassVar[Channel]
    CHANNEL_BLOCK: _ClassVar[Channel]

class CollectionPoint(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COLLECTION_POINT_UNSPECIFIED: _ClassVar[CollectionPoint]
    COLLECTION_POINT_AT_SALE: _ClassVar[CollectionPoint]
    COLLECTION_POINT_AT_IMPORT: _ClassVar[CollectionPoint]
PARTY_ROLE_UNSPECIFIED: PartyRole
PARTY_ROLE_SELLER: PartyRole
PARTY_ROLE_CONSIGNEE: PartyRole
PARTY_ROLE_DECLARANT: PartyRole
PARTY_ROLE_PLATFORM: PartyRole
PARTY_ROLE_CARRIER: PartyRole
PARTY_ROLE_EXPORTER: PartyRole
PARTY_ROLE_MANUFACTURER: PartyRole
INCOTERM_UNSPECIFIED: Incoterm
INCOTERM_EXW: Incoterm
INCOTERM_FCA: Incoterm
INCOTERM_CPT: Incoterm
INCOTERM_CIP: Incoterm
INCOTERM_DAP: Incoterm
INCOTERM_DPU: Incoterm
INCOTERM_DDP: Incoterm
INCOTERM_FAS: Incoterm
INCOTERM_FOB: Incoterm
INCOTERM_CFR: Incoterm
INCOTERM_CIF: Incoterm
TRANSPORT_MODE_UNSPECIFIED: TransportMode
TRANSPORT_MODE_POST: TransportMode
TRANSPORT_MODE_EXPRESS: TransportMode
TRANSPORT_MODE_AIR_CARGO: TransportMode
TRANSPORT_MODE_ROAD: TransportMode
TRANSPORT_MODE_RAIL: TransportMode
TRANSPORT_MODE_SEA: TransportMode
PROOF_TYPE_UNSPECIFIED: ProofType
PROOF_TYPE_CERTIFICATE: ProofType
PROOF_TYPE_STATEMENT_ON_ORIGIN: ProofType
PROOF_TYPE_IMPORTER_KNOWLEDGE: ProofType
CHANNEL_UNSPECIFIED: Channel
CHANNEL_GREEN: Channel
CHANNEL_YELLOW: Channel
CHANNEL_RED: Channel
CHANNEL_BLOCK: Channel
COLLECTION_POINT_UNSPECIFIED: CollectionPoint
COLLECTION_POINT_AT_SALE: CollectionPoint
COLLECTION_POINT_AT_IMPORT: CollectionPoint

class Address(_message.Message):
    __slots__ = ("lines", "city", "postal_code", "region", "country_code")
    LINES_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_CODE_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedScalarFieldContainer[str]
    city: str
    postal_code: str
    region: str
    country_code: str
    def __init__(self, lines: _Optional[_Iterable[str]] = ..., city: _Optional[str] = ..., postal_code: _Optional[str] = ..., region: _Optional[str] = ..., country_code: _Optional[str] = ...) -> None: ...

class Party(_message.Message):
    __slots__ = ("role", "name", "address", "identifier", "vat_number")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    VAT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    role: PartyRole
    name: str
    address: Address
    identifier: str
    vat_number: str
    def __init__(self, role: _Optional[_Union[PartyRole, str]] = ..., name: _Optional[str] = ..., address: _Optional[_Union[Address, _Mapping]] = ..., identifier: _Optional[str] = ..., vat_number: _Optional[str] = ...) -> None: ...

class TransportDocument(_message.Message):
    __slots__ = ("type", "number", "mode", "carrier")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    type: str
    number: str
    mode: TransportMode
    carrier: str
    def __init__(self, type: _Optional[str] = ..., number: _Optional[str] = ..., mode: _Optional[_Union[TransportMode, str]] = ..., carrier: _Optional[str] = ...) -> None: ...

class Material(_message.Message):
    __slots__ = ("description", "hs_code", "value", "origin_country", "originating")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    HS_CODE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    ORIGINATING_FIELD_NUMBER: _ClassVar[int]
    description: str
    hs_code: str
    value: _money_pb2.Money
    origin_country: str
    originating: bool
    def __init__(self, description: _Optional[str] = ..., hs_code: _Optional[str] = ..., value: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., origin_country: _Optional[str] = ..., originating: _Optional[bool] = ...) -> None: ...

class BillOfMaterials(_message.Message):
    __slots__ = ("ex_works_price", "materials", "wholly_obtained")
    EX_WORKS_PRICE_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    WHOLLY_OBTAINED_FIELD_NUMBER: _ClassVar[int]
    ex_works_price: _money_pb2.Money
    materials: _containers.RepeatedCompositeFieldContainer[Material]
    wholly_obtained: bool
    def __init__(self, ex_works_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., materials: _Optional[_Iterable[_Union[Material, _Mapping]]] = ..., wholly_obtained: _Optional[bool] = ...) -> None: ...

class CoveredGoods(_message.Message):
    __slots__ = ("description", "hs_code", "quantity", "value")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    HS_CODE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    description: str
    hs_code: str
    quantity: int
    value: _money_pb2.Money
    def __init__(self, description: _Optional[str] = ..., hs_code: _Optional[str] = ..., quantity: _Optional[int] = ..., value: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class ProofOfOrigin(_message.Message):
    __slots__ = ("type", "reference", "issuer", "issuing_country", "exporter_registration", "issue_date", "valid_from", "valid_to", "statement_text", "consignment_references", "goods")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    ISSUING_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    EXPORTER_REGISTRATION_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DATE_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_TEXT_FIELD_NUMBER: _ClassVar[int]
    CONSIGNMENT_REFERENCES_FIELD_NUMBER: _ClassVar[int]
    GOODS_FIELD_NUMBER: _ClassVar[int]
    type: ProofType
    reference: str
    issuer: str
    issuing_country: str
    exporter_registration: str
    issue_date: _date_pb2.Date
    valid_from: _date_pb2.Date
    valid_to: _date_pb2.Date
    statement_text: str
    consignment_references: _containers.RepeatedScalarFieldContainer[str]
    goods: _containers.RepeatedCompositeFieldContainer[CoveredGoods]
    def __init__(self, type: _Optional[_Union[ProofType, str]] = ..., reference: _Optional[str] = ..., issuer: _Optional[str] = ..., issuing_country: _Optional[str] = ..., exporter_registration: _Optional[str] = ..., issue_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., valid_from: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., valid_to: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., statement_text: _Optional[str] = ..., consignment_references: _Optional[_Iterable[str]] = ..., goods: _Optional[_Iterable[_Union[CoveredGoods, _Mapping]]] = ...) -> None: ...

class OriginClaim(_message.Message):
    __slots__ = ("agreement", "proof")
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    agreement: str
    proof: ProofOfOrigin
    def __init__(self, agreement: _Optional[str] = ..., proof: _Optional[_Union[ProofOfOrigin, _Mapping]] = ...) -> None: ...

class DeclarationItem(_message.Message):
    __slots__ = ("line_number", "description", "declared_hs_code", "quantity", "net_mass_kg", "gross_mass_kg", "intrinsic_value", "origin_country", "category_path", "material", "brand", "preference_claimed", "bill_of_materials")
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DECLARED_HS_CODE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    NET_MASS_KG_FIELD_NUMBER: _ClassVar[int]
    GROSS_MASS_KG_FIELD_NUMBER: _ClassVar[int]
    INTRINSIC_VALUE_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_PATH_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_FIELD_NUMBER: _ClassVar[int]
    BRAND_FIELD_NUMBER: _ClassVar[int]
    PREFERENCE_CLAIMED_FIELD_NUMBER: _ClassVar[int]
    BILL_OF_MATERIALS_FIELD_NUMBER: _ClassVar[int]
    line_number: int
    description: str
    declared_hs_code: str
    quantity: int
    net_mass_kg: _decimal_pb2.Decimal
    gross_mass_kg: _decimal_pb2.Decimal
    intrinsic_value: _money_pb2.Money
    origin_country: str
    category_path: str
    material: str
    brand: str
    preference_claimed: bool
    bill_of_materials: BillOfMaterials
    def __init__(self, line_number: _Optional[int] = ..., description: _Optional[str] = ..., declared_hs_code: _Optional[str] = ..., quantity: _Optional[int] = ..., net_mass_kg: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ..., gross_mass_kg: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ..., intrinsic_value: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., origin_country: _Optional[str] = ..., category_path: _Optional[str] = ..., material: _Optional[str] = ..., brand: _Optional[str] = ..., preference_claimed: _Optional[bool] = ..., bill_of_materials: _Optional[_Union[BillOfMaterials, _Mapping]] = ...) -> None: ...

class Declaration(_message.Message):
    __slots__ = ("declaration_id", "declaration_date", "destination_country", "dispatch_country", "seller", "consignee", "declarant", "platform", "other_parties", "ioss_number", "low_value_scheme_id", "transport_document", "items", "freight", "insurance", "incoterm", "gift", "order_reference", "payment_reference", "origin_claim")
    DECLARATION_ID_FIELD_NUMBER: _ClassVar[int]
    DECLARATION_DATE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    DISPATCH_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    SELLER_FIELD_NUMBER: _ClassVar[int]
    CONSIGNEE_FIELD_NUMBER: _ClassVar[int]
    DECLARANT_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    OTHER_PARTIES_FIELD_NUMBER: _ClassVar[int]
    IOSS_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LOW_VALUE_SCHEME_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSPORT_DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    FREIGHT_FIELD_NUMBER: _ClassVar[int]
    INSURANCE_FIELD_NUMBER: _ClassVar[int]
    INCOTERM_FIELD_NUMBER: _ClassVar[int]
    GIFT_FIELD_NUMBER: _ClassVar[int]
    ORDER_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_CLAIM_FIELD_NUMBER: _ClassVar[int]
    declaration_id: str
    declaration_date: _date_pb2.Date
    destination_country: str
    dispatch_country: str
    seller: Party
    consignee: Party
    declarant: Party
    platform: Party
    other_parties: _containers.RepeatedCompositeFieldContainer[Party]
    ioss_number: str
    low_value_scheme_id: str
    transport_document: TransportDocument
    items: _containers.RepeatedCompositeFieldContainer[DeclarationItem]
    freight: _money_pb2.Money
    insurance: _money_pb2.Money
    incoterm: Incoterm
    gift: bool
    order_reference: str
    payment_reference: str
    origin_claim: OriginClaim
    def __init__(self, declaration_id: _Optional[str] = ..., declaration_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., destination_country: _Optional[str] = ..., dispatch_country: _Optional[str] = ..., seller: _Optional[_Union[Party, _Mapping]] = ..., consignee: _Optional[_Union[Party, _Mapping]] = ..., declarant: _Optional[_Union[Party, _Mapping]] = ..., platform: _Optional[_Union[Party, _Mapping]] = ..., other_parties: _Optional[_Iterable[_Union[Party, _Mapping]]] = ..., ioss_number: _Optional[str] = ..., low_value_scheme_id: _Optional[str] = ..., transport_document: _Optional[_Union[TransportDocument, _Mapping]] = ..., items: _Optional[_Iterable[_Union[DeclarationItem, _Mapping]]] = ..., freight: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., insurance: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., incoterm: _Optional[_Union[Incoterm, str]] = ..., gift: _Optional[bool] = ..., order_reference: _Optional[str] = ..., payment_reference: _Optional[str] = ..., origin_claim: _Optional[_Union[OriginClaim, _Mapping]] = ...) -> None: ...

class FiredRule(_message.Message):
    __slots__ = ("rule_id", "pack_id", "text")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    PACK_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    pack_id: str
    text: str
    def __init__(self, rule_id: _Optional[str] = ..., pack_id: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class Explanation(_message.Message):
    __slots__ = ("fired_rules", "notes")
    FIRED_RULES_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    fired_rules: _containers.RepeatedCompositeFieldContainer[FiredRule]
    notes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, fired_rules: _Optional[_Iterable[_Union[FiredRule, _Mapping]]] = ..., notes: _Optional[_Iterable[str]] = ...) -> None: ...

class ItemTariffContext(_message.Message):
    __slots__ = ("line_number", "hs_code", "national_tariff_code", "preference_agreement")
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    HS_CODE_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_TARIFF_CODE_FIELD_NUMBER: _ClassVar[int]
    PREFERENCE_AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    line_number: int
    hs_code: str
    national_tariff_code: str
    preference_agreement: str
    def __init__(self, line_number: _Optional[int] = ..., hs_code: _Optional[str] = ..., national_tariff_code: _Optional[str] = ..., preference_agreement: _Optional[str] = ...) -> None: ...
