"""How values are typed and encoded so that durable_rules compares them exactly.

durable_rules compares JSON numbers as C longs when both sides are integers and as doubles
otherwise, so money must never reach it as a fraction. Every number is sent as two integers
scaled by 10**SCALE: its floor and its ceiling. With a literal L (at most SCALE decimals, so
L * 10**SCALE is an integer) and a fact x:

    x <  L  <=>  floor(x) <  L        x >= L  <=>  floor(x) >= L
    x <= L  <=>  ceil(x)  <= L        x >  L  <=>  ceil(x)  >  L
    x == L  <=>  floor(x) == L == ceil(x)

which holds for any Decimal x, however many decimals it has. Facts beyond +/-LIMIT are clamped
to it; literals must lie strictly inside, so clamping never changes an answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

SCALE = 6
FACTOR = 10**SCALE
LIMIT = 10**18
"""Scaled magnitude bound: literals below 10**12 in absolute value, well inside a C long."""

_NUMERIC = re.compile(r"[+-]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
"""A string that is a number. Leading zeros ("0101", "007") make it a code, not a number."""


def is_numeric_string(value: str) -> bool:
    """True for strings such as "150", "149.99", "-0.5"; false for HS codes like "0101"."""
    return _NUMERIC.fullmatch(value) is not None


def exact_literal(value: Decimal) -> int | None:
    """The literal scaled to an integer, or None if it has too many decimals or is too large."""
    if not value.is_finite():
        return None
    numerator, denominator = value.as_integer_ratio()
    scaled, remainder = divmod(numerator * FACTOR, denominator)
    if remainder or abs(scaled) >= LIMIT:
        return None
    return scaled


def as_number(value: object) -> Decimal | None:
    """The number a literal or fact stands for (int, Decimal or numeric string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str) and is_numeric_string(value):
        return Decimal(value)
    return None


def comparable_literal(value: object) -> int | None:
    """The scaled integer when `value` is a number durable_rules can compare exactly."""
    number = as_number(value)
    return None if number is None else exact_literal(number)


def scaled_bounds(value: Decimal) -> tuple[int, int]:
    """floor and ceiling of value * 10**SCALE, clamped to +/-LIMIT (a zero is 0 whatever its
    exponent: Decimal("0E+20") is not a huge number)."""
    if value and value.adjusted() >= 12:
        bound = LIMIT if value > 0 else -LIMIT
        return bound, bound
    numerator, denominator = value.as_integer_ratio()
    low = (numerator * FACTOR) // denominator
    high = -((-numerator * FACTOR) // denominator)
    return low, high


def fact_text(value: object) -> str | None:
    """The text that `starts_with` and `matches` look at: strings, and numbers written out."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return None


def normalise_fact(name: str, value: object) -> str | int | bool | Decimal | None:
    """Check one fact's type; floats become Decimal through their shortest repr.

    Raises ValueError (FactError at the call site) for anything that is not a flat scalar.
    """
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"fact {name!r} is {value}, not a finite number")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"fact {name!r} is {value}, not a finite number")
        return Decimal(repr(value))
    raise ValueError(
        f"fact {name!r} has type {type(value).__name__}; facts are str, int, bool or Decimal"
    )


def parameter_value(value: Any) -> Any:
    """A parameter as rules and services read it: numeric strings become Decimal, maps and
    lists become read-only (parameters are shared by every evaluation)."""
    if isinstance(value, str) and is_numeric_string(value):
        return Decimal(value)
    if isinstance(value, Mapping):
        return MappingProxyType({key: parameter_value(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(parameter_value(item) for item in value)
    return value


def same_value(left: object, right: object) -> bool:
    """Equality for outcomes and expectations: numbers compare by value, so "150" == 150.00."""
    left_number, right_number = as_number(left), as_number(right)
    if left_number is not None and right_number is not None:
        return left_number == right_number
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return bool(left == right)
