from clearway.v1 import common_pb2 as _common_pb2
from google.rpc import status_pb2 as _status_pb2
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

class ChargeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHARGE_TYPE_UNSPECIFIED: _ClassVar[ChargeType]
    CHARGE_TYPE_CUSTOMS_DUTY: _ClassVar[ChargeType]
    CHARGE_TYPE_FLAT_DUTY: _ClassVar[ChargeType]
    CHARGE_TYPE_ADDITIONAL_DUTY: _ClassVar[ChargeType]
    CHARGE_TYPE_VAT: _ClassVar[ChargeType]
    CHARGE_TYPE_GST: _ClassVar[ChargeType]
    CHARGE_TYPE_CONSUMPTION_TAX: _ClassVar[ChargeType]
    CHARGE_TYPE_EXCISE: _ClassVar[ChargeType]
    CHARGE_TYPE_HANDLING_FEE: _ClassVar[ChargeType]
    CHARGE_TYPE_HST: _ClassVar[ChargeType]
    CHARGE_TYPE_PROVINCIAL_SALES_TAX: _ClassVar[ChargeType]
CHARGE_TYPE_UNSPECIFIED: ChargeType
CHARGE_TYPE_CUSTOMS_DUTY: ChargeType
CHARGE_TYPE_FLAT_DUTY: ChargeType
CHARGE_TYPE_ADDITIONAL_DUTY: ChargeType
CHARGE_TYPE_VAT: ChargeType
CHARGE_TYPE_GST: ChargeType
CHARGE_TYPE_CONSUMPTION_TAX: ChargeType
CHARGE_TYPE_EXCISE: ChargeType
CHARGE_TYPE_HANDLING_FEE: ChargeType
CHARGE_TYPE_HST: ChargeType
CHARGE_TYPE_PROVINCIAL_SALES_TAX: ChargeType

class Charge(_message.Message):
    __slots__ = ("type", "amount", "collected_at", "base", "rate", "line_number", "rule_id")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    COLLECTED_AT_FIELD_NUMBER: _ClassVar[int]
    BASE_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    type: ChargeType
    amount: _money_pb2.Money
    collected_at: _common_pb2.CollectionPoint
    base: _money_pb2.Money
    rate: str
    line_number: int
    rule_id: str
    def __init__(self, type: _Optional[_Union[ChargeType, str]] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., collected_at: _Optional[_Union[_common_pb2.CollectionPoint, str]] = ..., base: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., rate: _Optional[str] = ..., line_number: _Optional[int] = ..., rule_id: _Optional[str] = ...) -> None: ...

class ExchangeRateUsed(_message.Message):
    __slots__ = ("from_currency", "to_currency", "rate", "rate_date", "source")
    FROM_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TO_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    RATE_DATE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    from_currency: str
    to_currency: str
    rate: _decimal_pb2.Decimal
    rate_date: _date_pb2.Date
    source: str
    def __init__(self, from_currency: _Optional[str] = ..., to_currency: _Optional[str] = ..., rate: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ..., rate_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class ItemValuation(_message.Message):
    __slots__ = ("line_number", "hs_code", "tariff_line", "intrinsic_value", "customs_value", "duty_rate", "preference_applied")
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    HS_CODE_FIELD_NUMBER: _ClassVar[int]
    TARIFF_LINE_FIELD_NUMBER: _ClassVar[int]
    INTRINSIC_VALUE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMS_VALUE_FIELD_NUMBER: _ClassVar[int]
    DUTY_RATE_FIELD_NUMBER: _ClassVar[int]
    PREFERENCE_APPLIED_FIELD_NUMBER: _ClassVar[int]
    line_number: int
    hs_code: str
    tariff_line: str
    intrinsic_value: _money_pb2.Money
    customs_value: _money_pb2.Money
    duty_rate: str
    preference_applied: bool
    def __init__(self, line_number: _Optional[int] = ..., hs_code: _Optional[str] = ..., tariff_line: _Optional[str] = ..., intrinsic_value: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., customs_value: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., duty_rate: _Optional[str] = ..., preference_applied: _Optional[bool] = ...) -> None: ...

class CalculateChargesRequest(_message.Message):
    __slots__ = ("declaration", "items", "consumer_year_total")
    DECLARATION_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_YEAR_TOTAL_FIELD_NUMBER: _ClassVar[int]
    declaration: _common_pb2.Declaration
    items: _containers.RepeatedCompositeFieldContainer[_common_pb2.ItemTariffContext]
    consumer_year_total: _money_pb2.Money
    def __init__(self, declaration: _Optional[_Union[_common_pb2.Declaration, _Mapping]] = ..., items: _Optional[_Iterable[_Union[_common_pb2.ItemTariffContext, _Mapping]]] = ..., consumer_year_total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class CalculateChargesResponse(_message.Message):
    __slots__ = ("declaration_id", "regime", "valuation_basis", "intrinsic_value", "customs_value", "items", "charges", "total_collected_at_sale", "total_due_at_import", "exchange_rates", "rules_revision", "explanation", "error")
    DECLARATION_ID_FIELD_NUMBER: _ClassVar[int]
    REGIME_FIELD_NUMBER: _ClassVar[int]
    VALUATION_BASIS_FIELD_NUMBER: _ClassVar[int]
    INTRINSIC_VALUE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMS_VALUE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    CHARGES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COLLECTED_AT_SALE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DUE_AT_IMPORT_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_RATES_FIELD_NUMBER: _ClassVar[int]
    RULES_REVISION_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    declaration_id: str
    regime: str
    valuation_basis: str
    intrinsic_value: _money_pb2.Money
    customs_value: _money_pb2.Money
    items: _containers.RepeatedCompositeFieldContainer[ItemValuation]
    charges: _containers.RepeatedCompositeFieldContainer[Charge]
    total_collected_at_sale: _money_pb2.Money
    total_due_at_import: _money_pb2.Money
    exchange_rates: _containers.RepeatedCompositeFieldContainer[ExchangeRateUsed]
    rules_revision: str
    explanation: _common_pb2.Explanation
    error: _status_pb2.Status
    def __init__(self, declaration_id: _Optional[str] = ..., regime: _Optional[str] = ..., valuation_basis: _Optional[str] = ..., intrinsic_value: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., customs_value: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., items: _Optional[_Iterable[_Union[ItemValuation, _Mapping]]] = ..., charges: _Optional[_Iterable[_Union[Charge, _Mapping]]] = ..., total_collected_at_sale: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., total_due_at_import: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., exchange_rates: _Optional[_Iterable[_Union[ExchangeRateUsed, _Mapping]]] = ..., rules_revision: _Optional[str] = ..., explanation: _Optional[_Union[_common_pb2.Explanation, _Mapping]] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...

class CalculateChargesBatchRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[CalculateChargesRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[CalculateChargesRequest, _Mapping]]] = ...) -> None: ...

class CalculateChargesBatchResponse(_message.Message):
    __slots__ = ("responses",)
    RESPONSES_FIELD_NUMBER: _ClassVar[int]
    responses: _containers.RepeatedCompositeFieldContainer[CalculateChargesResponse]
    def __init__(self, responses: _Optional[_Iterable[_Union[CalculateChargesResponse, _Mapping]]] = ...) -> None: ...

class BasketLine(_message.Message):
    __slots__ = ("description", "hs_code", "quantity", "unit_price", "net_mass_kg", "origin_country")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    HS_CODE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    NET_MASS_KG_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    description: str
    hs_code: str
    quantity: int
    unit_price: _money_pb2.Money
    net_mass_kg: _decimal_pb2.Decimal
    origin_country: str
    def __init__(self, description: _Optional[str] = ..., hs_code: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., net_mass_kg: _Optional[_Union[_decimal_pb2.Decimal, _Mapping]] = ..., origin_country: _Optional[str] = ...) -> None: ...

class QuoteLandedCostRequest(_message.Message):
    __slots__ = ("destination_country", "dispatch_country", "sale_date", "lines", "shipping", "insurance", "seller_registered", "quote_currency", "consignee_region", "consumer_year_total")
    DESTINATION_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    DISPATCH_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    SALE_DATE_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    SHIPPING_FIELD_NUMBER: _ClassVar[int]
    INSURANCE_FIELD_NUMBER: _ClassVar[int]
    SELLER_REGISTERED_FIELD_NUMBER: _ClassVar[int]
    QUOTE_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CONSIGNEE_REGION_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_YEAR_TOTAL_FIELD_NUMBER: _ClassVar[int]
    destination_country: str
    dispatch_country: str
    sale_date: _date_pb2.Date
    lines: _containers.RepeatedCompositeFieldContainer[BasketLine]
    shipping: _money_pb2.Money
    insurance: _money_pb2.Money
    seller_registered: bool
    quote_currency: str
    consignee_region: str
    consumer_year_total: _money_pb2.Money
    def __init__(self, destination_country: _Optional[str] = ..., dispatch_country: _Optional[str] = ..., sale_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., lines: _Optional[_Iterable[_Union[BasketLine, _Mapping]]] = ..., shipping: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., insurance: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., seller_registered: _Optional[bool] = ..., quote_currency: _Optional[str] = ..., consignee_region: _Optional[str] = ..., consumer_year_total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class QuoteLandedCostResponse(_message.Message):
    __slots__ = ("regime", "charges", "goods_total", "total_charges", "landed_cost", "exchange_rates", "rules_revision", "explanation")
    REGIME_FIELD_NUMBER: _ClassVar[int]
    CHARGES_FIELD_NUMBER: _ClassVar[int]
    GOODS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CHARGES_FIELD_NUMBER: _ClassVar[int]
    LANDED_COST_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_RATES_FIELD_NUMBER: _ClassVar[int]
    RULES_REVISION_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    regime: str
    charges: _containers.RepeatedCompositeFieldContainer[Charge]
    goods_total: _money_pb2.Money
    total_charges: _money_pb2.Money
    landed_cost: _money_pb2.Money
    exchange_rates: _containers.RepeatedCompositeFieldContainer[ExchangeRateUsed]
    rules_revision: str
    explanation: _common_pb2.Explanation
    def __init__(self, regime: _Optional[str] = ..., charges: _Optional[_Iterable[_Union[Charge, _Mapping]]] = ..., goods_total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., total_charges: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., landed_cost: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., exchange_rates: _Optional[_Iterable[_Union[ExchangeRateUsed, _Mapping]]] = ..., rules_revision: _Optional[str] = ..., explanation: _Optional[_Union[_common_pb2.Explanation, _Mapping]] = ...) -> None: ...
