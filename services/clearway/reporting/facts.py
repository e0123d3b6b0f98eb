"""One parcel reduced to what measurement needs, whether it was decided or simulated.

Stored decisions and simulated replays both become `ParcelFacts`, so the same aggregation
answers "what did we collect" and "what would we collect under other rules".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from clearway.declarations.codec import money_from_proto
from clearway.v1 import clearance_pb2, common_pb2, valuation_pb2

AT_SALE = "AT_SALE"
AT_IMPORT = "AT_IMPORT"
UNASSESSED = "UNASSESSED"
"""The regime of a parcel whose charges were not assessed (refused input, service down)."""

LOW_VALUE_REGIME_MARKERS = ("LOW_VALUE", "IOSS", "DE_MINIMIS", "GIFT")
"""Regime names with one of these parts are simplified low-value regimes (EU_IOSS,
UK_LOW_VALUE, US_DE_MINIMIS, UK_GIFT ...); any other assessed regime (EU_STANDARD,
UK_STANDARD, US_DUTIABLE) needs a full customs declaration."""

INSPECTION_OUTCOMES = frozenset({"INSPECT"})
INSPECTION_CHANNELS = frozenset({"red"})


def needs_full_declaration(regime: str) -> bool:
    """Whether a parcel under this regime needs a full (standard) customs declaration."""
    if not regime or regime == UNASSESSED:
        return False
    return not any(marker in regime for marker in LOW_VALUE_REGIME_MARKERS)


@dataclass(frozen=True, slots=True)
class ChargeFact:
    """One amount owed, in the destination currency."""

    type: str
    amount: Decimal
    currency: str
    collected_at: str
    line_number: int


@dataclass(frozen=True, slots=True)
class LineFact:
    """One item line: its HS code and intrinsic value in the destination currency."""

    line_number: int
    hs_code: str
    value: Decimal


@dataclass(frozen=True, slots=True)
class ParcelFacts:
    """A decided (or simulated) consignment: where it goes, its regime, charges and channel."""

    declaration_id: str
    declaration_date: date
    destination: str
    origin: str
    regime: str
    outcome: str
    channel: str
    risk_score: int
    currency: str
    declared_value: Decimal
    charges: tuple[ChargeFact, ...]
    lines: tuple[LineFact, ...]
    risk_rules: tuple[str, ...] = ()

    @property
    def full_declaration(self) -> bool:
        return needs_full_declaration(self.regime)

    @property
    def selected_for_inspection(self) -> bool:
        """Sent to physical inspection: outcome INSPECT or the red risk channel."""
        return self.outcome in INSPECTION_OUTCOMES or self.channel in INSPECTION_CHANNELS

    @property
    def total_charges(self) -> Decimal:
        return sum((c.amount for c in self.charges), Decimal(0))


def parcel_origin(declaration: common_pb2.Declaration) -> str:
    """The origin a parcel is counted under: its items' common country of origin, "MIXED" when
    they differ, else the dispatch country."""
    origins = {item.origin_country for item in declaration.items if item.origin_country}
    if len(origins) == 1:
        return origins.pop()
    if origins:
        return "MIXED"
    return declaration.dispatch_country or "??"


def _money(document: Mapping[str, Any] | None) -> tuple[Decimal, str]:
    """A proto-JSON google.type.Money (as stored in service_answers) as (amount, currency)."""
    if not document:
        return Decimal(0), ""
    units = Decimal(str(document.get("units", "0")))
    nanos = Decimal(int(document.get("nanos", 0))) / Decimal(1_000_000_000)
    return units + nanos, str(document.get("currency_code", ""))


def _date(value: object) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def stored_parcel(
    payload: bytes,
    decision_bytes: bytes,
    service_answers: Mapping[str, Any],
    declaration_date: object,
) -> ParcelFacts:
    """Facts of a stored declaration from its payload, decision and the valuation answer."""
    declaration = common_pb2.Declaration.FromString(payload)
    decision = clearance_pb2.Decision.FromString(decision_bytes)
    valuation = service_answers.get("valuation") or {}
    declared_value, currency = _money(valuation.get("intrinsic_value"))
    values = {
        int(item.get("line_number", 0)): _money(item.get("intrinsic_value"))[0]
        for item in valuation.get("items", ())
    }
    charges = tuple(
        ChargeFact(
            type=valuation_pb2.ChargeType.Name(charge.type).removeprefix("CHARGE_TYPE_"),
            amount=money_from_proto(charge.amount),
            currency=charge.amount.currency_code,
            collected_at=common_pb2.CollectionPoint.Name(charge.collected_at).removeprefix(
                "COLLECTION_POINT_"
            ),
            line_number=charge.line_number,
        )
        for charge in decision.charges
    )
    if not currency and charges:
        currency = charges[0].currency
    outcome = clearance_pb2.Outcome.Name(decision.outcome).removeprefix("OUTCOME_")
    return ParcelFacts(
        declaration_id=declaration.declaration_id,
        declaration_date=_date(declaration_date),
        destination=declaration.destination_country,
        origin=parcel_origin(declaration),
        regime=decision.regime or UNASSESSED,
        outcome=outcome,
        channel=common_pb2.Channel.Name(decision.risk_channel)
        .removeprefix("CHANNEL_")
        .lower()
        .replace("unspecified", "none"),
        risk_score=decision.risk_score,
        currency=currency,
        declared_value=declared_value,
        charges=charges,
        lines=tuple(
            LineFact(item.line_number, item.hs_code, values.get(item.line_number, Decimal(0)))
            for item in decision.items
        ),
        risk_rules=tuple(
            sorted({r.rule_id or r.code for r in decision.reasons if r.source == "risk"})
        ),
    )
