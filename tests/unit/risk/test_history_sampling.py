"""Consignee history (pseudonymous, windowed, idempotent) and the control-sample draw."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from clearway.declarations.model import Address, Party
from clearway.risk.history import InMemoryConsigneeHistory, ParcelRecord, consignee_key
from clearway.risk.sampling import in_control_sample, sample_fraction


def test_key_is_stable_over_spelling_and_holds_no_name() -> None:
    a = Party("consignee", "José Muñoz", Address(postal_code="28001", country="ES"))
    b = Party("consignee", "JOSE MUNOZ", Address(postal_code="28 001", country="ES"))
    other = Party("consignee", "Jose Munoz", Address(postal_code="28002", country="ES"))
    assert consignee_key(a) == consignee_key(b) != consignee_key(other)
    assert "munoz" not in consignee_key(a).lower()


def test_window_and_idempotent_record() -> None:
    history = InMemoryConsigneeHistory()
    for day in (1, 10, 20, 20):
        history.record("k", ParcelRecord(f"d{day}", date(2025, 3, day), Decimal(100), "EUR"))
    assert [p.declaration_id for p in history.recent("k", date(2025, 3, 20), 11)] == ["d10", "d20"]
    assert len(history.recent("k", date(2025, 3, 20), 30)) == 3
    assert history.recent("other", date(2025, 3, 20), 30) == ()


@given(st.text(min_size=1, max_size=40))
def test_draw_is_deterministic_and_in_unit_interval(declaration_id: str) -> None:
    fraction = sample_fraction(declaration_id)
    assert Decimal(0) <= fraction < Decimal(1)
    assert fraction == sample_fraction(declaration_id)
    assert in_control_sample(declaration_id, Decimal(1))
    assert not in_control_sample(declaration_id, Decimal(0))


@settings(max_examples=20)
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.5"), places=2))
def test_sample_rate_is_respected(rate: Decimal) -> None:
    drawn = sum(in_control_sample(f"DECL-{n}", rate) for n in range(4000))
    assert abs(drawn / 4000 - float(rate)) < 0.03
