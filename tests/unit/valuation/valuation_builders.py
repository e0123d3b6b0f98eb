"""Builders of declarations for the valuation tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from clearway.declarations.model import Declaration, Item, Money


def item(
    value: str,
    currency: str = "EUR",
    code: str = "610910",
    line: int = 1,
    **extra: object,
) -> Item:
    """An item line of `value` in `currency` (quantity 1 unless given)."""
    quantity = extra.pop("quantity", 1)
    return Item(
        line_number=line,
        description="cotton t-shirt",
        quantity=quantity,  # type: ignore[arg-type]
        intrinsic_value=Money(Decimal(value), currency),
        declared_hs_code=code,
        **extra,  # type: ignore[arg-type]
    )


def declaration(
    destination: str,
    on: date,
    *items: Item,
    freight: str | None = "0",
    dispatch: str = "CN",
    **extra: object,
) -> Declaration:
    """A declaration of `items`; freight in the items' currency ("0" = free shipping)."""
    currency = items[0].intrinsic_value.currency
    return Declaration(
        declaration_id="T-1",
        declaration_date=on,
        destination_country=destination,
        dispatch_country=dispatch,
        items=items,
        freight=Money(Decimal(freight), currency) if freight is not None else None,
        **extra,  # type: ignore[arg-type]
    )
