"""Customs duty of one item from a tariff rate: ad valorem, specific and compound, with bounds.

A specific duty is charged per quantity measured on the goods (net mass in kg, number of items);
its amount is stated in EUR (EU CET) or GBP (UK Global Tariff) and converted to the destination
currency. A rate that cannot be computed from what a declaration carries (Meursing agricultural
components, per litre or per % vol, entry prices) is refused, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from clearway.reference.duty_rates import DutyRate, SpecificDuty
from clearway.runtime.errors import ClearwayError, FieldViolation, InvalidArgument
from clearway.valuation.money import ZERO, percent_of, show, show_percent


class DutyNotComputable(ClearwayError):
    """The tariff rate needs something the declaration does not carry."""

    reason = "DUTY_NOT_COMPUTABLE"


@dataclass(frozen=True, slots=True)
class Measures:
    """What a specific duty can be measured on, and where each measure sits in the request."""

    quantity: int
    net_mass_kg: Decimal | None
    gross_mass_kg: Decimal | None
    item_path: str


@dataclass(frozen=True, slots=True)
class DutyFigure:
    """Exact duty (unrounded, destination currency) and how it was computed."""

    amount: Decimal
    working: str


Convert = Callable[[Decimal, str], Decimal]
"""Converts an amount in the given currency into the destination currency (exact)."""


def compute_duty(
    rate: DutyRate,
    customs_value: Decimal,
    measures: Measures,
    on: date,
    convert: Convert,
    currency: str,
) -> DutyFigure:
    """The duty for one item at `rate` on its `customs_value` (destination currency)."""
    in_force = rate.for_date(on)
    if in_force is None:
        raise DutyNotComputable(f"the seasonal rate {rate.text!r} has no period covering {on}")
    if not in_force.parsed:
        raise DutyNotComputable(f"the tariff rate {rate.text!r} is not in a computable form")
    if in_force.agricultural:
        raise DutyNotComputable(
            f"the tariff rate {rate.text!r} has agricultural components "
            f"({', '.join(in_force.agricultural)}) that depend on the goods' composition"
        )
    amount, working = _sum(in_force, customs_value, measures, convert, currency)
    if in_force.minimum is not None:
        low, low_working = _sum(in_force.minimum, customs_value, measures, convert, currency)
        if amount < low:
            amount, working = low, f"minimum {low_working}"
    if in_force.maximum is not None:
        high, high_working = _sum(in_force.maximum, customs_value, measures, convert, currency)
        if amount > high:
            amount, working = high, f"maximum {high_working}"
    return DutyFigure(amount, working)


def _sum(
    rate: DutyRate, customs_value: Decimal, measures: Measures, convert: Convert, currency: str
) -> tuple[Decimal, str]:
    parts: list[str] = []
    total = ZERO
    if rate.ad_valorem_percent or not rate.specific:
        total += percent_of(customs_value, rate.ad_valorem_percent)
        parts.append(f"{show_percent(rate.ad_valorem_percent)} * {show(customs_value, currency)}")
    for duty in rate.specific:
        measured = _measure(duty, measures, rate.text)
        stated = duty.amount * measured / duty.per_quantity
        converted = convert(stated, duty.currency)
        total += converted
        per = f"{duty.per_quantity.normalize():f} {duty.unit}"
        text = f"{duty.amount} {duty.currency}/{per} * {measured.normalize():f} {duty.unit}"
        if duty.currency != currency:
            text += f" = {duty.currency} {stated.normalize():f} → {show(converted, currency)}"
        parts.append(text)
    return total, " + ".join(parts)


def _measure(duty: SpecificDuty, measures: Measures, rate_text: str) -> Decimal:
    if duty.unit == "p/st" and not duty.qualifier:
        return Decimal(measures.quantity)
    if duty.unit == "kg" and duty.qualifier in ("", "net"):
        if measures.net_mass_kg is None or measures.net_mass_kg == ZERO:
            raise _mass_required(measures, "net_mass_kg", rate_text)
        return measures.net_mass_kg
    if duty.unit == "kg" and duty.qualifier == "gross":
        if measures.gross_mass_kg is None or measures.gross_mass_kg == ZERO:
            raise _mass_required(measures, "gross_mass_kg", rate_text)
        return measures.gross_mass_kg
    measured = f"{duty.unit} {duty.qualifier}".strip()
    raise DutyNotComputable(
        f"the tariff rate {rate_text!r} is charged per {measured}, which a declaration does not "
        "carry"
    )


def _mass_required(measures: Measures, field: str, rate_text: str) -> InvalidArgument:
    path = f"{measures.item_path}.{field}"
    description = f"is required: the duty rate {rate_text!r} is charged per mass"
    return InvalidArgument(f"{path} {description}", violations=(FieldViolation(path, description),))
