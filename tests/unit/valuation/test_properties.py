"""Properties of whole assessments: customs value adds up, charges are never negative, and a
dearer parcel never owes less within one regime."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from valuation_builders import declaration, item

from clearway.valuation.domain import Valuation
from clearway.valuation.model import ChargesRequest

values = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(5000), places=2)
DESTINATIONS = st.sampled_from(["DE", "FR", "PL", "HU", "SE", "GB", "US", "AU", "CA", "CN", "SG"])


@settings(max_examples=60, deadline=None)
@given(DESTINATIONS, st.lists(values, min_size=1, max_size=5), values)
def test_customs_value_adds_up_and_charges_are_never_negative(
    valuation: Valuation, destination: str, amounts: list[Decimal], freight: Decimal
) -> None:
    items = [item(str(a), "EUR", line=i + 1, origin_country="VN") for i, a in enumerate(amounts)]
    result = valuation.assess(
        ChargesRequest(
            declaration(destination, date(2025, 9, 15), *items, freight=str(freight)),
        )
    )
    assert sum(i.customs_value.amount for i in result.items) == result.customs_value.amount
    if result.valuation_basis == "CIF":
        assert result.customs_value.amount == result.intrinsic_value.amount + result.freight.amount
    else:
        assert result.customs_value.amount == result.intrinsic_value.amount
    assert all(charge.amount.amount >= 0 for charge in result.charges)
    total = result.total_at_sale.amount + result.total_at_import.amount
    assert total == sum(charge.amount.amount for charge in result.charges)


@settings(max_examples=60, deadline=None)
@given(values, values)
def test_charges_are_monotone_in_value_within_a_regime(
    valuation: Valuation, first: Decimal, second: Decimal
) -> None:
    low, high = sorted((first, second))

    def owed(amount: Decimal) -> tuple[str, Decimal]:
        result = valuation.assess(
            ChargesRequest(declaration("GB", date(2025, 3, 3), item(str(amount), "GBP")))
        )
        return result.regime, sum((c.amount.amount for c in result.charges), Decimal(0))

    (low_regime, low_owed), (high_regime, high_owed) = owed(low), owed(high)
    if low_regime == high_regime:
        assert low_owed <= high_owed
