"""Tariff loader and duty-rate parser: every rate format of the real snapshot must parse."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from clearway.reference.tariff import (
    DayPeriod,
    SpecificDuty,
    Tariff,
    parse_duty_rate,
)

#: Texts of the real snapshot that cannot be parsed. The EU "Entry Price" system sets the duty
#: from the declared import price, so there is no rate to read; it occurs on 29 CET lines only.
KNOWN_UNPARSED = {"Entry Price"}


def test_compound_rate_exact_decimals() -> None:
    rate = parse_duty_rate("10.00% + 77.00 GBP/100kg")
    assert rate.parsed
    assert rate.ad_valorem_percent == Decimal("10.00")
    assert rate.specific == (SpecificDuty(Decimal("77.00"), "GBP", Decimal("100"), "kg"),)
    assert rate.minimum is None and rate.maximum is None
    assert rate.text == "10.00% + 77.00 GBP/100kg"
    assert not rate.is_ad_valorem_only


@pytest.mark.parametrize(
    ("text", "percent"),
    [("0.0%", "0.0"), ("12.00%", "12.00"), ("11.5%", "11.5")],
)
def test_ad_valorem(text: str, percent: str) -> None:
    rate = parse_duty_rate(text)
    assert rate.is_ad_valorem_only
    assert rate.ad_valorem_percent == Decimal(percent)
    assert rate.is_free == (Decimal(percent) == 0)


@pytest.mark.parametrize(
    ("text", "duty"),
    [
        ("2.50 GBP/100 kg", SpecificDuty(Decimal("2.50"), "GBP", Decimal("100"), "kg")),
        ("32.00 EUR / hl", SpecificDuty(Decimal("32.00"), "EUR", Decimal("1"), "hl")),
        ("43.00 GBP/1000 items", SpecificDuty(Decimal("43.00"), "GBP", Decimal("1000"), "p/st")),
        ("52.00 EUR / 1,000 items", SpecificDuty(Decimal("52.00"), "EUR", Decimal("1000"), "p/st")),
        ("12.00 GBP/1000 p/st", SpecificDuty(Decimal("12.00"), "GBP", Decimal("1000"), "p/st")),
        ("0.20 GBP/ item", SpecificDuty(Decimal("0.20"), "GBP", Decimal("1"), "p/st")),
        ("1,024.00 EUR / tonne", SpecificDuty(Decimal("1024.00"), "EUR", Decimal("1000"), "kg")),
        ("1.75 EUR / % vol / hl", SpecificDuty(Decimal("1.75"), "EUR", Decimal("1"), "%vol/hl")),
        ("1.00 GBP/%vol/hl", SpecificDuty(Decimal("1.00"), "GBP", Decimal("1"), "%vol/hl")),
        ("3.00 EUR / m2", SpecificDuty(Decimal("3.00"), "EUR", Decimal("1"), "m2")),
        (
            "42.00 GBP/100kg mas",
            SpecificDuty(Decimal("42.00"), "GBP", Decimal("100"), "kg", "net dry matter"),
        ),
        (
            "9.40 EUR / 100 kg / net drained wt",
            SpecificDuty(Decimal("9.40"), "EUR", Decimal("100"), "kg", "net drained weight"),
        ),
        (
            "0.30 GBP/100kg/net/%sacchar.",
            SpecificDuty(Decimal("0.30"), "GBP", Decimal("100"), "kg", "net, per 1% sucrose"),
        ),
        (
            "1.62 EUR / kg / tot alc",
            SpecificDuty(Decimal("1.62"), "EUR", Decimal("1"), "kg", "total alcohol"),
        ),
    ],
)
def test_specific_duties(text: str, duty: SpecificDuty) -> None:
    rate = parse_duty_rate(text)
    assert rate.parsed and rate.ad_valorem_percent == 0
    assert rate.specific == (duty,)


def test_min_and_max_bounds() -> None:
    rate = parse_duty_rate("4.50% MIN 0.30 EUR / item MAX 0.80 EUR / item")
    assert rate.ad_valorem_percent == Decimal("4.50")
    assert rate.minimum is not None and rate.maximum is not None
    assert rate.minimum.specific == (SpecificDuty(Decimal("0.30"), "EUR", Decimal("1"), "p/st"),)
    assert rate.maximum.specific == (SpecificDuty(Decimal("0.80"), "EUR", Decimal("1"), "p/st"),)

    capped = parse_duty_rate("9.10% + 45.10 EUR / 100 kg MAX 18.90% + 16.50 EUR / 100 kg")
    assert capped.maximum is not None
    assert capped.maximum.ad_valorem_percent == Decimal("18.90")
    assert capped.maximum.specific[0].amount == Decimal("16.50")

    floor_pct = parse_duty_rate("0.50 EUR / item MIN 2.70% MAX 4.60%")
    assert floor_pct.minimum is not None and floor_pct.maximum is not None
    assert (floor_pct.minimum.ad_valorem_percent, floor_pct.maximum.ad_valorem_percent) == (
        Decimal("2.70"),
        Decimal("4.60"),
    )


def test_meursing_components_and_missing_percent_sign() -> None:
    rate = parse_duty_rate("9.00% +  EA MAX 18.70%  + ADSZ")
    assert rate.parsed and rate.agricultural == ("EA",)
    assert rate.maximum is not None and rate.maximum.agricultural == ("ADSZ",)
    assert rate.maximum.ad_valorem_percent == Decimal("18.70")
    bare = parse_duty_rate("6.4 + 24.6 EUR/100 kg")
    assert bare.ad_valorem_percent == Decimal("6.4") and bare.specific[0].amount == Decimal("24.6")


def test_seasonal_rate_for_date() -> None:
    rate = parse_duty_rate("15.00% (01 JAN-14 FEB, 16 JUN-31 DEC), 0.00% (15 FEB-15 JUN)")
    assert rate.parsed and len(rate.seasonal) == 2 and not rate.is_free
    assert rate.seasonal[0].periods == (DayPeriod(1, 1, 2, 14), DayPeriod(6, 16, 12, 31))
    in_winter = rate.for_date(date(2025, 1, 20))
    in_spring = rate.for_date(date(2025, 3, 1))
    assert in_winter is not None and in_winter.ad_valorem_percent == Decimal("15.00")
    assert in_spring is not None and in_spring.ad_valorem_percent == Decimal("0.00")

    wrapping = parse_duty_rate("14.00% (01 JUL - 31 JAN), 0.00% (01 FEB - 30 JUN)")
    january = wrapping.for_date(date(2025, 1, 10))
    assert january is not None and january.ad_valorem_percent == Decimal("14.00")

    rest_of_year = parse_duty_rate(
        "9.60% MIN 1.1\xa0€/100\xa0kg/net (01 JAN-14 APR, 1 DEC-31 DEC), 13.60% MIN 1.6€/100kg/net"
    )
    summer = rest_of_year.for_date(date(2025, 7, 1))
    assert summer is not None and summer.ad_valorem_percent == Decimal("13.60")
    assert summer.minimum is not None
    assert summer.minimum.specific == (
        SpecificDuty(Decimal("1.6"), "EUR", Decimal("100"), "kg", "net"),
    )

    with_gap = parse_duty_rate("4.00% (01 JAN-31 MAR, 01-31 DEC), 5.10% (01 JUN-30 NOV)")
    assert with_gap.for_date(date(2025, 4, 15)) is None
    december = with_gap.for_date(date(2025, 12, 5))
    assert december is not None and december.ad_valorem_percent == Decimal("4.00")


@pytest.mark.parametrize("text", ["Entry Price", "", "12 apples", "5% + 3 USD/kg", "10% MIN"])
def test_unparseable_text_is_kept(text: str) -> None:
    rate = parse_duty_rate(text)
    assert not rate.parsed and rate.text == text
    assert not rate.is_free and not rate.is_ad_valorem_only


@pytest.mark.shared_data
def test_real_tariff_counts_and_every_format_parses(real_tariff: Tariff) -> None:
    assert len(real_tariff) == 11830
    unparsed = real_tariff.unparsed_rates()
    assert {text for _, _, text in unparsed} == KNOWN_UNPARSED
    assert len(unparsed) == 29
    assert {column for _, column, _ in unparsed} == {"eu_cet"}
    formats = {
        re.sub(r"\d[\d,]*(?:\.\d+)?", "N", rate.text)
        for line in real_tariff
        for rate in (line.eu_cet, line.uk_global)
        if rate.parsed
    }
    assert len(formats) >= 75  # every distinct shape of the file (digits masked), all parsed
    # The data README: 1,125 rows carry a compound or specific UK Global Tariff rate.
    assert sum(1 for line in real_tariff if not line.uk_global.is_ad_valorem_only) == 1125


@pytest.mark.shared_data
def test_real_known_lines(real_tariff: Tariff) -> None:
    horses = real_tariff.line("01012990")
    assert horses is not None
    assert horses.eu_cet.ad_valorem_percent == Decimal("11.5")
    assert horses.uk_global.ad_valorem_percent == Decimal("10.0")
    assert horses.change == "Simplified" and not horses.trade_remedy
    compound = [line for line in real_tariff if line.uk_global.text == "10.00% + 77.00 GBP/100kg"]
    assert compound and compound[0].uk_global.specific[0].amount == Decimal("77.00")
    assert real_tariff.snapshot.startswith("uk-global-tariff-2021+eu-cet-2020@")


@pytest.mark.shared_data
def test_real_best_line(real_tariff: Tariff) -> None:
    tee = real_tariff.best_line("610910")
    assert tee is not None and tee.code == "61091000"
    assert real_tariff.best_line("6109100000") == tee  # 10-digit code falls back to its 8 digits
    assert real_tariff.best_line("01012990") == real_tariff.line("01012990")
    first_child = real_tariff.lines_for_subheading("392690")[0]
    assert real_tariff.best_line("392690") == first_child
    # The 2021 snapshot is based on HS 2017: HS 2022's smartphone subheading has no line.
    assert real_tariff.best_line("851713") is None
    assert real_tariff.best_line("12") is None and real_tariff.best_line("abcdef") is None


def test_starter_tariff(starter_tariff: Tariff) -> None:
    assert 70 <= len(starter_tariff) <= 110
    assert starter_tariff.unparsed_rates() == ()
    assert starter_tariff.snapshot.startswith("starter-illustrative-2025@")
    phone = starter_tariff.best_line("8517130000")
    assert phone is not None and phone.code == "85171300"
    earbuds = starter_tariff.best_line("8518300095")
    assert earbuds is not None and earbuds.suspension
    watch = starter_tariff.best_line("910211")
    assert watch is not None and watch.eu_cet.maximum is not None
    assert [line.code for line in starter_tariff.lines_for_subheading("610990")] == [
        "61099020",
        "61099090",
    ]
