"""The pack tables behind the taxes: dated rates, regional sales taxes, consumption tax.

Canada: the consignee's province decides whether the HST replaces the GST or a provincial sales
tax is due beside it. China: consumption tax on listed goods, charged before VAT and part of the
VAT base. The tables are pack parameters (rules/valuation/ca-*.yaml, cn-*.yaml); this module
only reads them, so a rate change is a pack edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from clearway.declarations.model import Declaration
from clearway.runtime.errors import ClearwayError

HST = "HST"
#: The mapping types pack parameters arrive as (checked by type: an ABC check costs microseconds).
_TABLES = (MappingProxyType, dict)
PROVINCIAL_SALES_TAX = "PROVINCIAL_SALES_TAX"


class TaxNotComputable(ClearwayError):
    """The goods carry a tax the packs cannot compute from a declaration (refused, not guessed)."""

    reason = "TAX_NOT_COMPUTABLE"


def dated(value: Any, on: date) -> Any:
    """A value, or the entry in force on `on` of a dated table {"YYYY-MM-DD": value, ...}."""
    if not isinstance(value, _TABLES):
        return value
    day = on.isoformat()
    since = [key for key in value if key <= day]
    return value[max(since)] if since else None


def in_force(value: Any, on: date) -> Decimal | None:
    """A rate, or the rate in force on `on` from a dated table {"YYYY-MM-DD": rate, ...}."""
    rate = dated(value, on)
    return None if rate is None else Decimal(rate)


@dataclass(frozen=True, slots=True)
class RegionalTax:
    """A sales tax of the consignee's region: the HST replaces the federal GST, a PST adds to it."""

    region: str
    name: str
    percent: Decimal
    replaces_federal: bool

    @property
    def charge_type(self) -> str:
        return HST if self.replaces_federal else PROVINCIAL_SALES_TAX


def consignee_region(declaration: Declaration, parameters: Mapping[str, Any]) -> str:
    """The region code of the consignee that the pack knows, or "" when nothing names one.

    The address region wins; else the longest prefix of the postal code in
    `region_by_postal_code` (a Canadian postal code's first letter names the province).
    """
    taxes = parameters.get("regional_taxes")
    if not taxes or declaration.consignee is None:
        return ""
    address = declaration.consignee.address
    region = address.region.strip().upper()
    if region in taxes or region in parameters.get("regions_without_regional_tax", ()):
        return region
    postal = address.postal_code.replace(" ", "").upper()
    by_postal = parameters.get("region_by_postal_code", {})
    for length in range(min(len(postal), 3), 0, -1):
        if postal[:length] in by_postal:
            return str(by_postal[postal[:length]])
    return ""


def regional_tax(parameters: Mapping[str, Any], region: str, on: date) -> RegionalTax | None:
    """The regional tax in force on `on` for `region` (None where only the federal tax is due)."""
    entry = parameters.get("regional_taxes", {}).get(region)
    if entry is None:
        return None
    percent = in_force(entry["rates"], on)
    if percent is None:
        return None
    return RegionalTax(region, str(entry["tax"]), percent, bool(entry.get("replaces_federal")))


@dataclass(frozen=True, slots=True)
class ConsumptionTaxRate:
    """The consumption tax on one item: the goods it is levied on, the rate, any caveat."""

    goods: str
    percent: Decimal
    note: str


def consumption_tax_rate(
    parameters: Mapping[str, Any], code: str, unit_value: Decimal, on: date
) -> ConsumptionTaxRate | None:
    """The ad valorem consumption tax on goods of `code` worth `unit_value` a piece, if any.

    Goods whose consumption tax is specific or needs data a declaration does not carry are
    refused (TAX_NOT_COMPUTABLE) instead of being charged a wrong amount.
    """
    refused = _prefixes(parameters.get("consumption_tax_not_modelled", ()))
    if refused and code.startswith(refused):
        raise TaxNotComputable(
            f"the consumption tax on HS {code} is specific or needs data the declaration does "
            "not carry (volume, alcohol, engine size); it is not computed",
            metadata={"hs_code": code},
        )
    for entry in parameters.get("consumption_tax", ()):
        if not code.startswith(_prefixes(entry["hs"])):
            continue
        minimum = entry.get("min_unit_value")
        if minimum is not None and unit_value < Decimal(minimum):
            return None
        percent = in_force(entry["rates"], on)
        if percent is None:
            return None
        return ConsumptionTaxRate(str(entry["goods"]), percent, str(entry.get("note", "")))
    return None


def _prefixes(codes: Any) -> tuple[str, ...]:
    """HS prefixes from a pack list (the loader reads "2203" as a number, "0901" as text)."""
    return tuple(str(code) for code in codes)
