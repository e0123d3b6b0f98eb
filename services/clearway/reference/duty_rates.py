"""Duty-rate expressions of the UK Global Tariff and the EU Common External Tariff, parsed.

The tariff states rates as text ("12.00%", "10.00% + 77.00 GBP/100kg",
"4.50% MIN 0.30 EUR / item MAX 0.80 EUR / item", seasonal rates, Meursing components ...).
Valuation needs the parts as Decimals, so every format that occurs in the snapshot is parsed
into one structure; text that cannot be read (the EU "Entry Price" system) keeps its text with
parsed=False so the caller can refuse to compute a duty instead of guessing one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation

ZERO = Decimal(0)

#: Components whose amount depends on the Meursing composition of the goods (agricultural
#: component, additional duties on sugar and flour) and so cannot be computed from the rate alone.
AGRICULTURAL_COMPONENTS = frozenset({"EA", "EAR", "ADSZ", "ADSZR", "ADFM", "ADFMR"})

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("JAN", "JANUARY"),
            ("FEB", "FEBRUARY"),
            ("MAR", "MARCH"),
            ("APR", "APRIL"),
            ("MAY",),
            ("JUN", "JUNE"),
            ("JUL", "JULY"),
            ("AUG", "AUGUST"),
            ("SEP", "SEPT", "SEPTEMBER"),
            ("OCT", "OCTOBER"),
            ("NOV", "NOVEMBER"),
            ("DEC", "DECEMBER"),
        ),
        start=1,
    )
    for name in names
}

#: Unit words of the source (spaces removed) -> (normalised unit, multiplier of the quantity).
_UNITS: dict[str, tuple[str, int]] = {
    "%vol/hl": ("%vol/hl", 1),
    "tonne": ("kg", 1000),
    "items": ("p/st", 1),
    "item": ("p/st", 1),
    "p/st": ("p/st", 1),
    "kg": ("kg", 1),
    "hl": ("hl", 1),
    "m2": ("m2", 1),
    "m3": ("m3", 1),
    "m": ("m", 1),
    "l": ("l", 1),
}

#: Qualifiers of the quantity (spaces removed) -> plain wording. UKGT abbreviates the French
#: forms of the CET ("eda" = net drained weight, "mas" = dry matter, "br" = gross).
_QUALIFIERS = {
    "": "",
    "net": "net",
    "gross": "gross",
    "br": "gross",
    "netdrainedwt": "net drained weight",
    "eda": "net drained weight",
    "netdry": "net dry matter",
    "mas": "net dry matter",
    "lacticmatter": "lactic matter",
    "drylacticmatter": "dry lactic matter",
    "net/%sacchar.": "net, per 1% sucrose",
    "stdqual": "standard quality",
    "totalc": "total alcohol",
}

_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_PERCENT_RE = re.compile(rf"({_NUMBER})\s*%")
_BARE_NUMBER_RE = re.compile(f"({_NUMBER})")
_SPECIFIC_RE = re.compile(rf"(?P<amount>{_NUMBER})\s*(?P<currency>EUR|GBP)\s*/\s*(?P<per>.+)")
_PER_RE = re.compile(
    r"(?P<qty>\d[\d,]*)?(?P<unit>%vol/hl|tonne|items|item|p/st|kg|hl|m2|m3|m|l)(?P<qual>.*)"
)
_MIN_MAX_RE = re.compile(r"\s+(MIN|MAX)\s+")
_PERIOD_RE = re.compile(r"(\d{1,2})\s*([A-Z]+)?\s*-\s*(\d{1,2})\s*([A-Z]+)")


class _Unparsed(ValueError):
    """Internal: the text is not in any known rate format."""


@dataclass(frozen=True, slots=True)
class SpecificDuty:
    """A specific duty: `amount` `currency` per `per_quantity` `unit` (e.g. 77.00 GBP per 100 kg).

    Units are normalised: kg (tonnes become 1000 kg), l, hl, %vol/hl (per % vol per hectolitre),
    p/st (items), m, m2, m3. `qualifier` says what is measured (e.g. "net drained weight").
    """

    amount: Decimal
    currency: str
    per_quantity: Decimal
    unit: str
    qualifier: str = ""


@dataclass(frozen=True, slots=True)
class DayPeriod:
    """A recurring stretch of the year, inclusive, that may wrap over the new year."""

    start_month: int
    start_day: int
    end_month: int
    end_day: int

    def contains(self, on: date) -> bool:
        """Whether `on` falls in this period (days such as 31 APR in the source are kept as is)."""
        day = (on.month, on.day)
        start = (self.start_month, self.start_day)
        end = (self.end_month, self.end_day)
        if start <= end:
            return start <= day <= end
        return day >= start or day <= end


@dataclass(frozen=True, slots=True)
class SeasonalRate:
    """The rate that applies during `periods`; no periods means the rest of the year."""

    periods: tuple[DayPeriod, ...]
    rate: DutyRate


@dataclass(frozen=True, slots=True)
class DutyRate:
    """A duty rate: ad valorem part + specific parts, bounded by `minimum` / `maximum`.

    `agricultural` lists Meursing components (EA, ADSZ, ADFM) that add an amount not derivable
    from the rate. A seasonal rate has its alternatives in `seasonal` (top-level amounts are
    zero): call `for_date`. `parsed` is False when the text could not be read at all.
    """

    ad_valorem_percent: Decimal
    specific: tuple[SpecificDuty, ...]
    minimum: DutyRate | None
    maximum: DutyRate | None
    text: str
    agricultural: tuple[str, ...] = ()
    seasonal: tuple[SeasonalRate, ...] = ()
    parsed: bool = True

    @property
    def is_ad_valorem_only(self) -> bool:
        """Whether the duty is just a percentage of the customs value."""
        return (
            self.parsed
            and not self.specific
            and not self.agricultural
            and not self.seasonal
            and self.minimum is None
            and self.maximum is None
        )

    @property
    def is_free(self) -> bool:
        """Whether the rate is plainly zero (0%)."""
        return self.is_ad_valorem_only and self.ad_valorem_percent == ZERO

    def for_date(self, on: date) -> DutyRate | None:
        """The rate in force on `on`: self unless seasonal; None if no season covers the day."""
        if not self.seasonal:
            return self
        for season in self.seasonal:
            if any(period.contains(on) for period in season.periods):
                return season.rate
        for season in self.seasonal:
            if not season.periods:
                return season.rate
        return None


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise _Unparsed(text) from None


def _normalise(text: str) -> str:
    text = text.replace("\xa0", " ").replace("€", " EUR ")
    return " ".join(text.split())


def _parse_specific(term: str) -> SpecificDuty | None:
    match = _SPECIFIC_RE.fullmatch(term)
    if match is None:
        return None
    per = _PER_RE.fullmatch("".join(match["per"].split()))
    if per is None:
        raise _Unparsed(term)
    unit, multiplier = _UNITS[per["unit"]]
    qualifier = _QUALIFIERS.get(per["qual"].strip("/"))
    if qualifier is None:
        raise _Unparsed(term)
    quantity = _decimal(per["qty"]) if per["qty"] else Decimal(1)
    return SpecificDuty(
        amount=_decimal(match["amount"]),
        currency=match["currency"],
        per_quantity=quantity * multiplier,
        unit=unit,
        qualifier=qualifier,
    )


def _parse_sum(text: str, *, bare_number_is_percent: bool) -> DutyRate:
    """Parse `term + term + ...` where a term is a percentage, a specific duty or EA/ADSZ/ADFM."""
    percent: Decimal | None = None
    specific: list[SpecificDuty] = []
    agricultural: list[str] = []
    terms = [term.strip() for term in text.split("+")]
    for index, term in enumerate(terms):
        if not term:
            raise _Unparsed(text)
        if term in AGRICULTURAL_COMPONENTS:
            agricultural.append(term)
            continue
        duty = _parse_specific(term)
        if duty is not None:
            specific.append(duty)
            continue
        match = _PERCENT_RE.fullmatch(term)
        if match is None and index == 0 and bare_number_is_percent:
            # "6.4 + 24.6 EUR/100 kg", "7.2 MIN 0.36 EUR/100 kg": the % sign is missing.
            match = _BARE_NUMBER_RE.fullmatch(term)
        if match is None or percent is not None:
            raise _Unparsed(text)
        percent = _decimal(match[1])
    return DutyRate(
        ad_valorem_percent=percent if percent is not None else ZERO,
        specific=tuple(specific),
        minimum=None,
        maximum=None,
        text=text,
        agricultural=tuple(agricultural),
    )


def _parse_bounded(text: str) -> DutyRate:
    """Parse `main [MIN bound] [MAX bound]`."""
    pieces = _MIN_MAX_RE.split(text)
    has_bounds = len(pieces) > 1
    main = _parse_sum(pieces[0], bare_number_is_percent=has_bounds or "+" in pieces[0])
    bounds: dict[str, DutyRate] = {}
    for keyword, bound in zip(pieces[1::2], pieces[2::2], strict=True):
        if keyword in bounds:
            raise _Unparsed(text)
        bounds[keyword] = _parse_sum(bound, bare_number_is_percent=False)
    return DutyRate(
        ad_valorem_percent=main.ad_valorem_percent,
        specific=main.specific,
        minimum=bounds.get("MIN"),
        maximum=bounds.get("MAX"),
        text=text,
        agricultural=main.agricultural,
    )


def _parse_periods(text: str) -> tuple[DayPeriod, ...]:
    periods = []
    for part in text.split(","):
        match = _PERIOD_RE.fullmatch(part.strip())
        if match is None:
            raise _Unparsed(text)
        start_day, start_month_name, end_day, end_month_name = match.groups()
        end_month = _MONTHS.get(end_month_name)
        start_month = _MONTHS.get(start_month_name) if start_month_name else end_month
        if start_month is None or end_month is None:
            raise _Unparsed(text)
        period = DayPeriod(start_month, int(start_day), end_month, int(end_day))
        if not (1 <= period.start_day <= 31 and 1 <= period.end_day <= 31):
            raise _Unparsed(text)
        periods.append(period)
    return tuple(periods)


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


_SEASON_RE = re.compile(r"(?P<rate>[^()]+?)\s*(?:\((?P<periods>[^()]*)\))?")


def _parse_seasonal(text: str) -> DutyRate:
    seasons: list[SeasonalRate] = []
    for part in _split_top_level(text):
        match = _SEASON_RE.fullmatch(part)
        if match is None:
            raise _Unparsed(text)
        periods = _parse_periods(match["periods"]) if match["periods"] is not None else ()
        seasons.append(SeasonalRate(periods, _parse_bounded(match["rate"])))
    if sum(1 for season in seasons if not season.periods) > 1 or len(seasons) < 2:
        raise _Unparsed(text)
    return DutyRate(ZERO, (), None, None, text, seasonal=tuple(seasons))


def parse_duty_rate(text: str) -> DutyRate:
    """Parse one rate expression; unknown formats give parsed=False and keep the text."""
    normalised = _normalise(text)
    try:
        seasonal = "(" in normalised
        rate = _parse_seasonal(normalised) if seasonal else _parse_bounded(normalised)
    except _Unparsed:
        return DutyRate(ZERO, (), None, None, text, parsed=False)
    return replace(rate, text=text) if rate.text != text else rate
