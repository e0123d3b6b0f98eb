"""Findings and the plain-language figures every origin answer carries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

_ARITHMETIC = Context(prec=34)
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_FINE = Decimal("0.000001")


@dataclass(frozen=True)
class Finding:
    """One check, passed or failed, with its reason code; `line_number` scopes it to an item."""

    code: str
    passed: bool
    text: str
    rule_id: str = ""
    line_number: int | None = None


def share_percent(part: Decimal, whole: Decimal) -> Decimal:
    """`part` as an exact-enough percentage of `whole` (34 significant digits, unrounded)."""
    return _ARITHMETIC.divide(_ARITHMETIC.multiply(part, _HUNDRED), whole)


def within_percent(part: Decimal, whole: Decimal, limit: Decimal) -> bool:
    """part ≤ limit% of whole, decided without division so the limit itself is exact."""
    return part * _HUNDRED <= limit * whole


def at_least_percent(part: Decimal, whole: Decimal, minimum: Decimal) -> bool:
    """part ≥ minimum% of whole, decided without division."""
    return part * _HUNDRED >= minimum * whole


def show_percent(value: Decimal, limit: Decimal | None = None) -> str:
    """A percentage to 2 decimals, trailing zeros dropped ("38.2%"); more digits when rounding
    would make a value that misses the limit look equal to it."""
    shown = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if limit is not None and shown == limit and value != limit:
        shown = value.quantize(_FINE, rounding=ROUND_HALF_UP)
    return f"{number(shown)}%"


def number(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros ("50", "12.5")."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(amount: Decimal, currency: str) -> str:
    return f"{currency} {amount.quantize(_CENT, rounding=ROUND_HALF_UP)}"
