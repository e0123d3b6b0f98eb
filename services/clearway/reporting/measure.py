"""Aggregation of parcel facts: parcels, value, revenue by tax and collection point, regimes,
channels, inspection workload and hit rates — per destination, origin, HS chapter, regime and
channel.

Amounts stay Decimal and unrounded until they are shown. Each group is kept per currency: a
parcel's amounts are converted into the reporting currency at the reference rate of its
declaration date when a converter is given and knows the rate (valuation's policy: after the
rates file ends, its last rate), else they stay in the destination currency (so nothing of
different currencies is ever added up).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, Decimal

from clearway.reference.errors import RateUnavailable
from clearway.reference.fx import ExchangeRates
from clearway.reporting.facts import AT_IMPORT, AT_SALE, ParcelFacts

ALL = "ALL"
CONSIGNMENT = "--"
"""The HS-chapter key of charges that belong to the whole consignment (line 0)."""

DIMENSIONS = ("total", "destination", "origin", "hs_chapter", "regime", "channel")

Converter = Callable[[Decimal, str, date], Decimal | None]
"""(amount, from currency, on) -> amount in the reporting currency, or None when no rate."""


def rate_converter(rates: ExchangeRates, currency: str) -> Converter:
    """A Converter into `currency` at the reference rates, as valuation converts (so a parcel
    dated after the rates file ends is reported at its last rate, as it was charged); each
    rate is looked up once."""
    known: dict[tuple[str, date], Decimal | None] = {}

    def unit_rate(source: str, on: date) -> Decimal | None:
        if (source, on) not in known:
            try:
                known[source, on] = rates.convert(
                    Decimal(1), source, currency, on, or_last=True
                ).amount
            except RateUnavailable:
                known[source, on] = None
        return known[source, on]

    def convert(amount: Decimal, source: str, on: date) -> Decimal | None:
        rate = unit_rate(source, on)
        return None if rate is None else amount * rate

    return convert


@dataclass
class GroupTotals:
    """The figures of one group (e.g. destination DE, in EUR)."""

    parcels: int = 0
    declared_value: Decimal = Decimal(0)
    at_sale: Decimal = Decimal(0)
    at_import: Decimal = Decimal(0)
    by_type: dict[str, Decimal] = field(default_factory=dict)
    full_declarations: int = 0
    selected: int = 0
    full_and_selected: int = 0

    @property
    def assessed(self) -> Decimal:
        """Every duty, tax and fee assessed, wherever it is collected."""
        return self.at_sale + self.at_import

    @property
    def burden_per_parcel(self) -> Decimal:
        return self.assessed / self.parcels if self.parcels else Decimal(0)

    @property
    def inspection_rate(self) -> Decimal:
        return Decimal(self.selected) / self.parcels if self.parcels else Decimal(0)

    def workload(self, selectivity: Decimal) -> int:
        """Physical inspections: the parcels the rules select, plus `selectivity` (0..1) of the
        other parcels that need a full declaration (customs' selective checks of formal entries)."""
        others = Decimal(self.full_declarations - self.full_and_selected)
        return self.selected + int((others * selectivity).to_integral_value(ROUND_CEILING))


@dataclass(frozen=True, slots=True)
class RuleHits:
    """How often the parcels a risk rule sent to inspection were found to hold something."""

    rule_id: str
    selected: int
    with_result: int
    found: int

    @property
    def hit_rate(self) -> Decimal | None:
        return Decimal(self.found) / self.with_result if self.with_result else None


@dataclass
class Summary:
    """Everything measured over a set of parcels."""

    currency: str
    groups: dict[tuple[str, str, str], GroupTotals] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    rule_hits: dict[str, RuleHits] = field(default_factory=dict)
    inspections: RuleHits = RuleHits(ALL, 0, 0, 0)
    unrecorded_results: int = 0
    """Inspection results supplied for parcels not selected for inspection (control checks)."""

    def rows(self, dimension: str) -> list[tuple[str, str, GroupTotals]]:
        """(key, currency, totals) of one dimension, largest revenue first."""
        found = [(k, c, t) for (d, k, c), t in self.groups.items() if d == dimension]
        return sorted(found, key=lambda row: (-row[2].assessed, -row[2].parcels, row[0], row[1]))

    def total(self) -> list[tuple[str, GroupTotals]]:
        return [(currency, totals) for _key, currency, totals in self.rows("total")]

    @property
    def charge_types(self) -> list[str]:
        return sorted({t for totals in self.groups.values() for t in totals.by_type})

    @property
    def parcels(self) -> int:
        return sum(self.outcomes.values())


class Measurement:
    """Adds parcels one at a time (parcels may be a stream of millions); `summary()` at the end."""

    def __init__(
        self,
        *,
        currency: str = "EUR",
        convert: Converter | None = None,
        inspection_results: Mapping[str, bool] | None = None,
    ) -> None:
        self._summary = Summary(currency)
        self._convert = convert
        self._results = inspection_results or {}
        self._hits: dict[str, list[int]] = {}
        self._inspected = [0, 0, 0]

    def add(self, parcel: ParcelFacts) -> None:
        summary = self._summary
        summary.outcomes[parcel.outcome] += 1
        rate = _rate(parcel, summary.currency, self._convert)
        money = parcel.currency if rate is None else summary.currency
        _add_parcel(summary, parcel, money, rate if rate is not None else Decimal(1))
        found = self._results.get(parcel.declaration_id)
        if parcel.selected_for_inspection:
            _count(self._inspected, found)
            for rule in parcel.risk_rules or ("(no risk rule)",):
                _count(self._hits.setdefault(rule, [0, 0, 0]), found)
        elif found is not None:
            summary.unrecorded_results += 1

    def summary(self) -> Summary:
        summary = self._summary
        summary.inspections = RuleHits(ALL, *self._inspected)
        summary.rule_hits = {
            rule: RuleHits(rule, *counts) for rule, counts in sorted(self._hits.items())
        }
        return summary


def measure(
    parcels: Iterable[ParcelFacts],
    *,
    currency: str = "EUR",
    convert: Converter | None = None,
    inspection_results: Mapping[str, bool] | None = None,
) -> Summary:
    """Aggregate parcels into a Summary in one pass."""
    measurement = Measurement(
        currency=currency, convert=convert, inspection_results=inspection_results
    )
    for parcel in parcels:
        measurement.add(parcel)
    return measurement.summary()


def _count(counts: list[int], found: bool | None) -> None:
    counts[0] += 1
    if found is not None:
        counts[1] += 1
        counts[2] += int(found)


def _rate(parcel: ParcelFacts, currency: str, convert: Converter | None) -> Decimal | None:
    """Reporting-currency units per unit of the parcel's currency, or None to keep it native."""
    if not parcel.currency or parcel.currency == currency:
        return Decimal(1) if parcel.currency else None
    if convert is None:
        return None
    return convert(Decimal(1), parcel.currency, parcel.declaration_date)


def _group(summary: Summary, dimension: str, key: str, currency: str) -> GroupTotals:
    return summary.groups.setdefault((dimension, key, currency), GroupTotals())


def _add_charges(totals: GroupTotals, charges: Iterable[tuple[str, str, Decimal]]) -> None:
    for kind, collected_at, amount in charges:
        totals.by_type[kind] = totals.by_type.get(kind, Decimal(0)) + amount
        if collected_at == AT_SALE:
            totals.at_sale += amount
        elif collected_at == AT_IMPORT:
            totals.at_import += amount


def _add_counts(totals: GroupTotals, parcel: ParcelFacts) -> None:
    totals.parcels += 1
    totals.full_declarations += int(parcel.full_declaration)
    totals.selected += int(parcel.selected_for_inspection)
    totals.full_and_selected += int(parcel.full_declaration and parcel.selected_for_inspection)


def _add_parcel(summary: Summary, parcel: ParcelFacts, currency: str, factor: Decimal) -> None:
    charges = [(c.type, c.collected_at, c.amount * factor) for c in parcel.charges]
    keys = {
        "total": ALL,
        "destination": parcel.destination,
        "origin": parcel.origin,
        "regime": parcel.regime,
        "channel": parcel.channel,
    }
    for dimension, key in keys.items():
        totals = _group(summary, dimension, key, currency)
        _add_counts(totals, parcel)
        totals.declared_value += parcel.declared_value * factor
        _add_charges(totals, charges)
    chapters = {line.line_number: line.hs_code[:2] or "??" for line in parcel.lines}
    for chapter in sorted(set(chapters.values())):
        _add_counts(_group(summary, "hs_chapter", chapter, currency), parcel)
    for line in parcel.lines:
        _group(summary, "hs_chapter", chapters[line.line_number], currency).declared_value += (
            line.value * factor
        )
    for charge, (kind, collected_at, amount) in zip(parcel.charges, charges, strict=True):
        chapter = chapters.get(charge.line_number, CONSIGNMENT)
        _add_charges(
            _group(summary, "hs_chapter", chapter, currency), [(kind, collected_at, amount)]
        )
