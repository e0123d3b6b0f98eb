"""Cross-declaration state for split shipments, velocity and repeat offenders, without names.

A party is identified by a keyed hash of its normalised name, postal code and country, an
address by a keyed hash of its normalised lines, postal code and country, so the history can say
"this consignee received five parcels this week" without holding who. Each declaration is one
record keyed by its identity (partner, declaration id): a resubmitted, re-evaluated or amended
declaration replaces its record instead of counting twice.

Every read around a declaration is bounded whatever the party's volume (a marketplace seller
sends 100,000 parcels a month): counts stop at caps derived from the pack's thresholds
(CountCaps), the split shipment reads only the parcels marked near the threshold when recorded,
and the repeat-offender counts only the declarations marked high risk when assessed or inspected.

The service keeps the history in the suite's database (clearway.store.risk_history) so that
every replica sees the same parcels; InMemoryConsigneeHistory serves simulations, which replay
declarations and must not touch the live history.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from clearway.declarations.model import Address, Party
from clearway.risk.screening import normalise

HISTORY_SALT = b"clearway-consignee-v1"
"""The key of the hashes (a new salt starts a new history: old records no longer match)."""

BLOCK = "block"


def _keyed_hash(parts: Iterable[str], salt: bytes) -> str:
    material = "\x1f".join(parts)
    return hashlib.blake2b(material.encode(), key=salt, digest_size=16).hexdigest()


def _postal(address: Address) -> str:
    return "".join(address.postal_code.split()).upper()


def party_key(party: Party, salt: bytes = HISTORY_SALT) -> str:
    """A stable pseudonymous key: the same party at the same postal code gives the same key."""
    address = party.address
    return _keyed_hash((normalise(party.name), _postal(address), address.country.upper()), salt)


def address_key(address: Address, salt: bytes = HISTORY_SALT) -> str | None:
    """The key of a street address whoever lives there; None without street lines (a postal
    code alone covers thousands of households)."""
    lines = " ".join(normalise(line) for line in address.lines).split()
    if not lines:
        return None
    return _keyed_hash(
        ("address", " ".join(lines), _postal(address), address.country.upper()), salt
    )


@dataclass(frozen=True, slots=True)
class ParcelRecord:
    """One consignment received: only the id, the date and the value."""

    declaration_id: str
    declared_on: date
    value: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """What the history keeps of one declaration: its identity, pseudonymous keys, date, value."""

    partner_id: str
    declaration_id: str
    declared_on: date
    value: Decimal
    currency: str
    consignee_key: str | None
    address_key: str | None
    seller_key: str | None
    split_near: bool = False
    """Its value lies within the near fraction under the split-shipment threshold of its pack
    (only such parcels can make a split shipment, so only they are read back for one)."""

    @property
    def identity(self) -> tuple[str, str]:
        return self.partner_id, self.declaration_id

    @property
    def parcel(self) -> ParcelRecord:
        return ParcelRecord(self.declaration_id, self.declared_on, self.value, self.currency)


@dataclass(frozen=True, slots=True)
class CountCaps:
    """Where each count stops: one above the largest threshold a rule compares it with, so every
    comparison with those thresholds answers as the full count would, and a read costs the same
    for a party with a million parcels as with ten. A count equal to its cap means "at least"."""

    consignee_parcels: int
    seller_parcels: int
    consignee_high_risk: int
    seller_findings: int
    split_parcels: int
    """Near-threshold parcels read for the split shipment (the most recent ones)."""

    def __post_init__(self) -> None:
        for name in self.__slots__:
            if getattr(self, name) < 1:
                raise ValueError(f"count cap {name} must be at least 1")


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """Record `entry`, then count around it with these windows (days up to and including the
    declaration date), up to these caps."""

    entry: HistoryEntry
    window_days: int
    seller_window_days: int
    lookback_days: int
    caps: CountCaps

    def start(self, days: int) -> date:
        return self.entry.declared_on - timedelta(days=max(days, 1) - 1)


@dataclass(frozen=True, slots=True)
class HistoryView:
    """What the history says around one declaration (its own record included in the counts of
    parcels, excluded from the counts of earlier high-risk declarations)."""

    split_parcels: tuple[ParcelRecord, ...]
    """Parcels near the threshold to the same consignee or the same address in the window,
    oldest first: the most recent caps.split_parcels of them."""
    consignee_parcels: int
    seller_parcels: int
    consignee_prior_high_risk: int
    seller_prior_findings: int
    """Earlier parcels of the seller whose inspection found something (memory knows of no
    inspections, so 0 there)."""


@dataclass(frozen=True, slots=True)
class AssessedOutcome:
    """The score and channel an assessment gave a declaration, and its pack's bar for high risk
    (repeat offenders): whether it counts against its parties is decided once, here."""

    partner_id: str
    declaration_id: str
    score: int
    channel: str
    high_risk_score: int

    @property
    def high_risk(self) -> bool:
        return is_high_risk(self.score, self.channel, self.high_risk_score)


class DeclarationHistory(Protocol):
    """Cross-declaration state; the same answers from any replica."""

    def observe(self, queries: Sequence[HistoryQuery]) -> list[HistoryView]:
        """Record every entry (replacing an earlier record of the same declaration), then
        answer each query, all of it at once so parcels of one batch see each other."""
        ...

    def settle(self, outcomes: Sequence[AssessedOutcome]) -> None:
        """Keep the assessed score and channel of each declaration for later counts."""
        ...


def is_high_risk(score: int, channel: str, bar: int) -> bool:
    """An assessment counts against its parties when it scored at least `bar` or was blocked; a
    control-sample draw (channel red, score 0) does not. (The stored history also counts
    declarations whose inspection found something; memory knows of no inspections.)"""
    return channel == BLOCK or score >= bar


def entry_keys(entry: HistoryEntry) -> list[tuple[str, str]]:
    """The (kind, key) pairs an entry is found under: consignee, address, seller."""
    keys = (
        ("consignee", entry.consignee_key),
        ("address", entry.address_key),
        ("seller", entry.seller_key),
    )
    return [(kind, key) for kind, key in keys if key is not None]


@dataclass(slots=True)
class _Kept:
    entry: HistoryEntry
    high_risk: bool = False


@dataclass(slots=True)
class _PartyDays:
    """One party's (or address's) records: how many, and how many high risk, per day; and
    which are near the split-shipment threshold."""

    parcels: dict[date, int] = field(default_factory=dict)
    high_risk: dict[date, int] = field(default_factory=dict)
    near: set[tuple[str, str]] = field(default_factory=set)


def _shift(counts: dict[date, int], day: date, by: int) -> None:
    left = counts.get(day, 0) + by
    if left:
        counts[day] = left
    else:
        counts.pop(day, None)


def _between(counts: dict[date, int], start: date, end: date) -> int:
    """Records from `start` to `end` inclusive, by whichever is shorter: the days of the
    window or the days the party has records on."""
    days = (end - start).days + 1
    if days < len(counts):
        return sum(counts.get(start + timedelta(days=n), 0) for n in range(days))
    return sum(n for day, n in counts.items() if start <= day <= end)


class InMemoryConsigneeHistory:
    """DeclarationHistory in this process, for simulations and unit tests, from per-party counts
    by day: a read costs the days a party has records on, not its parcels (in a million-parcel
    replay a marketplace seller has tens of thousands, and scanning them made it quadratic).
    Memory knows of no inspections, so a seller's prior findings are 0."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], _Kept] = {}
        self._parties: defaultdict[tuple[str, str], _PartyDays] = defaultdict(_PartyDays)
        self._lock = threading.Lock()

    def _index(self, kept: _Kept, sign: int) -> None:
        entry = kept.entry
        for key in entry_keys(entry):
            days = self._parties[key]
            _shift(days.parcels, entry.declared_on, sign)
            if kept.high_risk:
                _shift(days.high_risk, entry.declared_on, sign)
            if entry.split_near and sign > 0:
                days.near.add(entry.identity)
            elif entry.split_near:
                days.near.discard(entry.identity)

    def observe(self, queries: Sequence[HistoryQuery]) -> list[HistoryView]:
        with self._lock:
            return self._observe(queries)

    def _observe(self, queries: Sequence[HistoryQuery]) -> list[HistoryView]:
        for query in queries:
            entry = query.entry
            kept = self._records.get(entry.identity)
            if kept is None:
                kept = self._records[entry.identity] = _Kept(entry)
            else:
                self._index(kept, -1)
                kept.entry = entry
            self._index(kept, 1)
        return [self._view(query) for query in queries]

    def _party(self, kind: str, key: str | None) -> _PartyDays | None:
        return None if key is None else self._parties.get((kind, key))

    def _view(self, query: HistoryQuery) -> HistoryView:
        entry, on, caps = query.entry, query.entry.declared_on, query.caps
        start = query.start(query.window_days)
        consignee = self._party("consignee", entry.consignee_key)
        address = self._party("address", entry.address_key)
        near = set().union(*(p.near for p in (consignee, address) if p is not None))
        recent = sorted(
            (self._records[identity].entry for identity in near),
            key=lambda e: (e.declared_on, e.identity),
        )
        split = [e.parcel for e in recent if start <= e.declared_on <= on]
        lookback = query.start(query.lookback_days)
        own = self._records[entry.identity]

        prior = _between(consignee.high_risk, lookback, on) if consignee else 0
        if (
            consignee is not None
            and own.high_risk
            and own.entry.consignee_key == entry.consignee_key
            and lookback <= own.entry.declared_on <= on
        ):
            prior -= 1  # the count is of earlier declarations

        seller = self._party("seller", entry.seller_key)
        seller_start = query.start(query.seller_window_days)
        return HistoryView(
            split_parcels=tuple(split[-caps.split_parcels :]),
            consignee_parcels=min(
                caps.consignee_parcels, _between(consignee.parcels, start, on) if consignee else 0
            ),
            seller_parcels=min(
                caps.seller_parcels, _between(seller.parcels, seller_start, on) if seller else 0
            ),
            consignee_prior_high_risk=min(caps.consignee_high_risk, prior),
            seller_prior_findings=0,
        )

    def settle(self, outcomes: Sequence[AssessedOutcome]) -> None:
        with self._lock:
            self._settle(outcomes)

    def _settle(self, outcomes: Sequence[AssessedOutcome]) -> None:
        for outcome in outcomes:
            kept = self._records.get((outcome.partner_id, outcome.declaration_id))
            if kept is None or kept.high_risk == outcome.high_risk:
                continue
            sign = 1 if outcome.high_risk else -1
            for key in entry_keys(kept.entry):
                _shift(self._parties[key].high_risk, kept.entry.declared_on, sign)
            kept.high_risk = outcome.high_risk
