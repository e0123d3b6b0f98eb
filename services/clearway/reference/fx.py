"""ECB euro foreign-exchange reference rates (units of currency per 1 EUR), daily history.

Customs values are converted at a dated reference rate. The ECB publishes on TARGET working days
only, so a date without a publication (weekend, holiday) uses the latest publication before it,
but never one more than a week old: an older rate would be a silent error, so it raises
RateUnavailable instead.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Context, Decimal, InvalidOperation
from pathlib import Path

from clearway.reference._io import csv_records, decode, digest, expect_fields, read_bytes
from clearway.reference.errors import RateUnavailable, ReferenceDataError

RATES_FILE = Path("fx") / "eurofxref-hist.csv"
BASE_CURRENCY = "EUR"
#: Oldest publication accepted for a date (covers weekends and the longest TARGET holidays).
MAX_RATE_AGE = timedelta(days=7)
_NO_RATE = ("N/A", "")
#: Enough digits that converting never loses a cent; the caller rounds per jurisdiction.
_ARITHMETIC = Context(prec=34)


@dataclass(frozen=True, slots=True)
class RateQuote:
    """One currency's ECB rate (`per_eur` units for 1 EUR) as published on `published`."""

    currency: str
    per_eur: Decimal
    published: date


@dataclass(frozen=True, slots=True)
class Conversion:
    """An unrounded converted amount, the cross rate (`to` per 1 `from`) and its rate date."""

    amount: Decimal
    rate: Decimal
    rate_date: date


@dataclass(frozen=True, slots=True)
class _Series:
    days: tuple[int, ...]  # publication dates as ordinals, ascending
    rates: tuple[Decimal, ...]


class ExchangeRates:
    """Daily ECB reference rates per currency; immutable once built."""

    __slots__ = ("_series", "first_date", "last_date", "source", "version")

    def __init__(
        self,
        series: Mapping[str, Mapping[date, Decimal]],
        *,
        source: Path,
        version: str = "",
    ) -> None:
        self._series: dict[str, _Series] = {}
        for currency, by_day in series.items():
            if by_day:
                days, rates = zip(*sorted(by_day.items()), strict=True)
                self._series[currency] = _Series(tuple(d.toordinal() for d in days), rates)
        all_days = [day for s in self._series.values() for day in (s.days[0], s.days[-1])]
        if not all_days:
            raise ReferenceDataError(source, "no exchange rates in file")
        self.first_date = date.fromordinal(min(all_days))
        self.last_date = date.fromordinal(max(all_days))
        self.source = source
        self.version = version

    @property
    def currencies(self) -> tuple[str, ...]:
        """ISO codes with at least one rate, EUR included, sorted."""
        return tuple(sorted({BASE_CURRENCY, *self._series}))

    def rate(self, currency: str, on: date) -> RateQuote:
        """The rate in force on `on`: the latest publication on or before it, at most 7 days old."""
        code = currency.strip().upper()
        if code == BASE_CURRENCY:
            return RateQuote(BASE_CURRENCY, Decimal(1), on)
        series = self._series.get(code)
        if series is None:
            raise RateUnavailable(
                code, on, source=self.source, detail="the ECB publishes no rate for this currency"
            )
        index = bisect.bisect_right(series.days, on.toordinal()) - 1
        if index < 0:
            first = date.fromordinal(series.days[0])
            raise RateUnavailable(
                code, on, source=self.source, detail=f"the first rate is of {first.isoformat()}"
            )
        published = date.fromordinal(series.days[index])
        if on - published > MAX_RATE_AGE:
            raise RateUnavailable(
                code,
                on,
                source=self.source,
                detail=f"the latest rate before it is of {published.isoformat()}, "
                f"more than {MAX_RATE_AGE.days} days earlier",
            )
        return RateQuote(code, series.rates[index], published)

    def rate_or_last(self, currency: str, on: date) -> RateQuote:
        """The rate in force on `on`; for a date after the series ends, its last rate (the
        caller says so: the snapshot is older than the declaration). The policy every
        conversion of a declaration date follows."""
        if on - self.last_date > MAX_RATE_AGE:  # every rate of `on` would be too old
            return self.rate(currency, self.last_date)
        try:
            return self.rate(currency, on)
        except RateUnavailable:
            if on <= self.last_date:
                raise
            return self.rate(currency, self.last_date)

    def convert(
        self, amount: Decimal, from_ccy: str, to_ccy: str, on: date, *, or_last: bool = False
    ) -> Conversion:
        """Convert `amount` through EUR at the rates in force on `on`, without rounding
        (`or_last`: after the series, at its last rates, see rate_or_last).

        `rate_date` is the older of the two publications used (they normally coincide).
        """
        if not isinstance(amount, Decimal):
            raise TypeError(f"amount must be a Decimal, not {type(amount).__name__}")
        quote = self.rate_or_last if or_last else self.rate
        source = quote(from_ccy, on)
        target = quote(to_ccy, on)
        rate = _ARITHMETIC.divide(target.per_eur, source.per_eur)
        converted = _ARITHMETIC.divide(_ARITHMETIC.multiply(amount, target.per_eur), source.per_eur)
        return Conversion(converted, rate, min(source.published, target.published))


def load_rates(data_dir: Path) -> ExchangeRates:
    """Load fx/eurofxref-hist.csv (Date column, one column per currency, N/A = no rate)."""
    path = data_dir / RATES_FILE
    data = read_bytes(path)
    records = csv_records(path, decode(path, data))
    first = next(records, None)
    if first is None or not first[1] or first[1][0].strip() != "Date":
        raise ReferenceDataError(path, "first column of the header must be 'Date'", line=1)
    header = [name.strip() for name in first[1]]
    currencies = header[1:]
    for name in currencies[:-1]:
        if len(name) != 3 or not name.isalpha():
            raise ReferenceDataError(path, f"column {name!r} is not a currency code", line=1)
    series: dict[str, dict[date, Decimal]] = {name: {} for name in currencies if name}
    seen: set[date] = set()
    for line, row in records:
        expect_fields(path, line, row, len(header))
        try:
            day = date.fromisoformat(row[0].strip())
        except ValueError:
            raise ReferenceDataError(path, f"bad date {row[0]!r}", line=line) from None
        if day in seen:
            raise ReferenceDataError(path, f"date {day} repeated", line=line)
        seen.add(day)
        for currency, value in zip(currencies, row[1:], strict=True):
            if value in _NO_RATE:
                continue
            if not currency:
                raise ReferenceDataError(path, "value in the unnamed last column", line=line)
            try:
                rate = Decimal(value)
            except InvalidOperation:
                raise ReferenceDataError(
                    path, f"{currency}: not a number: {value!r}", line=line, record=day.isoformat()
                ) from None
            if not rate.is_finite() or rate <= 0:
                raise ReferenceDataError(
                    path, f"{currency}: rate must be positive: {value!r}", line=line
                )
            series[currency][day] = rate
    return ExchangeRates(series, source=path, version=f"{RATES_FILE.name}@{digest(data)}")
