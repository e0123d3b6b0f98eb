"""Conversion of declared amounts into the destination currency at the ECB reference rate.

Policy (tested): the rate of a currency on a declaration date is the latest ECB publication on
or before that date, at most 7 days old (weekends, holidays). The reference-rate snapshot ends on
its last publication (2025-05-09 for the shared data); for a declaration dated after the end of
the snapshot the last publication is used and the explanation says how old it is, instead of
refusing every later parcel. A currency the ECB does not publish, or a date with no publication
in the 7 days before it inside the snapshot, has no rate: EXCHANGE_RATE_UNAVAILABLE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Context, Decimal

from clearway.reference.errors import RateUnavailable
from clearway.reference.fx import BASE_CURRENCY, ExchangeRates, RateQuote
from clearway.runtime.errors import ClearwayError

SOURCE = "ECB euro foreign exchange reference rate"
#: A rate older than this (relative to the declaration date) is reported in the explanation.
STALE_AFTER = timedelta(days=7)
_EXACT = Context(prec=34)
_SHOWN = Context(prec=10)


class RateMissing(ClearwayError):
    """No reference rate for a currency on the declaration date."""

    reason = "EXCHANGE_RATE_UNAVAILABLE"


@dataclass(frozen=True, slots=True)
class RateUsed:
    """A cross rate (`to_currency` per 1 `from_currency`) and the publication it comes from."""

    from_currency: str
    to_currency: str
    rate: Decimal
    rate_date: date
    source: str = SOURCE


class RateMemory:
    """Rates already looked up, per (currency, date), shared by the converters of one service.

    A batch asks for the same few currencies on the same few dates; a declaration dated after
    the snapshot would otherwise fail the exact lookup and fall back again for every parcel.
    """

    LIMIT = 65536

    def __init__(self) -> None:
        self._quotes: dict[tuple[str, date], RateQuote] = {}

    def get(self, currency: str, on: date) -> RateQuote | None:
        return self._quotes.get((currency, on))

    def put(self, currency: str, on: date, quote: RateQuote) -> RateQuote:
        if len(self._quotes) >= self.LIMIT:
            self._quotes = {}
        self._quotes[(currency, on)] = quote
        return quote


class Converter:
    """Converts amounts for one declaration date and remembers every rate it used.

    One Converter serves one assessment, so the rates it lists are exactly those of the answer.
    """

    def __init__(self, rates: ExchangeRates, on: date, looked_up: RateMemory | None = None) -> None:
        self._rates = rates
        self.on = on
        self._looked_up = looked_up if looked_up is not None else RateMemory()
        self._quotes: dict[str, RateQuote] = {}
        self._used: dict[tuple[str, str], RateUsed] = {}
        self.notes: list[str] = []

    def quote(self, currency: str) -> RateQuote:
        """The ECB rate of `currency` per EUR under the policy above."""
        cached = self._quotes.get(currency)
        if cached is not None:
            return cached
        quote = self._looked_up.get(currency, self.on)
        if quote is None:
            quote = self._looked_up.put(currency, self.on, self._lookup(currency))
        self._quotes[currency] = quote
        age = self.on - quote.published
        if currency != BASE_CURRENCY and age > STALE_AFTER:
            self.notes.append(
                f"exchange rate {currency}: the newest ECB reference rate in the snapshot is of "
                f"{quote.published.isoformat()}, {age.days} days before the declaration date "
                f"{self.on.isoformat()}; it is used as the last available rate (the snapshot "
                f"ends on {self._rates.last_date.isoformat()})"
            )
        return quote

    def _lookup(self, currency: str) -> RateQuote:
        try:
            return self._rates.rate_or_last(currency, self.on)
        except RateUnavailable as error:
            raise RateMissing(
                f"no ECB reference rate for {currency} on {self.on.isoformat()}: {error.message}",
                metadata={"currency": currency, "date": self.on.isoformat()},
            ) from error

    def rate_used(self, from_currency: str, to_currency: str) -> RateUsed:
        """The cross rate between two currencies (through EUR), as reported in the answer."""
        key = (from_currency, to_currency)
        used = self._used.get(key)
        if used is None:
            source = self.quote(from_currency)
            target = self.quote(to_currency)
            used = self._used[key] = RateUsed(
                from_currency,
                to_currency,
                _SHOWN.divide(target.per_eur, source.per_eur),
                min(source.published, target.published),
            )
        return used

    def convert(self, amount: Decimal, from_currency: str, to_currency: str) -> Decimal:
        """`amount` in `to_currency`, exact (the caller rounds where the law rounds).

        The reported rate has 10 significant digits; the conversion itself uses both ECB rates
        at full precision, as a customs office dividing and multiplying by them would.
        """
        if from_currency == to_currency:
            return amount
        self.rate_used(from_currency, to_currency)
        source = self._quotes[from_currency]
        target = self._quotes[to_currency]
        return _EXACT.divide(_EXACT.multiply(amount, target.per_eur), source.per_eur)

    @property
    def rates_used(self) -> tuple[RateUsed, ...]:
        return tuple(self._used.values())
