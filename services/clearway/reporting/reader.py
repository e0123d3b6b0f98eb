"""Read-only queries over the decision store for measurement.

Pages through the current decision of every declaration by key, one short transaction a
page, so a report over millions of parcels neither holds a long lock on SQLite nor loads
everything into memory. Only SELECTs: the store's schema and writes stay the store's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from clearway.reporting.facts import ParcelFacts, stored_parcel
from clearway.store.base import DecisionStore, read_service_answers

PAGE_SIZE = 1_000


@dataclass(frozen=True, slots=True)
class Period:
    """Declaration dates from `start` (inclusive) to `end` (exclusive); None is open."""

    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class StoredDeclaration:
    """A stored declaration with its current decision and the services' answers."""

    partner_id: str
    declaration_id: str
    declaration_date: date
    payload: bytes
    decision: bytes
    service_answers: dict[str, Any]

    def facts(self) -> ParcelFacts:
        return stored_parcel(
            self.payload, self.decision, self.service_answers, self.declaration_date
        )


class DecisionReader:
    """SELECTs over a DecisionStore's tables (through its own transactions and placeholders)."""

    _SELECT = (
        "SELECT d.partner_id, d.declaration_id, d.declaration_date, d.payload, h.decision,"
        " h.service_answers FROM declarations d"
        " JOIN decisions h ON h.partner_id = d.partner_id AND h.declaration_id = d.declaration_id"
        " AND h.revision = d.decision_revision"
    )

    def __init__(self, store: DecisionStore, page_size: int = PAGE_SIZE) -> None:
        self.store = store
        self.page_size = page_size

    def declarations(
        self, period: Period = Period(), partner_id: str | None = None
    ) -> Iterator[StoredDeclaration]:
        """Every stored declaration in the period (by declaration date), ordered by key."""
        after: tuple[str, str] | None = None
        while True:
            page = self._page(period, partner_id, after)
            yield from page
            if len(page) < self.page_size:
                return
            after = (page[-1].partner_id, page[-1].declaration_id)

    def parcels(
        self, period: Period = Period(), partner_id: str | None = None
    ) -> Iterator[ParcelFacts]:
        for stored in self.declarations(period, partner_id):
            yield stored.facts()

    def _page(
        self, period: Period, partner_id: str | None, after: tuple[str, str] | None
    ) -> list[StoredDeclaration]:
        clauses, params = period_filter(period, partner_id)
        if after is not None:
            clauses.append("(d.partner_id > ? OR (d.partner_id = ? AND d.declaration_id > ?))")
            params.extend([after[0], after[0], after[1]])
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        statement = f"{self._SELECT}{where} ORDER BY d.partner_id, d.declaration_id LIMIT ?"
        params.append(self.page_size)
        with self.store._transaction() as cursor:
            cursor.execute(self.store._sql(statement), params)
            rows = cursor.fetchall()
        return [
            StoredDeclaration(
                partner_id=row[0],
                declaration_id=row[1],
                declaration_date=_as_date(row[2]),
                payload=bytes(row[3]),
                decision=bytes(row[4]),
                service_answers=read_service_answers(row[5]),
            )
            for row in rows
        ]


def period_filter(period: Period, partner_id: str | None) -> tuple[list[str], list[Any]]:
    """WHERE clauses and parameters over `declarations d`: declared in the period, by partner."""
    clauses: list[str] = []
    params: list[Any] = []
    if period.start is not None:
        clauses.append("d.declaration_date >= ?")
        params.append(period.start.isoformat())
    if period.end is not None:
        clauses.append("d.declaration_date < ?")
        params.append(period.end.isoformat())
    if partner_id is not None:
        clauses.append("d.partner_id = ?")
        params.append(partner_id)
    return clauses, params


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
