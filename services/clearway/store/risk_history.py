"""The risk service's declaration history in the suite's database (table risk_history).

It reuses the decision store's connection, transactions and migrations, so SQLite and
PostgreSQL behave alike and every risk replica on one database sees the same parcels. Each
batch is recorded and read in one transaction; on PostgreSQL the consignees' and addresses'
rows are serialised by transaction-scoped advisory locks, so two replicas recording parcels of
the same consignee at once still count each other's (SQLite's writer lock already does).
An earlier declaration also counts against its parties when an officer's inspection of it found
something (`clearway inspections record` keeps those outcomes in the same database and calls
mark_inspections, so the flag read here follows them).

Every read is bounded by the query's caps, not by the party's volume: counts are
`COUNT(*) FROM (SELECT 1 ... LIMIT cap)` over an index range; the high-risk counts and the split
shipment read partial indexes holding only the rows they can count (flagged when the outcome is
settled, an inspection is recorded or the parcel recorded near the threshold), each branch of the
split one index range in order (a UNION, never an OR), so no read visits a party's other rows.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg

from clearway.risk.history import (
    AssessedOutcome,
    HistoryEntry,
    HistoryQuery,
    HistoryView,
    ParcelRecord,
)
from clearway.runtime.errors import Unavailable
from clearway.store.base import DecisionStore, day_text, open_store
from clearway.store.sqlite import SqliteDecisionStore

LOCK_NAMESPACE = 0x52534B48  # "RSKH": advisory locks of the risk history (int4)

_FOUND = (
    "EXISTS (SELECT 1 FROM inspection_outcomes i"
    " WHERE i.partner_id = ? AND i.declaration_id = ? AND i.found)"
)
"""Whether any inspection of the declaration found something (one primary-key range)."""
_UPSERT = (
    "INSERT INTO risk_history (partner_id, declaration_id, declared_on, amount, currency,"
    " consignee_key, address_key, seller_key, split_near, inspection_found, recorded_at)"
    f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, {_FOUND}, ?)"
    " ON CONFLICT (partner_id, declaration_id) DO UPDATE SET"
    " declared_on = excluded.declared_on, amount = excluded.amount,"
    " currency = excluded.currency, consignee_key = excluded.consignee_key,"
    " address_key = excluded.address_key, seller_key = excluded.seller_key,"
    " split_near = excluded.split_near, inspection_found = excluded.inspection_found,"
    " recorded_at = excluded.recorded_at"
)
_MARK_INSPECTED = (
    f"UPDATE risk_history SET inspection_found = {_FOUND}"
    " WHERE partner_id = ? AND declaration_id = ?"
)
_SETTLE = (
    "UPDATE risk_history SET risk_score = ?, channel = ?, assessed_high_risk = ?"
    " WHERE partner_id = ? AND declaration_id = ?"
)
_NEWEST_FIRST = "ORDER BY declared_on DESC, partner_id DESC, declaration_id DESC"


def _split_branch(column: str) -> str:
    """The newest near-threshold parcels of one key: one range of a partial index, in order."""
    return (
        "SELECT partner_id, declaration_id, declared_on, amount, currency FROM risk_history"
        f" WHERE {column} = ? AND split_near AND declared_on BETWEEN ? AND ?"
        f" {_NEWEST_FIRST} LIMIT ?"
    )


_SPLIT = (
    f"SELECT * FROM ({_split_branch('consignee_key')}) AS by_consignee"
    f" UNION SELECT * FROM ({_split_branch('address_key')}) AS by_address"
    f" {_NEWEST_FIRST} LIMIT ?"
)
"""Each branch reads at most the cap; the UNION drops a parcel found by both."""


def _count(column: str, condition: str = "") -> str:
    """How many rows of one key in a date range, stopping at the cap (LIMIT). The order is the
    index's: without it PostgreSQL may prefer a sequential scan that stops after `cap` rows,
    which reads the whole table when the party's rows are not where it expects them."""
    return (
        "SELECT COUNT(*) FROM (SELECT 1 FROM risk_history"
        f" WHERE {column} = ? AND declared_on BETWEEN ? AND ?{condition}"
        " ORDER BY declared_on DESC LIMIT ?) AS capped"
    )


_NOT_ITSELF = " AND NOT (partner_id = ? AND declaration_id = ?)"
_PRIOR_HIGH_RISK = " AND (assessed_high_risk OR inspection_found)" + _NOT_ITSELF
"""A consignee's earlier high-risk declarations: the partial index's predicate, as written."""
_PRIOR_FINDINGS = " AND inspection_found" + _NOT_ITSELF
"""A seller's earlier parcels in which an inspection found something (its partial index)."""


def mark_inspections(store: DecisionStore, cursor: Any, keys: Iterable[tuple[str, str]]) -> None:
    """Bring the risk history's inspection flag of these (partner, declaration) up to date with
    inspection_outcomes, in the caller's transaction (reporting's InspectionLog.record)."""
    rows = [(partner, declaration, partner, declaration) for partner, declaration in set(keys)]
    if rows:
        cursor.executemany(store._sql(_MARK_INSPECTED), rows)


def _lock_id(key: str) -> int:
    """An int4 advisory-lock id for a party key (collisions only serialise more)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest()) & 0x7FFFFFFF


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


Read = tuple[str, tuple[Any, ...]]
"""A statement in the store's placeholders and its parameters."""


class StoredHistory:
    """DeclarationHistory on the suite's database (CLEARWAY_DB)."""

    def __init__(self, store: DecisionStore) -> None:
        self._store = store
        self._advisory_locks = not isinstance(store, SqliteDecisionStore)
        sql = store._sql
        self._split = sql(_SPLIT)
        self._counts = {
            party: (sql(_count(f"{party}_key")), sql(_count(f"{party}_key", condition)))
            for party, condition in (
                ("consignee", _PRIOR_HIGH_RISK),
                ("seller", _PRIOR_FINDINGS),
            )
        }
        """Per party, the statements counting its parcels and its earlier high-risk ones."""
        self._count_statements: dict[tuple[str, ...], str] = {}
        """The counts a query reads, as one statement, by the names of the counts."""

    @classmethod
    def open(cls, url: str) -> StoredHistory:
        """The history in the database at `url`, migrated (the orchestrator's URL syntax)."""
        return cls(open_store(url))

    def close(self) -> None:
        self._store.close()

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        """The store's transaction; a database that does not answer is UNAVAILABLE, so the
        caller holds the declaration rather than assessing it without its history."""
        try:
            with self._store._transaction() as cursor:
                yield cursor
        except (sqlite3.OperationalError, psycopg.OperationalError) as error:
            raise Unavailable(f"the risk history database is unavailable: {error}") from error

    def observe(self, queries: Sequence[HistoryQuery]) -> list[HistoryView]:
        if not queries:
            return []
        with self._transaction() as cursor:
            if self._advisory_locks:
                self._lock(cursor, queries)
            self._record(cursor, [query.entry for query in queries])
            return [self._view(cursor, query) for query in queries]

    def record(self, entries: Sequence[HistoryEntry]) -> None:
        """Record entries without reading around them (loading history, e.g. a benchmark's)."""
        with self._transaction() as cursor:
            self._record(cursor, entries)

    def _record(self, cursor: Any, entries: Sequence[HistoryEntry]) -> None:
        now = self._store._to_db_time(datetime.now(UTC))
        rows = [
            (
                entry.partner_id,
                entry.declaration_id,
                day_text(entry.declared_on),
                str(entry.value),
                entry.currency,
                entry.consignee_key,
                entry.address_key,
                entry.seller_key,
                entry.split_near,
                entry.partner_id,
                entry.declaration_id,
                now,
            )
            for entry in entries
        ]
        cursor.executemany(self._store._sql(_UPSERT), rows)

    def _lock(self, cursor: Any, queries: Sequence[HistoryQuery]) -> None:
        """Serialise writers of the same consignee or address; sorted, so never a deadlock.
        One statement: unnest yields the sorted ids in array order, locked one after another."""
        keys = sorted(
            {
                _lock_id(key)
                for query in queries
                for key in (query.entry.consignee_key, query.entry.address_key)
                if key is not None
            }
        )
        if keys:
            cursor.execute(
                self._store._sql(
                    "SELECT pg_advisory_xact_lock(?::integer, key) FROM unnest(?::integer[]) AS key"
                ),
                (LOCK_NAMESPACE, keys),
            )

    def reads(self, query: HistoryQuery) -> dict[str, Read]:
        """The bounded reads answering `query` (after its entry is recorded), by what they
        answer; parties the declaration does not name are not read."""
        entry, caps = query.entry, query.caps
        on = day_text(entry.declared_on)
        window = day_text(query.start(query.window_days))
        lookback = day_text(query.start(query.lookback_days))
        seller_window = day_text(query.start(query.seller_window_days))
        identity = (entry.partner_id, entry.declaration_id)
        reads: dict[str, Read] = {}
        if entry.consignee_key is not None or entry.address_key is not None:
            cap = caps.split_parcels
            reads["split_parcels"] = (
                self._split,
                (entry.consignee_key, window, on, cap, entry.address_key, window, on, cap, cap),
            )
        parties = (
            ("consignee", entry.consignee_key, window, caps.consignee_parcels),
            ("seller", entry.seller_key, seller_window, caps.seller_parcels),
        )
        priors = {
            "consignee": ("consignee_prior_high_risk", caps.consignee_high_risk),
            "seller": ("seller_prior_findings", caps.seller_findings),
        }
        for party, key, start, parcels_cap in parties:
            if key is None:
                continue
            count_parcels, count_priors = self._counts[party]
            reads[f"{party}_parcels"] = (count_parcels, (key, start, on, parcels_cap))
            name, cap = priors[party]
            reads[name] = (count_priors, (key, lookback, on, *identity, cap))
        return reads

    def _view(self, cursor: Any, query: HistoryQuery) -> HistoryView:
        """The split read, then every count in one statement: each count is a scalar subquery
        over the same index range as its own read (the plans reads() shows), and one round
        trip instead of four was a tenth of the risk service's CPU a parcel."""
        reads = self.reads(query)
        split: tuple[ParcelRecord, ...] = ()
        if (split_read := reads.pop("split_parcels", None)) is not None:
            cursor.execute(*split_read)
            split = tuple(
                ParcelRecord(row[1], _as_date(row[2]), Decimal(row[3]), row[4])
                for row in reversed(cursor.fetchall())
            )
        counts: dict[str, int] = {}
        if reads:
            names = tuple(reads)
            statement = self._count_statements.get(names)
            if statement is None:
                statement = "SELECT " + ", ".join(f"({read[0]})" for read in reads.values())
                self._count_statements[names] = statement
            cursor.execute(statement, tuple(p for _, params in reads.values() for p in params))
            counts = dict(zip(names, map(int, cursor.fetchone()), strict=True))
        return HistoryView(
            split_parcels=split,
            consignee_parcels=counts.get("consignee_parcels", 0),
            seller_parcels=counts.get("seller_parcels", 0),
            consignee_prior_high_risk=counts.get("consignee_prior_high_risk", 0),
            seller_prior_findings=counts.get("seller_prior_findings", 0),
        )

    def settle(self, outcomes: Sequence[AssessedOutcome]) -> None:
        if not outcomes:
            return
        with self._transaction() as cursor:
            cursor.executemany(
                self._store._sql(_SETTLE),
                [
                    (o.score, o.channel, o.high_risk, o.partner_id, o.declaration_id)
                    for o in outcomes
                ],
            )
