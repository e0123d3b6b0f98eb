"""Cross-declaration state for split-shipment and velocity rules, without personal data in clear.

A consignee is identified by a keyed hash of the normalised name, postal code and country, so
the history can say "this consignee received five parcels this week" without holding who. The
in-process implementation serves one replica; the orchestrator's store (SQLite/PostgreSQL) will
implement the same protocol so that several replicas share one history.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from clearway.declarations.model import Party
from clearway.risk.screening import normalise

MAX_PARCELS_PER_CONSIGNEE = 1_000
"""Bound on the parcels kept per consignee: older ones fall out first."""


def consignee_key(party: Party, salt: bytes = b"clearway-consignee-v1") -> str:
    """A stable pseudonymous key: the same person at the same address gives the same key."""
    address = party.address
    postal = "".join(address.postal_code.split()).upper()
    material = "\x1f".join((normalise(party.name), postal, address.country.upper()))
    return hashlib.blake2b(material.encode(), key=salt, digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class ParcelRecord:
    """One consignment received by a consignee: only the id, the date and the value."""

    declaration_id: str
    declared_on: date
    value: Decimal
    currency: str


class ConsigneeHistory(Protocol):
    """Parcels per consignee key. Recording the same declaration id twice counts it once."""

    def record(self, key: str, parcel: ParcelRecord) -> None: ...

    def recent(self, key: str, on: date, window_days: int) -> tuple[ParcelRecord, ...]:
        """Parcels declared in the `window_days` days up to and including `on`."""
        ...


class InMemoryConsigneeHistory:
    """ConsigneeHistory in this process (tests, a single replica, the demo)."""

    def __init__(self, max_parcels: int = MAX_PARCELS_PER_CONSIGNEE) -> None:
        self._parcels: dict[str, deque[ParcelRecord]] = {}
        self._lock = threading.Lock()
        self._max = max_parcels

    def record(self, key: str, parcel: ParcelRecord) -> None:
        with self._lock:
            parcels = self._parcels.setdefault(key, deque(maxlen=self._max))
            if all(p.declaration_id != parcel.declaration_id for p in parcels):
                parcels.append(parcel)

    def recent(self, key: str, on: date, window_days: int) -> tuple[ParcelRecord, ...]:
        start = on - timedelta(days=max(window_days, 1) - 1)
        with self._lock:
            parcels = tuple(self._parcels.get(key, ()))
        return tuple(p for p in parcels if start <= p.declared_on <= on)
