"""ValuationService: charges of declarations and landed-cost quotes over gRPC.

Thin: proto in, every bad field collected under its request path, one domain call, proto out.
CalculateCharges, CalculateChargesBatch and QuoteLandedCost share one code path; a quote
builds a transient declaration from the basket and stores nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import grpc

from clearway.declarations.codec import (
    HS_CODE,
    DeclarationReader,
    date_to_proto,
    decimal_to_proto,
    money_to_proto,
)
from clearway.declarations.codes import CURRENCIES
from clearway.declarations.model import Address, Declaration, Item, Money, Party
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.fx import load_rates
from clearway.reference.tariff import load_tariff
from clearway.rules import FiredRule, RulesEngine
from clearway.runtime.errors import ClearwayError, FieldViolations
from clearway.runtime.server import ClearwayService
from clearway.runtime.settings import Settings
from clearway.runtime.telemetry import Telemetry
from clearway.v1 import common_pb2, valuation_pb2, valuation_pb2_grpc
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
            path = f"{prefix}items[{index}]"
            if context.line_number not in lines:
                self.violations.add(f"{path}.line_number", "matches no declared item")
            elif context.line_number in seen:
                self.violations.add(f"{path}.line_number", "is given twice")
            seen.add(context.line_number)
            hs_code = context.hs_code.replace(".", "").replace(" ", "")
            if hs_code and not HS_CODE.fullmatch(hs_code):
                self.violations.add(f"{path}.hs_code", "must be 6, 8 or 10 digits")
            national = context.national_tariff_code.replace(".", "").replace(" ", "")
            if national and not _NATIONAL_CODE.fullmatch(national):
                self.violations.add(f"{path}.national_tariff_code", "must be 8 or 10 digits")
            if len(context.preference_agreement) > 64:
                self.violations.add(f"{path}.preference_agreement", "must be at most 64 characters")
            contexts.append(
                TariffContext(context.line_number, hs_code, national, context.preference_agreement)
            )
        year_total = self._year_total(message, f"{prefix}consumer_year_total")
        if declaration is None or len(self.violations) != before:
            return None
        return ChargesRequest(
            declaration,
            tuple(contexts),
            paths=RequestPaths(
                items=f"{prefix}declaration.items",
                freight=f"{prefix}declaration.freight",
                consumer_year_total=f"{prefix}consumer_year_total",
            ),
            consumer_year_total=year_total,
        )

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


def _charge(charge: Charge) -> valuation_pb2.Charge:
    return valuation_pb2.Charge(
        type=f"CHARGE_TYPE_{charge.type}",
        amount=money_to_proto(charge.amount),
        collected_at=f"COLLECTION_POINT_{charge.collected_at}",
        base=money_to_proto(charge.base) if charge.base is not None else None,
        rate=charge.rate,
        line_number=charge.line_number,
        rule_id=charge.rule_id,
    )


def _rates(rates: Iterable[RateUsed]) -> list[valuation_pb2.ExchangeRateUsed]:
    return [
        valuation_pb2.ExchangeRateUsed(
            from_currency=rate.from_currency,
            to_currency=rate.to_currency,
            rate=decimal_to_proto(rate.rate),
            rate_date=date_to_proto(rate.rate_date),
            source=rate.source,
        )
        for rate in rates
    ]


def _explanation(fired: Iterable[FiredRule], notes: Sequence[str]) -> common_pb2.Explanation:
    return common_pb2.Explanation(
        fired_rules=[
            common_pb2.FiredRule(rule_id=r.rule_id, pack_id=r.pack_id, text=r.text) for r in fired
        ],
        notes=list(notes),
    )


def charges_response(assessment: Assessment) -> valuation_pb2.CalculateChargesResponse:
    return valuation_pb2.CalculateChargesResponse(
        declaration_id=assessment.declaration_id,
        regime=assessment.regime,
        valuation_basis=assessment.valuation_basis,
        intrinsic_value=money_to_proto(assessment.intrinsic_value),
        customs_value=money_to_proto(assessment.customs_value),
        items=[
            valuation_pb2.ItemValuation(
                line_number=item.line_number,
                hs_code=item.hs_code,
                tariff_line=item.tariff_line,
                intrinsic_value=money_to_proto(item.intrinsic_value),
                customs_value=money_to_proto(item.customs_value),
                duty_rate=item.duty_rate,
                preference_applied=item.preference_applied,
            )
            for item in assessment.items
        ],
        charges=[_charge(charge) for charge in assessment.charges],
        total_collected_at_sale=money_to_proto(assessment.total_at_sale),
        total_due_at_import=money_to_proto(assessment.total_at_import),
        exchange_rates=_rates(assessment.exchange_rates),
        rules_revision=assessment.rules_revision,
        explanation=_explanation(assessment.fired, assessment.notes),
    )


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
        return valuation_pb2.CalculateChargesBatchResponse(
            responses=[
                valuation_pb2.CalculateChargesResponse(
                    declaration_id=charges.declaration.declaration_id, error=result.to_status()
                )
                if isinstance(result, ClearwayError)
                else charges_response(result)
                for charges, result in zip(requests, domain.assess_each(requests), strict=True)
            ]
        )

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
        return valuation_pb2.QuoteLandedCostResponse(
            regime=quote.regime,
            charges=[_charge(charge) for charge in quote.charges],
            goods_total=money_to_proto(quote.goods_total),
            total_charges=money_to_proto(quote.total_charges),
            landed_cost=money_to_proto(quote.landed_cost),
            exchange_rates=_rates(quote.exchange_rates),
            rules_revision=quote.rules_revision,
            explanation=_explanation(quote.fired, quote.notes),
        )


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
