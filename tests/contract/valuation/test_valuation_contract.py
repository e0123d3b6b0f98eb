"""ValuationService over gRPC: every RPC, bad requests and their details, the missing-rate
refusal, and health. Works on the shared reference data or the packaged starter set."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import grpc
import pytest
from google.type import date_pb2, money_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from clearway.declarations.codec import money_from_proto
from clearway.runtime.errors import ERROR_DOMAIN, status_of
from clearway.runtime.server import ServiceHost
from clearway.runtime.settings import Settings
from clearway.runtime.telemetry import Telemetry
from clearway.v1 import common_pb2, valuation_pb2, valuation_pb2_grpc
from clearway.valuation.service import ValuationService


def money(amount: str, currency: str = "GBP") -> money_pb2.Money:
    value = Decimal(amount)
    units = int(value)
    return money_pb2.Money(currency_code=currency, units=units, nanos=int((value - units) * 10**9))


def day(year: int, month: int, dd: int) -> date_pb2.Date:
    return date_pb2.Date(year=year, month=month, day=dd)


def declaration(
    value: str = "200.00", currency: str = "GBP", **changes: object
) -> common_pb2.Declaration:
    message = common_pb2.Declaration(
        declaration_id="D-VAL-1",
        declaration_date=day(2025, 3, 3),
        destination_country="GB",
        dispatch_country="CN",
        items=[
            common_pb2.DeclarationItem(
                line_number=1,
                description="cotton t-shirt",
                declared_hs_code="61091000",
                quantity=1,
                intrinsic_value=money(value, currency),
                origin_country="CN",
            )
        ],
        freight=money("10.00", currency),
    )
    for name, value_ in changes.items():
        field = getattr(message, name)
        if hasattr(field, "CopyFrom"):
            field.CopyFrom(value_)
        else:
            setattr(message, name, value_)
    return message


@pytest.fixture(scope="module")
def stub(base_settings: Settings) -> Iterator[valuation_pb2_grpc.ValuationServiceStub]:
    """One server for the module: loading the tariff and packs takes about a second."""
    host = ServiceHost(
        ValuationService(base_settings, Telemetry(ValuationService.name, base_settings)),
        base_settings,
        port=0,
    )
    port = host.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield valuation_pb2_grpc.ValuationServiceStub(channel)
    channel.close()
    host.stop(grace=0)


def invalid(call: Callable[[], object]) -> list[str]:
    """Call, expect INVALID_ARGUMENT with ErrorInfo in clearway.dev; return the field paths."""
    with pytest.raises(grpc.RpcError) as raised:
        call()
    error = raised.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    info, violations = status_of(error)
    assert info is not None and info.domain == ERROR_DOMAIN
    return [v.field for v in violations]


def test_health_is_serving(start_service: Callable[..., tuple[object, grpc.Channel]]) -> None:
    _, channel = start_service(ValuationService)
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "clearway.v1.ValuationService"):
        answer = health.Check(health_pb2.HealthCheckRequest(service=service))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_calculate_charges_uk_standard(stub: valuation_pb2_grpc.ValuationServiceStub) -> None:
    answer = stub.CalculateCharges(
        valuation_pb2.CalculateChargesRequest(
            declaration=declaration(),
            items=[common_pb2.ItemTariffContext(line_number=1, hs_code="610910")],
        )
    )
    assert (answer.declaration_id, answer.regime, answer.valuation_basis) == (
        "D-VAL-1",
        "UK_STANDARD",
        "CIF",
    )
    assert money_from_proto(answer.customs_value) == Decimal("210.00")
    types = [valuation_pb2.ChargeType.Name(c.type) for c in answer.charges]
    assert types == ["CHARGE_TYPE_CUSTOMS_DUTY", "CHARGE_TYPE_VAT"]
    # 12% of 210.00 = 25.20; VAT 20% of 235.20 = 47.04
    assert [money_from_proto(c.amount) for c in answer.charges] == [
        Decimal("25.20"),
        Decimal("47.04"),
    ]
    assert all(c.collected_at == common_pb2.COLLECTION_POINT_AT_IMPORT for c in answer.charges)
    assert money_from_proto(answer.total_due_at_import) == Decimal("72.24")
    assert answer.total_due_at_import.currency_code == "GBP"
    assert answer.rules_revision
    assert [r.rule_id for r in answer.explanation.fired_rules] == ["GB-REGIME-STANDARD"]
    assert "item 1 customs value (CIF) = 200.00 + 10.00 freight = 210.00 GBP" in (
        answer.explanation.notes
    )
    assert answer.items[0].tariff_line.startswith("610910")


def test_calculate_charges_reports_the_rate_used(
    stub: valuation_pb2_grpc.ValuationServiceStub,
) -> None:
    answer = stub.CalculateCharges(
        valuation_pb2.CalculateChargesRequest(
            declaration=declaration(
                "100.00", "USD", destination_country="DE", ioss_number="IM0000000001"
            )
        )
    )
    assert answer.regime == "EU_IOSS"
    (rate,) = answer.exchange_rates
    assert (rate.from_currency, rate.to_currency) == ("USD", "EUR")
    assert Decimal(rate.rate.value) > 0 and rate.rate_date.year == 2025
    assert answer.charges[0].collected_at == common_pb2.COLLECTION_POINT_AT_SALE


def test_a_2026_declaration_uses_the_last_rate(
    stub: valuation_pb2_grpc.ValuationServiceStub,
) -> None:
    answer = stub.CalculateCharges(
        valuation_pb2.CalculateChargesRequest(
            declaration=declaration(
                "100.00", "USD", destination_country="DE", declaration_date=day(2026, 7, 1)
            )
        )
    )
    assert answer.exchange_rates[0].rate_date == day(2025, 5, 9)
    assert any("last available rate" in note for note in answer.explanation.notes)


def test_calculate_charges_batch(stub: valuation_pb2_grpc.ValuationServiceStub) -> None:
    answer = stub.CalculateChargesBatch(
        valuation_pb2.CalculateChargesBatchRequest(
            requests=[
                valuation_pb2.CalculateChargesRequest(declaration=declaration("100.00")),
                valuation_pb2.CalculateChargesRequest(declaration=declaration("300.00")),
            ]
        )
    )
    assert [r.regime for r in answer.responses] == ["UK_LOW_VALUE", "UK_STANDARD"]


def basket(
    destination: str, dispatch: str, price: money_pb2.Money, quantity: int, **extra: object
) -> valuation_pb2.QuoteLandedCostRequest:
    """A checkout basket of one t-shirt line on 2025-03-03."""
    return valuation_pb2.QuoteLandedCostRequest(
        destination_country=destination,
        dispatch_country=dispatch,
        sale_date=day(2025, 3, 3),
        lines=[
            valuation_pb2.BasketLine(
                description="t-shirt", hs_code="610910", quantity=quantity, unit_price=price
            )
        ],
        **extra,  # type: ignore[arg-type]
    )


def test_quote_landed_cost(stub: valuation_pb2_grpc.ValuationServiceStub) -> None:
    answer = stub.QuoteLandedCost(
        basket("GB", "CN", money("30.00"), 2, shipping=money("5.00"), seller_registered=True)
    )
    # 60.00 goods + 5.00 shipping; VAT at sale 20% of 65.00 = 13.00
    assert answer.regime == "UK_LOW_VALUE"
    assert money_from_proto(answer.goods_total) == Decimal("60.00")
    assert money_from_proto(answer.total_charges) == Decimal("13.00")
    assert money_from_proto(answer.landed_cost) == Decimal("78.00")
    assert answer.landed_cost.currency_code == "GBP"
    assert answer.rules_revision and answer.explanation.fired_rules


def test_bad_declaration_lists_every_field(stub: valuation_pb2_grpc.ValuationServiceStub) -> None:
    bad = declaration()
    bad.ClearField("declaration_date")
    bad.items[0].intrinsic_value.currency_code = "XYZ"
    bad.freight.CopyFrom(money("-1.00"))
    fields = invalid(
        lambda: stub.CalculateCharges(valuation_pb2.CalculateChargesRequest(declaration=bad))
    )
    assert "declaration.declaration_date" in fields
    assert "declaration.items[0].intrinsic_value.currency_code" in fields
    assert "declaration.freight" in fields


def test_negative_value_and_unknown_line(stub: valuation_pb2_grpc.ValuationServiceStub) -> None:
    bad = declaration("-5.00")
    fields = invalid(
        lambda: stub.CalculateCharges(
            valuation_pb2.CalculateChargesRequest(
                declaration=bad, items=[common_pb2.ItemTariffContext(line_number=7, hs_code="61")]
            )
        )
    )
    assert set(fields) >= {
        "declaration.items[0].intrinsic_value",
        "items[0].line_number",
        "items[0].hs_code",
    }


def test_missing_freight_for_cif(stub: valuation_pb2_grpc.ValuationServiceStub) -> None:
    bad = declaration()
    bad.ClearField("freight")
    fields = invalid(
        lambda: stub.CalculateCharges(valuation_pb2.CalculateChargesRequest(declaration=bad))
    )
    assert fields == ["declaration.freight"]


def test_bad_batch_names_the_request(stub: valuation_pb2_grpc.ValuationServiceStub) -> None:
    bad = declaration()
    bad.destination_country = "XX"
    fields = invalid(
        lambda: stub.CalculateChargesBatch(
            valuation_pb2.CalculateChargesBatchRequest(
                requests=[
                    valuation_pb2.CalculateChargesRequest(declaration=declaration()),
                    valuation_pb2.CalculateChargesRequest(declaration=bad),
                ]
            )
        )
    )
    assert fields == ["requests[1].declaration.destination_country"]


def test_bad_quote(stub: valuation_pb2_grpc.ValuationServiceStub) -> None:
    fields = invalid(
        lambda: stub.QuoteLandedCost(
            valuation_pb2.QuoteLandedCostRequest(
                destination_country="GB",
                quote_currency="XXX",
                lines=[valuation_pb2.BasketLine(quantity=0, unit_price=money("1.00", "ABC"))],
            )
        )
    )
    assert set(fields) >= {
        "dispatch_country",
        "quote_currency",
        "lines[0].unit_price.currency_code",
        "lines[0].quantity",
    }


def test_exchange_rate_unavailable(stub: valuation_pb2_grpc.ValuationServiceStub) -> None:
    """AED is a valid ISO 4217 code the ECB does not publish: a refusal, never a guess."""
    with pytest.raises(grpc.RpcError) as raised:
        stub.CalculateCharges(
            valuation_pb2.CalculateChargesRequest(declaration=declaration("100.00", "AED"))
        )
    error = raised.value
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION  # type: ignore[attr-defined]
    info, _ = status_of(error)
    assert info is not None
    assert (info.domain, info.reason) == (ERROR_DOMAIN, "EXCHANGE_RATE_UNAVAILABLE")
    assert dict(info.metadata) == {"currency": "AED", "date": "2025-03-03"}


def test_unsupported_destination(stub: valuation_pb2_grpc.ValuationServiceStub) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        stub.CalculateCharges(
            valuation_pb2.CalculateChargesRequest(declaration=declaration(destination_country="NZ"))
        )
    info, _ = status_of(raised.value)
    assert info is not None and info.reason == "DESTINATION_NOT_SUPPORTED"


def test_a_refused_declaration_does_not_sink_its_batch(
    stub: valuation_pb2_grpc.ValuationServiceStub,
) -> None:
    answer = stub.CalculateChargesBatch(
        valuation_pb2.CalculateChargesBatchRequest(
            requests=[
                valuation_pb2.CalculateChargesRequest(declaration=declaration("100.00")),
                valuation_pb2.CalculateChargesRequest(
                    declaration=declaration(declaration_id="D-VAL-NZ", destination_country="NZ")
                ),
                valuation_pb2.CalculateChargesRequest(declaration=declaration("300.00")),
            ]
        )
    )
    assert [r.regime for r in answer.responses] == ["UK_LOW_VALUE", "", "UK_STANDARD"]
    refused = answer.responses[1]
    assert refused.declaration_id == "D-VAL-NZ"
    assert refused.error.code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    assert "NZ" in refused.error.message


def test_quote_to_ontario_charges_hst(stub: valuation_pb2_grpc.ValuationServiceStub) -> None:
    answer = stub.QuoteLandedCost(
        basket("CA", "US", money("100.00", "CAD"), 1, consignee_region="on")
    )
    # a CUSMA courier parcel of CAD 100: no duty, HST 13% = 13.00 instead of the GST
    assert answer.regime == "CA_CUSMA_COURIER_TAX_ONLY"
    assert [valuation_pb2.ChargeType.Name(c.type) for c in answer.charges] == ["CHARGE_TYPE_HST"]
    assert money_from_proto(answer.total_charges) == Decimal("13.00")


def test_poland_is_charged_in_zloty(stub: valuation_pb2_grpc.ValuationServiceStub) -> None:
    answer = stub.CalculateCharges(
        valuation_pb2.CalculateChargesRequest(
            declaration=declaration(
                "100.00", "EUR", destination_country="PL", ioss_number="IM0000000001"
            )
        )
    )
    assert answer.regime == "EU_IOSS"
    assert {c.amount.currency_code for c in answer.charges} == {"PLN"}
    assert answer.total_collected_at_sale.currency_code == "PLN"
    assert [(r.from_currency, r.to_currency) for r in answer.exchange_rates] == [("EUR", "PLN")]


def cn_request(year_total: money_pb2.Money | None) -> valuation_pb2.CalculateChargesRequest:
    request = valuation_pb2.CalculateChargesRequest(
        declaration=declaration("1000.00", "CNY", destination_country="CN")
    )
    request.declaration.freight.CopyFrom(money("0", "CNY"))
    if year_total is not None:
        request.consumer_year_total.CopyFrom(year_total)
    return request


def test_cn_annual_limit_from_the_consumers_yearly_total(
    stub: valuation_pb2_grpc.ValuationServiceStub,
) -> None:
    within = stub.CalculateCharges(cn_request(money("25000.00", "CNY")))
    beyond = stub.CalculateCharges(cn_request(money("25000.01", "CNY")))
    unknown = stub.CalculateCharges(cn_request(None))
    assert within.regime == "CN_CROSS_BORDER_RETAIL"
    assert beyond.regime == "CN_GENERAL_TRADE"
    assert [r.rule_id for r in beyond.explanation.fired_rules] == ["CN-REGIME-ANNUAL-LIMIT"]
    assert unknown.regime == "CN_CROSS_BORDER_RETAIL"
    assert any(n.startswith("yearly total unknown") for n in unknown.explanation.notes)


def test_cn_yearly_total_must_be_in_yuan_and_not_negative(
    stub: valuation_pb2_grpc.ValuationServiceStub,
) -> None:
    wrong_currency = invalid(lambda: stub.CalculateCharges(cn_request(money("10.00", "USD"))))
    negative = invalid(lambda: stub.CalculateCharges(cn_request(money("-1.00", "CNY"))))
    assert wrong_currency == ["consumer_year_total.currency_code"]
    assert negative == ["consumer_year_total"]
