"""Charges per destination under the real rule packs, at each threshold and date boundary.

Rates are round (1 EUR = 1.25 USD = 0.85 GBP = 160 JPY = 8 CNY = 1.6 AUD = 1.5 CAD = 1.45 SGD
= 4 PLN = 25 CZK = 11 SEK = 7.5 DKK = 400 HUF = 5 RON; BGN at its fixed 1.95583) so that every
amount below can be checked by hand.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from valuation_builders import declaration, item

from clearway.declarations.model import Money
from clearway.runtime.errors import ClearwayError, InvalidArgument
from clearway.valuation.domain import Valuation
from clearway.valuation.model import Assessment, ChargesRequest, TariffContext

D = Decimal


def assess(
    valuation: Valuation, *args: object, tariff: tuple[TariffContext, ...] = (), **kw: object
) -> Assessment:
    return valuation.assess(ChargesRequest(declaration(*args, **kw), tariff))  # type: ignore[arg-type]


def charges(assessment: Assessment) -> list[tuple[str, Decimal, str, int]]:
    return [(c.type, c.amount.amount, c.collected_at, c.line_number) for c in assessment.charges]


# -- EU -------------------------------------------------------------------------------------


def test_eu_ioss_at_exactly_150_collects_vat_at_sale_without_duty(valuation: Valuation) -> None:
    result = assess(
        valuation,
        "DE",
        date(2025, 3, 3),
        item("150.00"),
        freight="8.00",
        ioss_number="IM0000000001",
    )
    assert result.regime == "EU_IOSS"
    # VAT at 19% on the sale price including delivery: 158.00 * 19% = 30.02
    assert charges(result) == [("VAT", D("30.02"), "AT_SALE", 1)]
    assert result.total_at_sale == Money(D("30.02"), "EUR")
    assert result.total_at_import == Money(D("0.00"), "EUR")
    assert "item 1 customs value (CIF) = 150.00 + 8.00 freight = 158.00 EUR" in result.notes
    assert result.fired[0].rule_id == "EU-REGIME-IOSS"
    assert result.charges[0].rule_id == "EU-REGIME-IOSS"


def test_eu_above_150_pays_cet_and_import_vat_on_value_plus_duty(valuation: Valuation) -> None:
    result = assess(valuation, "FR", date(2025, 3, 3), item("150.01"), freight="8.00")
    assert result.regime == "EU_STANDARD"
    # duty 12% of 158.01 = 18.9612 -> 18.96; VAT 20% of (158.01 + 18.96) = 35.394 -> 35.39
    assert charges(result) == [
        ("CUSTOMS_DUTY", D("18.96"), "AT_IMPORT", 1),
        ("VAT", D("35.39"), "AT_IMPORT", 1),
    ]
    assert result.items[0].tariff_line == "6109100010"
    assert result.total_at_import.amount == D("54.35")


def test_eu_duty_relief_ends_on_2026_07_01(valuation: Valuation) -> None:
    items = (item("100.00"), item("30.00", code="420222", line=2))
    before = assess(valuation, "IT", date(2026, 6, 30), *items, ioss_number="IM0000000001")
    after = assess(valuation, "IT", date(2026, 7, 1), *items, ioss_number="IM0000000001")
    assert [c.type for c in before.charges] == ["VAT", "VAT"]
    flat = [c for c in after.charges if c.type == "FLAT_DUTY"]
    assert [(c.amount.amount, c.collected_at, c.line_number) for c in flat] == [
        (D("6.00"), "AT_SALE", 0)
    ]
    assert "EUR 3.00 per category" in flat[0].rate


def test_eu_flat_duty_counts_distinct_subheadings(valuation: Valuation) -> None:
    items = (item("10.00"), item("10.00", line=2), item("10.00", code="420222", line=3))
    result = assess(valuation, "NL", date(2026, 8, 1), *items, ioss_number="IM0000000001")
    (flat,) = [c for c in result.charges if c.type == "FLAT_DUTY"]
    assert flat.amount.amount == D("6.00")


def test_eu_without_ioss_after_2026_07_01_pays_cet(valuation: Valuation) -> None:
    result = assess(valuation, "DE", date(2026, 7, 1), item("100.00"))
    assert result.regime == "EU_LOW_VALUE"
    assert charges(result) == [
        ("CUSTOMS_DUTY", D("12.00"), "AT_IMPORT", 1),
        ("VAT", D("21.28"), "AT_IMPORT", 1),
    ]


def test_eu_handling_fee_from_2026_11_01(valuation: Valuation) -> None:
    before = assess(valuation, "DE", date(2026, 10, 31), item("50.00"), ioss_number="IM0000000001")
    after = assess(valuation, "DE", date(2026, 11, 1), item("50.00"), ioss_number="IM0000000001")
    assert not [c for c in before.charges if c.type == "HANDLING_FEE"]
    (fee,) = [c for c in after.charges if c.type == "HANDLING_FEE"]
    assert (fee.amount.amount, fee.collected_at, fee.rule_id) == (
        D("2.00"),
        "AT_IMPORT",
        "EU-FEE-HANDLING",
    )


def test_eu_vat_rate_is_the_member_states_on_the_date(valuation: Valuation) -> None:
    def vat(country: str, on: date) -> Decimal:
        result = assess(valuation, country, on, item("100.00"), ioss_number="IM0000000001")
        return result.charges[-1].amount.amount

    assert vat("FI", date(2024, 8, 31)) == D("24.00")
    assert vat("FI", date(2024, 9, 1)) == D("25.50")
    # outside the euro area in the national currency: EUR 100 = HUF 40000 = RON 500
    assert vat("HU", date(2025, 3, 3)) == D("10800.00")
    assert vat("RO", date(2025, 7, 31)) == D("95.00")
    assert vat("RO", date(2025, 8, 1)) == D("105.00")


def test_eu_pack_has_all_27_standard_rates(engine: object) -> None:
    from clearway.declarations.codes import EU_MEMBER_STATES
    from clearway.rules import RulesEngine

    assert isinstance(engine, RulesEngine)
    rates = engine.parameters("valuation", ["DE", "EU"], date(2026, 1, 1))["tax_rates"]
    assert set(rates) == EU_MEMBER_STATES


def test_eu_values_convert_at_the_ecb_rate(valuation: Valuation) -> None:
    result = assess(valuation, "DE", date(2025, 3, 3), item("100.00", "USD"), freight="10.00")
    assert result.customs_value == Money(D("88.00"), "EUR")
    assert "USD 100.00 * 0.8 (ECB 2025-03-03) = 80.00 EUR" in result.notes
    assert [(r.from_currency, r.to_currency, r.rate) for r in result.exchange_rates] == [
        ("USD", "EUR", D("0.8"))
    ]


def test_eu_2026_declaration_uses_the_last_rate_and_says_so(valuation: Valuation) -> None:
    result = assess(valuation, "DE", date(2026, 2, 2), item("100.00", "USD"), freight="0")
    assert result.exchange_rates[0].rate_date == date(2025, 5, 9)
    assert any("last available rate" in note for note in result.notes)


def test_cif_without_freight_is_refused_naming_the_field(valuation: Valuation) -> None:
    with pytest.raises(InvalidArgument) as raised:
        assess(valuation, "DE", date(2025, 3, 3), item("10.00"), freight=None)
    assert [v.field for v in raised.value.violations] == ["declaration.freight"]


# -- UK -------------------------------------------------------------------------------------


def test_uk_at_exactly_135_no_duty_vat_at_sale(valuation: Valuation) -> None:
    result = assess(valuation, "GB", date(2025, 3, 3), item("135.00", "GBP"), freight="5.00")
    assert result.regime == "UK_LOW_VALUE"
    assert charges(result) == [("VAT", D("28.00"), "AT_SALE", 1)]


def test_uk_above_135_duty_and_import_vat(valuation: Valuation) -> None:
    result = assess(valuation, "GB", date(2025, 3, 3), item("135.01", "GBP"), freight="5.00")
    # duty 12% of 140.01 = 16.8012 -> 16.80; VAT 20% of 156.81 = 31.362 -> 31.36
    assert charges(result) == [
        ("CUSTOMS_DUTY", D("16.80"), "AT_IMPORT", 1),
        ("VAT", D("31.36"), "AT_IMPORT", 1),
    ]


def test_uk_preference_under_the_tca_is_zero(valuation: Valuation) -> None:
    context = (TariffContext(1, "610910", "6109100010", "uk-eu-tca"),)
    result = assess(
        valuation, "GB", date(2025, 3, 3), item("200.00", "GBP"), tariff=context, dispatch="DE"
    )
    assert result.items[0].preference_applied
    assert charges(result)[0] == ("CUSTOMS_DUTY", D("0.00"), "AT_IMPORT", 1)


def test_uk_gifts(valuation: Valuation) -> None:
    free = assess(valuation, "GB", date(2025, 3, 3), item("39.00", "GBP"), gift=True)
    taxed = assess(valuation, "GB", date(2025, 3, 3), item("39.01", "GBP"), gift=True)
    assert (free.regime, free.charges) == ("UK_GIFT", ())
    assert taxed.regime == "UK_GIFT_LOW_VALUE"
    assert charges(taxed) == [("VAT", D("7.80"), "AT_IMPORT", 1)]


def test_uk_compound_rate_needs_the_net_mass(valuation: Valuation) -> None:
    cheese = item("300.00", "GBP", code="0406103000", net_mass_kg=D("2"))
    result = assess(valuation, "GB", date(2025, 3, 3), cheese)
    # 10% of 300 + 77 GBP/100 kg * 2 kg = 30 + 1.54
    assert charges(result)[0][1] == D("31.54")
    with pytest.raises(InvalidArgument) as raised:
        assess(valuation, "GB", date(2025, 3, 3), item("300.00", "GBP", code="0406103000"))
    assert raised.value.violations[0].field == "declaration.items[0].net_mass_kg"


# -- US -------------------------------------------------------------------------------------


def test_us_de_minimis_until_2025_08_28_inclusive(valuation: Valuation) -> None:
    goods = item("800.00", "USD", origin_country="VN")
    last_day = assess(valuation, "US", date(2025, 8, 28), goods, dispatch="VN")
    suspended = assess(valuation, "US", date(2025, 8, 30), goods, dispatch="VN")
    assert (last_day.regime, last_day.charges) == ("US_DE_MINIMIS", ())
    assert suspended.regime == "US_DUTIABLE"
    # approximate MFN chapter 61: 14% of 800
    assert charges(suspended) == [("CUSTOMS_DUTY", D("112.00"), "AT_IMPORT", 1)]


def test_us_value_is_fob(valuation: Valuation) -> None:
    result = assess(
        valuation, "US", date(2025, 9, 1), item("100.00", "USD", origin_country="VN"), freight="25"
    )
    assert result.valuation_basis == "FOB"
    assert result.customs_value == Money(D("100.00"), "USD")


def test_us_additional_duties_follow_the_dated_table(valuation: Valuation) -> None:
    goods = item("100.00", "USD", origin_country="CN")
    september = assess(valuation, "US", date(2025, 9, 15), goods)
    december = assess(valuation, "US", date(2025, 12, 1), goods)
    assert [c for c in charges(september) if c[0] == "ADDITIONAL_DUTY"] == [
        ("ADDITIONAL_DUTY", D("30.00"), "AT_IMPORT", 1)
    ]
    assert [c for c in charges(december) if c[0] == "ADDITIONAL_DUTY"] == [
        ("ADDITIONAL_DUTY", D("20.00"), "AT_IMPORT", 1)
    ]


def test_us_additional_duties_need_the_origin(valuation: Valuation) -> None:
    with pytest.raises(InvalidArgument) as raised:
        assess(valuation, "US", date(2025, 9, 15), item("100.00", "USD"))
    assert raised.value.violations[0].field == "declaration.items[0].origin_country"


def test_us_gift_of_100_stays_exempt(valuation: Valuation) -> None:
    result = assess(valuation, "US", date(2025, 9, 15), item("100.00", "USD"), gift=True)
    assert (result.regime, result.charges) == ("US_GIFT", ())


# -- AU, CA, CN, JP, SG ---------------------------------------------------------------------


def test_au_low_value_goods_gst_at_sale_on_price_with_delivery(valuation: Valuation) -> None:
    result = assess(
        valuation, "AU", date(2025, 3, 3), item("1000.00", "AUD"), freight="20.00", dispatch="GB"
    )
    assert result.regime == "AU_LOW_VALUE_GOODS"
    assert charges(result) == [("GST", D("102.00"), "AT_SALE", 1)]


def test_au_above_1000_gst_on_cif_plus_duty(valuation: Valuation) -> None:
    result = assess(valuation, "AU", date(2025, 3, 3), item("1000.01", "AUD"), freight="20.00")
    # FOB value 1000.01; duty 5% = 50.0005 -> 50.00; GST 10% of (1000.01 + 20 + 50) = 107.001
    assert result.customs_value.amount == D("1000.01")
    assert charges(result) == [
        ("CUSTOMS_DUTY", D("50.00"), "AT_IMPORT", 1),
        ("GST", D("107.00"), "AT_IMPORT", 1),
    ]


def test_ca_cusma_courier_thresholds(valuation: Valuation) -> None:
    on = date(2025, 3, 3)
    free = assess(valuation, "CA", on, item("40.00", "CAD"), dispatch="US")
    taxed = assess(valuation, "CA", on, item("150.00", "CAD"), dispatch="US")
    other = assess(valuation, "CA", on, item("20.01", "CAD"), dispatch="CN")
    assert (free.regime, free.charges) == ("CA_CUSMA_COURIER_EXEMPT", ())
    assert charges(taxed) == [("GST", D("7.50"), "AT_IMPORT", 1)]
    assert other.regime == "CA_STANDARD"


def test_cn_cross_border_retail_vat_at_70_percent(valuation: Valuation) -> None:
    result = assess(valuation, "CN", date(2025, 3, 3), item("1000.00", "CNY"), freight="0")
    assert result.regime == "CN_CROSS_BORDER_RETAIL"
    assert charges(result) == [("VAT", D("91.00"), "AT_SALE", 1)]
    assert result.charges[0].rate == "9.10% (13.00% * 0.7)"


def test_jp_10000_yen_boundary_in_whole_yen(valuation: Valuation) -> None:
    exempt = assess(valuation, "JP", date(2025, 3, 3), item("10000", "JPY"), freight="0")
    taxed = assess(valuation, "JP", date(2025, 3, 3), item("10001", "JPY"), freight="0")
    assert (exempt.regime, exempt.charges) == ("JP_SMALL_VALUE_EXEMPT", ())
    # duty 9% of 10001 = 900.09 -> 900; consumption tax 10% of 10901 = 1090.1 -> 1090
    assert charges(taxed) == [
        ("CUSTOMS_DUTY", D("900"), "AT_IMPORT", 1),
        ("CONSUMPTION_TAX", D("1090"), "AT_IMPORT", 1),
    ]


def test_sg_gst_rate_changes_on_2024_01_01(valuation: Valuation) -> None:
    def gst(on: date) -> Decimal:
        result = assess(valuation, "SG", on, item("100.00", "SGD"), low_value_scheme_id="M90000001")
        assert result.regime == "SG_OVERSEAS_VENDOR_GST"
        return result.charges[0].amount.amount

    assert gst(date(2023, 12, 29)) == D("8.00")
    assert gst(date(2024, 1, 2)) == D("9.00")


def test_an_unsupported_destination_is_refused(valuation: Valuation) -> None:
    with pytest.raises(ClearwayError) as raised:
        assess(valuation, "NZ", date(2025, 3, 3), item("10.00", "USD"))
    assert raised.value.reason == "DESTINATION_NOT_SUPPORTED"


def test_a_chapter_outside_the_mfn_table_is_refused(valuation: Valuation) -> None:
    with pytest.raises(ClearwayError) as raised:
        assess(valuation, "US", date(2025, 9, 1), item("10.00", "USD", code="010121"))
    assert raised.value.reason == "DUTY_NOT_COMPUTABLE"


# -- batch and quote ------------------------------------------------------------------------


def test_batch_answers_as_single_calls(valuation: Valuation) -> None:
    requests = [
        ChargesRequest(declaration("DE", date(2025, 3, 3), item("200.00"))),
        ChargesRequest(declaration("GB", date(2025, 3, 3), item("20.00", "GBP"))),
        ChargesRequest(declaration("US", date(2025, 8, 28), item("20.00", "USD"))),
    ]
    assert valuation.assess_many(requests) == [valuation.assess(r) for r in requests]


def test_quote_in_the_buyers_currency(valuation: Valuation) -> None:
    request = ChargesRequest(
        declaration("GB", date(2025, 3, 3), item("100.00", "GBP"), freight="10.00"),
        seller_registered=True,
    )
    quote = valuation.quote(request, "EUR")
    # VAT 20% of 110 GBP = 22 GBP = 25.88 EUR; goods 117.65, shipping 11.76
    assert quote.currency == "EUR"
    assert quote.total_charges == Money(D("25.88"), "EUR")
    assert quote.landed_cost == Money(D("155.29"), "EUR")
