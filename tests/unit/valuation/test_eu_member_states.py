"""Golden cases: EU parcels to member states outside the euro area, and the EUR 45 gift relief.

Charges are in the member state's currency; the EUR 150 limit and the EUR 45 gift relief are
compared with the intrinsic value in euro; the EUR 3 flat duty and the EUR 2 handling fee are
converted at the ECB rate. Test rates: 1 EUR = 4 PLN = 11 SEK = 7.5 DKK = 25 CZK = 400 HUF =
5 RON = 1.95583 BGN (Bulgaria charges in euro from 2026-01-01).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from valuation_builders import declaration, item

from clearway.declarations.model import Money
from clearway.valuation.domain import Valuation
from clearway.valuation.model import Assessment, ChargesRequest

D = Decimal
IOSS = {"ioss_number": "IM0000000001"}


def assess(valuation: Valuation, *args: object, **kw: object) -> Assessment:
    return valuation.assess(ChargesRequest(declaration(*args, **kw)))  # type: ignore[arg-type]


def charges(assessment: Assessment) -> list[tuple[str, Money, str]]:
    return [(c.type, c.amount, c.collected_at) for c in assessment.charges]


@pytest.mark.parametrize(
    ("country", "currency", "vat"),
    [
        # EUR 150 + EUR 8 freight at 4 PLN: 632.00 PLN * 23% = 145.36
        ("PL", "PLN", "145.36"),
        # 158 * 25 = 3950.00 CZK * 21% = 829.50
        ("CZ", "CZK", "829.50"),
        # 158 * 11 = 1738.00 SEK * 25% = 434.50
        ("SE", "SEK", "434.50"),
        # 158 * 7.5 = 1185.00 DKK * 25% = 296.25
        ("DK", "DKK", "296.25"),
        # 158 * 400 = 63200.00 HUF * 27% = 17064.00
        ("HU", "HUF", "17064.00"),
        # 158 * 5 = 790.00 RON * 19% = 150.10 (before the 2025-08-01 rise)
        ("RO", "RON", "150.10"),
        # 158 * 1.95583 = 309.02114 -> 309.02 BGN * 20% = 61.804 -> 61.80
        ("BG", "BGN", "61.80"),
    ],
)
def test_ioss_vat_is_charged_in_the_national_currency(
    valuation: Valuation, country: str, currency: str, vat: str
) -> None:
    result = assess(valuation, country, date(2025, 3, 3), item("150.00"), freight="8.00", **IOSS)
    assert result.regime == "EU_IOSS"
    assert charges(result) == [("VAT", Money(D(vat), currency), "AT_SALE")]
    assert result.customs_value.currency == currency
    assert result.total_at_sale == Money(D(vat), currency)


def test_the_150_limit_is_compared_in_euro_for_a_value_declared_in_zloty(
    valuation: Valuation,
) -> None:
    def regime(value: str) -> str:
        return assess(valuation, "PL", date(2025, 3, 3), item(value, "PLN"), **IOSS).regime

    # PLN 600.01 = EUR 150.0025 -> 150.00; PLN 600.02 = EUR 150.005 -> 150.01
    assert regime("600.01") == "EU_IOSS"
    assert regime("600.02") == "EU_STANDARD"
    below = assess(valuation, "PL", date(2025, 3, 3), item("600.01", "PLN"), **IOSS)
    assert any(
        "thresholds of PL are in EUR: intrinsic value = 150.00 EUR" in n for n in below.notes
    )


def test_a_value_in_dollars_to_sweden_is_converted_both_ways_at_the_ecb_rate(
    valuation: Valuation,
) -> None:
    # USD 187.50 = EUR 150.00 (IOSS) = SEK 1650.00; USD 187.52 = EUR 150.016 -> 150.02
    ioss = assess(valuation, "SE", date(2025, 3, 3), item("187.50", "USD"), **IOSS)
    standard = assess(valuation, "SE", date(2025, 3, 3), item("187.52", "USD"), **IOSS)
    assert ioss.regime == "EU_IOSS"
    assert ioss.intrinsic_value == Money(D("1650.00"), "SEK")
    assert standard.regime == "EU_STANDARD"
    # duty 12% of 1650.18 SEK = 198.0216 -> 198.02; VAT 25% of 1848.20 = 462.05
    assert charges(standard) == [
        ("CUSTOMS_DUTY", Money(D("198.02"), "SEK"), "AT_IMPORT"),
        ("VAT", Money(D("462.05"), "SEK"), "AT_IMPORT"),
    ]


def test_flat_duty_of_eur_3_per_category_is_converted_to_the_national_currency(
    valuation: Valuation,
) -> None:
    items = (item("20.00", code="610910"), item("20.00", code="420221", line=2))
    result = assess(valuation, "DK", date(2026, 7, 15), *items, **IOSS)
    flat = next(c for c in result.charges if c.type == "FLAT_DUTY")
    # 2 categories * EUR 3.00 = EUR 6.00 * 7.5 = DKK 45.00, collected with the VAT at the sale
    assert (flat.amount, flat.collected_at) == (Money(D("45.00"), "DKK"), "AT_SALE")
    assert any(
        "* EUR 3.00 = EUR 6.00 * 7.5 (ECB 2025-05-09) = 45.00 DKK" in n for n in result.notes
    )


def test_handling_fee_is_converted_to_the_national_currency(valuation: Valuation) -> None:
    result = assess(valuation, "CZ", date(2026, 11, 20), item("40.00"), **IOSS)
    fee = next(c for c in result.charges if c.type == "HANDLING_FEE")
    assert fee.amount == Money(D("50.00"), "CZK")


def test_bulgaria_charges_in_lev_until_2025_12_31_and_in_euro_from_2026_01_01(
    valuation: Valuation,
) -> None:
    before = assess(valuation, "BG", date(2025, 12, 31), item("100.00"), **IOSS)
    after = assess(valuation, "BG", date(2026, 1, 1), item("100.00"), **IOSS)
    # EUR 100 = BGN 195.58 (195.583), VAT 20% = 39.116 -> 39.12; from 2026 EUR 20.00
    assert charges(before) == [("VAT", Money(D("39.12"), "BGN"), "AT_SALE")]
    assert charges(after) == [("VAT", Money(D("20.00"), "EUR"), "AT_SALE")]
    assert after.exchange_rates == ()


def test_a_quote_to_poland_defaults_to_zloty(valuation: Valuation) -> None:
    request = ChargesRequest(declaration("PL", date(2025, 3, 3), item("100.00"), freight="5.00"))
    quote = valuation.quote(request)
    # no IOSS: EUR 105 = PLN 420.00, import VAT 23% = 96.60
    assert quote.currency == "PLN"
    assert quote.total_charges == Money(D("96.60"), "PLN")
    assert quote.landed_cost == Money(D("516.60"), "PLN")


# -- gifts between private persons --------------------------------------------------------


@pytest.mark.parametrize("on", [date(2025, 3, 3), date(2026, 7, 1), date(2026, 11, 20)])
def test_a_gift_of_exactly_eur_45_is_relieved_of_duty_vat_and_fee(
    valuation: Valuation, on: date
) -> None:
    result = assess(valuation, "DE", on, item("45.00"), freight="6.00", gift=True)
    assert (result.regime, result.charges) == ("EU_GIFT_RELIEF", ())
    assert result.fired[0].rule_id == "EU-REGIME-GIFT"


def test_a_gift_of_eur_45_01_pays_import_vat_and_no_handling_fee(valuation: Valuation) -> None:
    result = assess(valuation, "DE", date(2026, 11, 20), item("45.01"), gift=True)
    # duty 12% of 45.01 = 5.4012 -> 5.40; VAT 19% of 50.41 = 9.5779 -> 9.58; no e-commerce fee
    assert result.regime == "EU_LOW_VALUE"
    assert charges(result) == [
        ("CUSTOMS_DUTY", Money(D("5.40"), "EUR"), "AT_IMPORT"),
        ("VAT", Money(D("9.58"), "EUR"), "AT_IMPORT"),
    ]


def test_the_gift_relief_is_compared_in_euro_for_a_gift_to_poland(valuation: Valuation) -> None:
    relieved = assess(valuation, "PL", date(2025, 3, 3), item("180.00", "PLN"), gift=True)
    taxed = assess(valuation, "PL", date(2025, 3, 3), item("180.04", "PLN"), gift=True)
    assert (relieved.regime, relieved.charges) == ("EU_GIFT_RELIEF", ())
    # PLN 180.04 = EUR 45.01; duty relieved up to EUR 150 in 2025, VAT 23% = 41.4092 -> 41.41
    assert taxed.regime == "EU_LOW_VALUE"
    assert charges(taxed) == [("VAT", Money(D("41.41"), "PLN"), "AT_IMPORT")]


def test_a_sale_is_not_a_gift(valuation: Valuation) -> None:
    result = assess(valuation, "DE", date(2025, 3, 3), item("30.00"))
    assert result.regime == "EU_LOW_VALUE"
    assert [c.type for c in result.charges] == ["VAT"]
