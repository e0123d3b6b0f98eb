"""ValuationService: charges of declarations and landed-cost quotes over gRPC.

Thin: proto in, every bad field collected under its request path, one domain call, proto out.
CalculateCharges, CalculateChargesBatch and QuoteLandedCost share one code path; a quote
builds a transient declaration from the basket and stores nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import UTC, datetime

import grpc
from google.protobuf.internal.containers import RepeatedCompositeFieldContainer

from clearway.declarations.codec import (
    HS_CODE,
    DeclarationReader,
    date_to_proto,
    decimal_to_proto,
    put_money,
)
from clearway.declarations.codes import CURRENCIES, hs_digits
from clearway.declarations.model import Address, Declaration, Item, Money, Party
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.fx import load_rates
from clearway.reference.tariff import load_tariff
from clearway.rules import RulesEngine
from clearway.rules.explanation import put_explanation
from clearway.runtime.errors import ClearwayError, FieldViolations
from clearway.runtime.server import ClearwayService
from clearway.runtime.settings import Settings
from clearway.runtime.telemetry import Telemetry
from clearway.v1 import valuation_pb2, valuation_pb2_grpc
from clearway.valuation.conversion import RateUsed
from clearway.valuation.domain import Valuation
from clearway.valuation.model import (
    Assessment,
    Charge,
    ChargesRequest,
    RequestPaths,
    TariffContext,
)

MAX_BATCH = 1000
MAX_BASKET_LINES = 999
_NATIONAL_CODE = re.compile(r"\d{8}(\d{2})?")


# -- proto in ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=MAX_BATCH + 1)
def _paths(prefix: str) -> RequestPaths:
    """The paths of a batch's request (`requests[7].`), built once per position."""
    return RequestPaths(
        items=f"{prefix}declaration.items",
        freight=f"{prefix}declaration.freight",
        consumer_year_total=f"{prefix}consumer_year_total",
    )


class RequestReader:
    """Reads the requests of one call into domain values, collecting every violation."""

    def __init__(self) -> None:
        self.violations = FieldViolations()
        self.reader = DeclarationReader(self.violations)

    def charges(
        self, message: valuation_pb2.CalculateChargesRequest, prefix: str
    ) -> ChargesRequest | None:
        before = len(self.violations)
        declaration = self.reader.declaration(message.declaration, f"{prefix}declaration")
        lines = {item.line_number or i + 1 for i, item in enumerate(message.declaration.items)}
        contexts = []
        seen: set[int] = set()
        for index, context in enumerate(message.items):
            line_number = context.line_number
            if line_number not in lines:
                self._context_violation(prefix, index, "line_number", "matches no declared item")
            elif line_number in seen:
                self._context_violation(prefix, index, "line_number", "is given twice")
            seen.add(line_number)
            hs_code = hs_digits(context.hs_code)
            if hs_code and not HS_CODE.fullmatch(hs_code):
                self._context_violation(prefix, index, "hs_code", "must be 6, 8 or 10 digits")
            national = hs_digits(context.national_tariff_code)
            if national and not _NATIONAL_CODE.fullmatch(national):
                self._context_violation(
                    prefix, index, "national_tariff_code", "must be 8 or 10 digits"
                )
            agreement = context.preference_agreement
            if len(agreement) > 64:
                self._context_violation(
                    prefix, index, "preference_agreement", "must be at most 64 characters"
                )
            contexts.append(TariffContext(line_number, hs_code, national, agreement))
        paths = _paths(prefix)
        year_total = self._year_total(message, paths.consumer_year_total)
        if declaration is None or len(self.violations) != before:
            return None
        return ChargesRequest(
            declaration, tuple(contexts), paths=paths, consumer_year_total=year_total
        )

    def _context_violation(self, prefix: str, index: int, field: str, description: str) -> None:
        self.violations.add(f"{prefix}items[{index}].{field}", description)

    def _year_total(
        self,
        message: valuation_pb2.CalculateChargesRequest | valuation_pb2.QuoteLandedCostRequest,
        path: str,
    ) -> Money | None:
        """The consumer's yearly total when the caller knows it (unset means unknown)."""
        if not message.HasField("consumer_year_total"):
            return None
        return self.reader.money(message.consumer_year_total, path)

    def quote(
        self, message: valuation_pb2.QuoteLandedCostRequest
    ) -> tuple[ChargesRequest, str] | None:
        """The basket as a transient declaration; unit prices times quantities are the values."""
        before = len(self.violations)
        reader = self.reader
        destination = reader.country(
            message.destination_country, "destination_country", required=True
        )
        dispatch = reader.country(message.dispatch_country, "dispatch_country", required=True)
        sale_date = reader.date(message.sale_date, "sale_date", required=False)
        if message.quote_currency and message.quote_currency not in CURRENCIES:
            self.violations.add("quote_currency", "must be an ISO 4217 currency code")
        if not message.lines:
            self.violations.add("lines", "at least one line is required")
        elif len(message.lines) > MAX_BASKET_LINES:
            self.violations.add("lines", f"at most {MAX_BASKET_LINES} lines")
        items = []
        for index, line in enumerate(message.lines[:MAX_BASKET_LINES]):
            path = f"lines[{index}]"
            price = reader.money(line.unit_price, f"{path}.unit_price")
            if line.quantity < 1 or line.quantity > 1_000_000:
                self.violations.add(f"{path}.quantity", "must be between 1 and 1,000,000")
            mass = reader.decimal(line.net_mass_kg, f"{path}.net_mass_kg")
            if price is None:
                continue
            items.append(
                Item(
                    line_number=index + 1,
                    description=reader.text(line.description, f"{path}.description", required=False)
                    or f"basket line {index + 1}",
                    quantity=line.quantity,
                    intrinsic_value=Money(price.amount * line.quantity, price.currency),
                    declared_hs_code=reader.hs_code(line.hs_code, f"{path}.hs_code"),
                    net_mass_kg=mass * line.quantity if mass is not None else None,
                    origin_country=reader.country(
                        line.origin_country, f"{path}.origin_country", required=False
                    ),
                )
            )
        if len({item.intrinsic_value.currency for item in items}) > 1:
            self.violations.add("lines", "all unit prices must be in one currency")
        shipping = reader.money(message.shipping, "shipping", required=False)
        insurance = reader.money(message.insurance, "insurance", required=False)
        region = reader.text(
            message.consignee_region, "consignee_region", required=False, limit=64
        ).upper()
        year_total = self._year_total(message, "consumer_year_total")
        if len(self.violations) != before:
            return None
        declaration = Declaration(
            declaration_id="quote",
            declaration_date=sale_date or datetime.now(UTC).date(),
            destination_country=destination,
            dispatch_country=dispatch,
            items=tuple(items),
            consignee=Party("CONSIGNEE", "", Address(region=region, country=destination))
            if region
            else None,
            freight=shipping,
            insurance=insurance,
        )
        request = ChargesRequest(
            declaration,
            seller_registered=message.seller_registered,
            paths=RequestPaths(items="lines", hs_code_field="hs_code", freight="shipping"),
            consumer_year_total=year_total,
        )
        return request, message.quote_currency

    def raise_if_any(self) -> None:
        self.violations.raise_if_any()


# -- proto out ---------------------------------------------------------------------------------


def _put_charges(
    target: RepeatedCompositeFieldContainer[valuation_pb2.Charge], charges: Iterable[Charge]
) -> None:
    for charge in charges:
        message = target.add(
            type=f"CHARGE_TYPE_{charge.type}",
            collected_at=f"COLLECTION_POINT_{charge.collected_at}",
            rate=charge.rate,
            line_number=charge.line_number,
            rule_id=charge.rule_id,
        )
        put_money(message.amount, charge.amount)
        if charge.base is not None:
            put_money(message.base, charge.base)


def _put_rates(
    target: RepeatedCompositeFieldContainer[valuation_pb2.ExchangeRateUsed],
    rates: Iterable[RateUsed],
) -> None:
    for rate in rates:
        target.add(
            from_currency=rate.from_currency,
            to_currency=rate.to_currency,
            rate=decimal_to_proto(rate.rate),
            rate_date=date_to_proto(rate.rate_date),
            source=rate.source,
        )


def _put_assessment(target: valuation_pb2.CalculateChargesResponse, assessment: Assessment) -> None:
    target.declaration_id = assessment.declaration_id
    target.regime = assessment.regime
    target.valuation_basis = assessment.valuation_basis
    put_money(target.intrinsic_value, assessment.intrinsic_value)
    put_money(target.customs_value, assessment.customs_value)
    add_item = target.items.add
    for item in assessment.items:
        message = add_item(
            line_number=item.line_number,
            hs_code=item.hs_code,
            tariff_line=item.tariff_line,
            duty_rate=item.duty_rate,
            preference_applied=item.preference_applied,
        )
        put_money(message.intrinsic_value, item.intrinsic_value)
        put_money(message.customs_value, item.customs_value)
    _put_charges(target.charges, assessment.charges)
    put_money(target.total_collected_at_sale, assessment.total_at_sale)
    put_money(target.total_due_at_import, assessment.total_at_import)
    _put_rates(target.exchange_rates, assessment.exchange_rates)
    target.rules_revision = assessment.rules_revision
    put_explanation(target.explanation, assessment.fired, assessment.notes)


def charges_response(assessment: Assessment) -> valuation_pb2.CalculateChargesResponse:
    response = valuation_pb2.CalculateChargesResponse()
    _put_assessment(response, assessment)
    return response


# -- the service -------------------------------------------------------------------------------


class ValuationServicer(valuation_pb2_grpc.ValuationServiceServicer):
    def __init__(self, service: ValuationService) -> None:
        self.service = service

    def CalculateCharges(
        self, request: valuation_pb2.CalculateChargesRequest, context: grpc.ServicerContext
    ) -> valuation_pb2.CalculateChargesResponse:
        domain = self.service.domain
        reader = RequestReader()
        charges = reader.charges(request, "")
        reader.raise_if_any()
        assert charges is not None
        return charges_response(domain.assess(charges))

    def CalculateChargesBatch(
        self, request: valuation_pb2.CalculateChargesBatchRequest, context: grpc.ServicerContext
    ) -> valuation_pb2.CalculateChargesBatchResponse:
        domain = self.service.domain
        if len(request.requests) > MAX_BATCH:
            too_many = FieldViolations()
            too_many.add("requests", f"at most {MAX_BATCH} requests per batch")
            too_many.raise_if_any()
        reader = RequestReader()
        batch = [reader.charges(r, f"requests[{i}].") for i, r in enumerate(request.requests)]
        reader.raise_if_any()
        requests = [r for r in batch if r is not None]
        response = valuation_pb2.CalculateChargesBatchResponse()
        add = response.responses.add
        for charges, result in zip(requests, domain.assess_each(requests), strict=True):
            if isinstance(result, ClearwayError):
                add(declaration_id=charges.declaration.declaration_id, error=result.to_status())
            else:
                _put_assessment(add(), result)
        return response

    def QuoteLandedCost(
        self, request: valuation_pb2.QuoteLandedCostRequest, context: grpc.ServicerContext
    ) -> valuation_pb2.QuoteLandedCostResponse:
        domain = self.service.domain
        reader = RequestReader()
        parsed = reader.quote(request)
        reader.raise_if_any()
        assert parsed is not None
        charges, currency = parsed
        quote = domain.quote(charges, currency)
        response = valuation_pb2.QuoteLandedCostResponse(
            regime=quote.regime, rules_revision=quote.rules_revision
        )
        _put_charges(response.charges, quote.charges)
        put_money(response.goods_total, quote.goods_total)
        put_money(response.total_charges, quote.total_charges)
        put_money(response.landed_cost, quote.landed_cost)
        _put_rates(response.exchange_rates, quote.exchange_rates)
        put_explanation(response.explanation, quote.fired, quote.notes)
        return response


class ValuationService(ClearwayService[Valuation]):
    """Customs value, duties and taxes; loads the rule packs, the tariff and the ECB rates."""

    name = "valuation"

    def __init__(self, settings: Settings, telemetry: Telemetry) -> None:
        super().__init__(settings, telemetry)
        self._engine: RulesEngine | None = None

    def register(self, server: grpc.Server) -> tuple[str, ...]:
        valuation_pb2_grpc.add_ValuationServiceServicer_to_server(ValuationServicer(self), server)
        return (valuation_pb2.DESCRIPTOR.services_by_name["ValuationService"].full_name,)

    def build_domain(self) -> Valuation:
        data_dir = resolve_data_dir(self.settings.data_dir)
        tariff, rates = load_tariff(data_dir), load_rates(data_dir)
        self._engine = RulesEngine(
            self.settings.rules_dir, reload_interval=self.settings.rules_reload_seconds
        )
        return Valuation(self._engine, tariff, rates)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
