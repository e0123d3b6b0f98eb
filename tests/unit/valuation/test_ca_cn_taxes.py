"""Golden cases: Canadian provincial taxes by the consignee's province, and China's consumption
tax and annual limit for cross-border retail imports. Amounts in CAD and CNY, checkable by hand.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from valuation_builders import declaration, item

from clearway.declarations.model import Address, Money, Party
from clearway.runtime.errors import ClearwayError
from clearway.valuation.domain import Valuation
from clearway.valuation.model import Assessment, ChargesRequest

D = Decimal


def consignee(region: str = "", postal_code: str = "") -> Party:
    return Party("CONSIGNEE", "a consumer", Address(region=region, postal_code=postal_code))


def to_canada(
    valuation: Valuation, on: date, value: str, party: Party | None, dispatch: str = "US"
) -> Assessment:
    parcel = declaration("CA", on, item(value, "CAD"), dispatch=dispatch, consignee=party)
    return valuation.assess(ChargesRequest(parcel))


def charges(assessment: Assessment) -> list[tuple[str, Decimal, str]]:
    return [(c.type, c.amount.amount, c.rate) for c in assessment.charges]


# -- Canada ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        # a CUSMA courier parcel of CAD 150.00: no duty, taxes on 150.00
        ("ON", [("HST", D("19.50"), "13.00% HST (ON)")]),
        ("NB", [("HST", D("22.50"), "15.00% HST (NB)")]),
        ("NL", [("HST", D("22.50"), "15.00% HST (NL)")]),
        ("PE", [("HST", D("22.50"), "15.00% HST (PE)")]),
        (
            "QC",
            [
                ("GST", D("7.50"), "5.00%"),
                # 9.975% of 150.00 = 14.9625 -> 14.96
                ("PROVINCIAL_SALES_TAX", D("14.96"), "9.975% QST (QC)"),
            ],
        ),
        (
            "BC",
            [("GST", D("7.50"), "5.00%"), ("PROVINCIAL_SALES_TAX", D("10.50"), "7.00% PST (BC)")],
        ),
        (
            "SK",
            [("GST", D("7.50"), "5.00%"), ("PROVINCIAL_SALES_TAX", D("9.00"), "6.00% PST (SK)")],
        ),
        (
            "MB",
            [("GST", D("7.50"), "5.00%"), ("PROVINCIAL_SALES_TAX", D("10.50"), "7.00% RST (MB)")],
        ),
        ("AB", [("GST", D("7.50"), "5.00%")]),
        ("NU", [("GST", D("7.50"), "5.00%")]),
    ],
)
def test_the_consignees_province_decides_the_sales_tax(
    valuation: Valuation, region: str, expected: list[tuple[str, Decimal, str]]
) -> None:
    result = to_canada(valuation, date(2025, 3, 3), "150.00", consignee(region))
    assert result.regime == "CA_CUSMA_COURIER_TAX_ONLY"
    assert charges(result) == expected
    assert all(c.collected_at == "AT_IMPORT" for c in result.charges)


def test_nova_scotia_hst_falls_to_14_percent_on_2025_04_01(valuation: Valuation) -> None:
    before = to_canada(valuation, date(2025, 3, 31), "150.00", consignee("NS"))
    after = to_canada(valuation, date(2025, 4, 1), "150.00", consignee("NS"))
    assert charges(before) == [("HST", D("22.50"), "15.00% HST (NS)")]
    assert charges(after) == [("HST", D("21.00"), "14.00% HST (NS)")]


def test_the_hst_is_on_value_for_duty_plus_duty(valuation: Valuation) -> None:
    result = to_canada(valuation, date(2025, 3, 3), "100.00", consignee("ON"), dispatch="CN")
    # duty 18% of 100.00 = 18.00; HST 13% of 118.00 = 15.34
    assert result.regime == "CA_STANDARD"
    assert charges(result)[1] == ("HST", D("15.34"), "13.00% HST (ON)")
    assert result.charges[1].base == Money(D("118.00"), "CAD")


def test_the_province_comes_from_the_postal_code_when_no_region_is_given(
    valuation: Valuation,
) -> None:
    toronto = to_canada(valuation, date(2025, 3, 3), "150.00", consignee(postal_code="M5V 3L9"))
    iqaluit = to_canada(valuation, date(2025, 3, 3), "150.00", consignee(postal_code="X0A 0H0"))
    assert charges(toronto) == [("HST", D("19.50"), "13.00% HST (ON)")]
    assert charges(iqaluit) == [("GST", D("7.50"), "5.00%")]
    assert "consignee province NU: no provincial sales tax, GST only" in iqaluit.notes


def test_an_unknown_province_charges_gst_and_says_what_is_missing(valuation: Valuation) -> None:
    result = to_canada(valuation, date(2025, 3, 3), "150.00", None)
    assert charges(result) == [("GST", D("7.50"), "5.00%")]
    assert any(note.startswith("consignee province unknown") for note in result.notes)


def test_an_exempt_parcel_owes_no_provincial_tax_either(valuation: Valuation) -> None:
    result = to_canada(valuation, date(2025, 3, 3), "40.00", consignee("QC"))
    assert (result.regime, result.charges) == ("CA_CUSMA_COURIER_EXEMPT", ())


# -- China ----------------------------------------------------------------------------------


def to_china(
    valuation: Valuation,
    value: str,
    code: str,
    year_total: str | None = None,
    quantity: int = 1,
) -> Assessment:
    parcel = declaration(
        "CN", date(2025, 3, 3), item(value, "CNY", code=code, quantity=quantity), freight="0"
    )
    total = Money(D(year_total), "CNY") if year_total is not None else None
    return valuation.assess(ChargesRequest(parcel, consumer_year_total=total))


def test_cross_border_cosmetics_pay_70_percent_of_consumption_tax_and_vat(
    valuation: Valuation,
) -> None:
    result = to_china(valuation, "100.00", "330499", year_total="0")
    # consumption tax 100.00 * 15% / 85% = 17.647 -> 17.65, * 0.7 = 12.355 -> 12.36;
    # VAT 9.1% of (100.00 + 17.65) = 10.70615 -> 10.71
    assert result.regime == "CN_CROSS_BORDER_RETAIL"
    assert charges(result) == [
        (
            "EXCISE",
            D("12.36"),
            "15.00% consumption tax (high-end cosmetics - perfume, make-up, skin care) * 0.7",
        ),
        ("VAT", D("10.71"), "9.10% (13.00% * 0.7)"),
    ]
    assert result.charges[1].base == Money(D("117.65"), "CNY")
    assert all(c.collected_at == "AT_SALE" for c in result.charges)


def test_wine_in_cross_border_retail(valuation: Valuation) -> None:
    result = to_china(valuation, "200.00", "220421", year_total="1000")
    # 200.00 * 10% / 90% = 22.22, * 0.7 = 15.554 -> 15.55; VAT 9.1% of 222.22 = 20.22
    assert [(t, a) for t, a, _ in charges(result)] == [("EXCISE", D("15.55")), ("VAT", D("20.22"))]


def test_a_watch_is_taxed_only_from_rmb_10000_a_piece(valuation: Valuation) -> None:
    cheap = to_china(valuation, "9999.99", "910211", year_total="0")
    dear = to_china(valuation, "10000.00", "910211", year_total="0")
    # general trade (above RMB 5,000): duty 10%; the dear one 20% consumption tax on
    # 11000.00 / 0.8 = 2750.00 and VAT 13% of 13750.00 = 1787.50
    assert [t for t, _, _ in charges(cheap)] == ["CUSTOMS_DUTY", "VAT"]
    assert [(t, a) for t, a, _ in charges(dear)] == [
        ("CUSTOMS_DUTY", D("1000.00")),
        ("EXCISE", D("2750.00")),
        ("VAT", D("1787.50")),
    ]


def test_two_watches_of_rmb_6000_each_are_not_high_end(valuation: Valuation) -> None:
    result = to_china(valuation, "12000.00", "910211", year_total="0", quantity=2)
    assert "EXCISE" not in [c.type for c in result.charges]


def test_the_annual_limit_counts_this_purchase(valuation: Valuation) -> None:
    within = to_china(valuation, "1000.00", "610910", year_total="25000.00")
    beyond = to_china(valuation, "1000.00", "610910", year_total="25000.01")
    assert within.regime == "CN_CROSS_BORDER_RETAIL"
    assert beyond.regime == "CN_GENERAL_TRADE"
    assert beyond.fired[0].rule_id == "CN-REGIME-ANNUAL-LIMIT"
    # general trade: duty 7% of 1000.00 = 70.00; VAT 13% of 1070.00 = 139.10, at import
    assert [(t, a) for t, a, _ in charges(beyond)] == [
        ("CUSTOMS_DUTY", D("70.00")),
        ("VAT", D("139.10")),
    ]
    assert any(
        "= CNY 25000.00 before this declaration, 26000.00 CNY with it" in n for n in within.notes
    )


def test_an_unknown_yearly_total_is_said_not_assumed(valuation: Valuation) -> None:
    result = to_china(valuation, "1000.00", "610910")
    assert result.regime == "CN_CROSS_BORDER_RETAIL"
    assert any(note.startswith("yearly total unknown") for note in result.notes)


def test_spirits_are_refused_rather_than_taxed_wrongly(valuation: Valuation) -> None:
    with pytest.raises(ClearwayError) as raised:
        to_china(valuation, "300.00", "220830", year_total="0")
    assert raised.value.reason == "TAX_NOT_COMPUTABLE"
