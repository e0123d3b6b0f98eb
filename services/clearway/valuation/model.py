"""What the valuation domain takes and answers: plain frozen values, money in Decimal."""

from __future__ import annotations

from dataclasses import dataclass

from clearway.declarations.model import Declaration, Money
from clearway.rules import FiredRule
from clearway.valuation.conversion import RateUsed

AT_SALE = "AT_SALE"
AT_IMPORT = "AT_IMPORT"
COLLECTION_POINTS = (AT_SALE, AT_IMPORT)


@dataclass(frozen=True, slots=True)
class TariffContext:
    """The code classification decided for one item, and the preference origin granted."""

    line_number: int
    hs_code: str = ""
    national_tariff_code: str = ""
    preference_agreement: str = ""


@dataclass(frozen=True, slots=True)
class RequestPaths:
    """Where the parts of a request sit, so a refusal names the caller's own field."""

    items: str = "declaration.items"
    hs_code_field: str = "declared_hs_code"
    freight: str = "declaration.freight"
    consumer_year_total: str = "consumer_year_total"

    def item(self, index: int, field: str) -> str:
        return f"{self.items}[{index}].{field}"


@dataclass(frozen=True, slots=True)
class ChargesRequest:
    """One declaration to assess, with the tariff decisions of the other services."""

    declaration: Declaration
    tariff: tuple[TariffContext, ...] = ()
    #: The seller or marketplace is registered under the destination's low-value scheme even
    #: when the declaration carries no number (checkout quotes).
    seller_registered: bool = False
    paths: RequestPaths = RequestPaths()
    #: The consumer's total of cross-border retail purchases earlier in the calendar year (CN's
    #: annual limit); None when the caller does not know it, which the explanation then says.
    consumer_year_total: Money | None = None


@dataclass(frozen=True, slots=True)
class Charge:
    """One amount owed: its kind, where it is collected, its base and rate, and why."""

    type: str
    amount: Money
    collected_at: str
    base: Money | None
    rate: str
    line_number: int
    rule_id: str


@dataclass(frozen=True, slots=True)
class ItemValuation:
    """One item's values in the destination currency and the duty rate applied to it."""

    line_number: int
    hs_code: str
    tariff_line: str
    intrinsic_value: Money
    customs_value: Money
    duty_rate: str
    preference_applied: bool


@dataclass(frozen=True, slots=True)
class Assessment:
    """The charges of one declaration under its destination's regime, explained."""

    declaration_id: str
    regime: str
    valuation_basis: str
    intrinsic_value: Money
    customs_value: Money
    freight: Money
    insurance: Money
    items: tuple[ItemValuation, ...]
    charges: tuple[Charge, ...]
    total_at_sale: Money
    total_at_import: Money
    exchange_rates: tuple[RateUsed, ...]
    rules_revision: str
    fired: tuple[FiredRule, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Quote:
    """A landed-cost quote: the assessment re-expressed in the currency the buyer sees."""

    regime: str
    currency: str
    charges: tuple[Charge, ...]
    goods_total: Money
    total_charges: Money
    landed_cost: Money
    exchange_rates: tuple[RateUsed, ...]
    rules_revision: str
    fired: tuple[FiredRule, ...]
    notes: tuple[str, ...]
