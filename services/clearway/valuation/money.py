"""Rounding of money to a currency's minor unit, the way customs and tax authorities round.

Amounts are kept exact (Decimal) while they are computed and rounded ROUND_HALF_UP to the minor
unit of the destination currency only where the law rounds: each converted value and each charge.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)

#: ISO 4217 minor units of the currencies that do not have two decimals.
_MINOR_UNITS = {
    "BHD": 3, "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0,
    "KMF": 0, "KRW": 0, "KWD": 3, "LYD": 3, "OMR": 3, "PYG": 0, "RWF": 0, "TND": 3, "UGX": 0,
    "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}  # fmt: skip


def minor_units(currency: str) -> int:
    """Number of decimals of a currency (2 unless ISO 4217 says otherwise)."""
    return _MINOR_UNITS.get(currency, 2)


_CENT = Decimal("0.01")
_QUANTA = {currency: Decimal(1).scaleb(-units) for currency, units in _MINOR_UNITS.items()}


def quantum(currency: str) -> Decimal:
    """The smallest amount of a currency, e.g. 0.01 for EUR and 1 for JPY."""
    return _QUANTA.get(currency, _CENT)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit (the hot path: one lookup, one quantize)."""
    return amount.quantize(_QUANTA.get(currency, _CENT), ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """Exact `percent`% of `amount` (not rounded)."""
    return amount * percent / HUNDRED


def show(amount: Decimal, currency: str) -> str:
    """An amount as written in explanations: rounded, thousands not separated, e.g. 1260.89.

    str() writes a number rounded to a minor unit (exponent 0 to -3) as format "f" would,
    at a fraction of the cost (a dozen amounts a declaration)."""
    return str(amount.quantize(_QUANTA.get(currency, _CENT), ROUND_HALF_UP))


def show_percent(percent: Decimal) -> str:
    """A rate as the tariff writes it, e.g. 2.70% or 25.5%."""
    text = f"{percent:f}"
    if "." not in text:
        return f"{text}.00%"
    whole, decimals = text.split(".")
    decimals = decimals.rstrip("0")
    return f"{whole}.{decimals.ljust(2, '0')}%"


def apportion(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """Split `total` over lines in proportion to `weights`, rounded, summing exactly to `total`.

    Each share is rounded half up; the few minor units left over (or taken too many) go to the
    lines with the largest weights first, so the shares always add up to the declared amount.
    """
    if not weights:
        return []
    if len(weights) == 1 or total == ZERO:
        # the common parcel: one line, or free shipping - nothing to share out
        return [round_money(total, currency)] + [round_money(ZERO, currency)] * (len(weights) - 1)
    step = quantum(currency)
    weight_sum = sum(weights, ZERO)
    if weight_sum == ZERO:
        weights = [Decimal(1)] * len(weights)
        weight_sum = Decimal(len(weights))
    shares = [round_money(total * w / weight_sum, currency) for w in weights]
    difference = round_money(total, currency) - sum(shares, ZERO)
    order = sorted(range(len(weights)), key=lambda i: (-weights[i], i))
    position = 0
    while difference != ZERO:
        index = order[position % len(order)]
        move = step if difference > ZERO else -step
        if shares[index] + move >= ZERO:
            shares[index] += move
            difference -= move
        position += 1
    return shares
