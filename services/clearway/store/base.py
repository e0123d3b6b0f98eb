"""The decision store: one transaction per declaration (or per manifest chunk), idempotent by id.

A declaration is keyed by (partner, declaration id). Its payload is stored as the
deterministic proto encoding with its SHA-256, so a resubmission is recognised
byte for byte. Each decision is a row of its history — a held decision that is
re-evaluated, an amendment or a cancellation adds a revision with the payload it
was decided on — and the declaration row points at the current one.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        1,
        "declarations and their decision history",
        (
            """CREATE TABLE declarations (
                partner_id TEXT NOT NULL,
                declaration_id TEXT NOT NULL,
                payload_sha256 TEXT NOT NULL,
                payload {blob} NOT NULL,
                destination_country TEXT NOT NULL,
                declaration_date DATE NOT NULL,
                received_at {timestamp} NOT NULL,
                outcome TEXT NOT NULL,
                decided_at {timestamp} NOT NULL,
                decision_revision INTEGER NOT NULL,
                PRIMARY KEY (partner_id, declaration_id)
            )""",
            """CREATE TABLE decisions (
                partner_id TEXT NOT NULL,
                declaration_id TEXT NOT NULL,
                revision INTEGER NOT NULL,
                outcome TEXT NOT NULL,
                decided_at {timestamp} NOT NULL,
                decision {blob} NOT NULL,
                service_answers TEXT NOT NULL,
                rules_revisions TEXT NOT NULL,
                PRIMARY KEY (partner_id, declaration_id, revision),
                FOREIGN KEY (partner_id, declaration_id)
                    REFERENCES declarations (partner_id, declaration_id)
            )""",
            "CREATE INDEX declarations_by_time"
            " ON declarations (partner_id, decided_at, declaration_id)",
        ),
    ),
    (
        2,
        "amendments and cancellations: each decision version keeps its payload, kind and reason",
        (
            "ALTER TABLE decisions ADD COLUMN kind TEXT NOT NULL DEFAULT 'submitted'",
            "ALTER TABLE decisions ADD COLUMN reason TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE decisions ADD COLUMN payload {blob}",
            "UPDATE decisions SET payload = (SELECT d.payload FROM declarations d"
            " WHERE d.partner_id = decisions.partner_id"
            " AND d.declaration_id = decisions.declaration_id)",
            "CREATE INDEX declarations_by_outcome ON declarations (partner_id, outcome)",
        ),
    ),
)

HELD = "HOLD_PENDING_CHECKS"


@dataclass(frozen=True)
class DecisionRecord:
    """What the orchestrator stores for one declaration, before it answers."""

    partner_id: str
    declaration_id: str
    payload: bytes
    destination_country: str
    declaration_date: str
    outcome: str
    decided_at: datetime
    decision: bytes
    service_answers: dict[str, Any]
    rules_revisions: dict[str, str]
    kind: str = "submitted"
    reason: str = ""

    @property
    def payload_sha256(self) -> str:
        return payload_digest(self.payload)


@dataclass(frozen=True)
class StoredDecision:
    """The current decision of a stored declaration."""

    partner_id: str
    declaration_id: str
    payload: bytes
    payload_sha256: str
    outcome: str
    decided_at: datetime
    decision: bytes
    revision: int


@dataclass(frozen=True)
class DecisionVersion:
    """One row of a declaration's decision history."""

    revision: int
    kind: str
    reason: str
    outcome: str
    decision: bytes
    payload: bytes


@dataclass(frozen=True)
class Page:
    decisions: tuple[StoredDecision, ...]
    next_token: str


def payload_digest(payload: bytes) -> str:
    """The idempotency fingerprint of a declaration: SHA-256 of its deterministic encoding."""
    return hashlib.sha256(payload).hexdigest()


def encode_page_token(decided_at: datetime, declaration_id: str) -> str:
    raw = json.dumps([decided_at.isoformat(), declaration_id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_page_token(token: str) -> tuple[datetime, str]:
    """Raises ValueError for a token this store did not issue."""
    try:
        stamp, declaration_id = json.loads(base64.urlsafe_b64decode(token.encode()))
        return datetime.fromisoformat(stamp), str(declaration_id)
    except (ValueError, TypeError) as exc:
        raise ValueError("page_token is not one this service issued") from exc


class ConcurrentChange(Exception):
    """Another writer changed the declaration between our read and our write."""


class DecisionStore(ABC):
    """Storage of declarations and decisions; the same behaviour on SQLite and PostgreSQL."""

    placeholder = "?"
    blob_type = "BLOB"
    timestamp_type = "TEXT"

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Any]:
        """A cursor inside one transaction: committed on exit, rolled back on an exception."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _to_db_time(self, value: datetime) -> Any: ...

    @abstractmethod
    def _from_db_time(self, value: Any) -> datetime: ...

    def _sql(self, statement: str) -> str:
        return statement.replace("?", self.placeholder)

    def migrate(self) -> int:
        """Apply the migrations not yet applied; returns the schema version."""
        with self._transaction() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            self._lock_migrations(cursor)
            cursor.execute("SELECT version FROM schema_migrations")
            applied = {row[0] for row in cursor.fetchall()}
            for version, description, statements in MIGRATIONS:
                if version in applied:
                    continue
                for statement in statements:
                    cursor.execute(
                        statement.format(blob=self.blob_type, timestamp=self.timestamp_type)
                    )
                cursor.execute(
                    self._sql("INSERT INTO schema_migrations VALUES (?, ?, ?)"),
                    (version, description, datetime.now(UTC).isoformat()),
                )
        return MIGRATIONS[-1][0]

    @abstractmethod
    def _lock_migrations(self, cursor: Any) -> None:
        """Serialize concurrent migrators (replicas starting together)."""

    def get(self, partner_id: str, declaration_id: str) -> StoredDecision | None:
        with self._transaction() as cursor:
            return self._get(cursor, partner_id, declaration_id)

    def get_many(
        self, partner_id: str, declaration_ids: Sequence[str]
    ) -> dict[str, StoredDecision]:
        """The stored decisions among these ids (one query per chunk of a manifest)."""
        if not declaration_ids:
            return {}
        marks = ", ".join("?" for _ in declaration_ids)
        with self._transaction() as cursor:
            cursor.execute(
                self._sql(
                    self._SELECT + f" WHERE d.partner_id = ? AND d.declaration_id IN ({marks})"
                ),
                (partner_id, *declaration_ids),
            )
            found = [self._row(row) for row in cursor.fetchall()]
        return {stored.declaration_id: stored for stored in found}

    _SELECT = (
        "SELECT d.partner_id, d.declaration_id, d.payload, d.payload_sha256, d.outcome,"
        " d.decided_at, h.decision, d.decision_revision FROM declarations d"
        " JOIN decisions h ON h.partner_id = d.partner_id AND h.declaration_id = d.declaration_id"
        " AND h.revision = d.decision_revision"
    )

    def _get(self, cursor: Any, partner_id: str, declaration_id: str) -> StoredDecision | None:
        cursor.execute(
            self._sql(self._SELECT + " WHERE d.partner_id = ? AND d.declaration_id = ?"),
            (partner_id, declaration_id),
        )
        row = cursor.fetchone()
        return self._row(row) if row else None

    def _row(self, row: Sequence[Any]) -> StoredDecision:
        return StoredDecision(
            partner_id=row[0],
            declaration_id=row[1],
            payload=bytes(row[2]),
            payload_sha256=row[3],
            outcome=row[4],
            decided_at=self._from_db_time(row[5]),
            decision=bytes(row[6]),
            revision=row[7],
        )

    def save_many(self, records: Sequence[DecisionRecord]) -> list[StoredDecision]:
        """Store declarations and decisions in ONE transaction; returns what is stored for each.

        A declaration already stored with the same payload keeps its decision unless
        that decision was `replaceable` (held pending checks): then the new decision
        becomes its next revision. The caller has checked payload conflicts.
        """
        stored: list[StoredDecision] = []
        with self._transaction() as cursor:
            for record in records:
                stored.append(self._save(cursor, record))
        return stored

    def _save(self, cursor: Any, record: DecisionRecord) -> StoredDecision:
        existing = self._get(cursor, record.partner_id, record.declaration_id)
        if existing is None:
            cursor.execute(
                self._sql(
                    "INSERT INTO declarations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (partner_id, declaration_id) DO NOTHING"
                ),
                (
                    record.partner_id,
                    record.declaration_id,
                    record.payload_sha256,
                    record.payload,
                    record.destination_country,
                    record.declaration_date,
                    self._to_db_time(record.decided_at),
                    record.outcome,
                    self._to_db_time(record.decided_at),
                    1,
                ),
            )
            if cursor.rowcount == 1:
                return self._append(cursor, record, 1)
            # A replica stored the same declaration between our read and our insert.
            existing = self._get(cursor, record.partner_id, record.declaration_id)
            if existing is None:
                raise RuntimeError(f"{record.declaration_id} vanished during its insert")
        if existing.outcome != HELD or existing.payload_sha256 != record.payload_sha256:
            return existing
        return self._replace(cursor, record, existing, "reevaluated")

    def _replace(
        self, cursor: Any, record: DecisionRecord, existing: StoredDecision, kind: str
    ) -> StoredDecision:
        """Make `record` the current decision, as the next revision after `existing`."""
        revision = existing.revision + 1
        cursor.execute(
            self._sql(
                "UPDATE declarations SET payload = ?, payload_sha256 = ?, destination_country = ?,"
                " declaration_date = ?, outcome = ?, decided_at = ?, decision_revision = ?"
                " WHERE partner_id = ? AND declaration_id = ? AND decision_revision = ?"
            ),
            (
                record.payload,
                record.payload_sha256,
                record.destination_country,
                record.declaration_date,
                record.outcome,
                self._to_db_time(record.decided_at),
                revision,
                record.partner_id,
                record.declaration_id,
                existing.revision,
            ),
        )
        if cursor.rowcount != 1:
            raise ConcurrentChange(
                f"{record.declaration_id} changed while it was being decided; try again"
            )
        return self._append(cursor, dataclasses.replace(record, kind=kind), revision)

    def _append(self, cursor: Any, record: DecisionRecord, revision: int) -> StoredDecision:
        cursor.execute(
            self._sql(
                "INSERT INTO decisions (partner_id, declaration_id, revision, outcome, decided_at,"
                " decision, service_answers, rules_revisions, kind, reason, payload)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            (
                record.partner_id,
                record.declaration_id,
                revision,
                record.outcome,
                self._to_db_time(record.decided_at),
                record.decision,
                json.dumps(record.service_answers, sort_keys=True),
                json.dumps(record.rules_revisions, sort_keys=True),
                record.kind,
                record.reason,
                record.payload,
            ),
        )
        return StoredDecision(
            partner_id=record.partner_id,
            declaration_id=record.declaration_id,
            payload=record.payload,
            payload_sha256=record.payload_sha256,
            outcome=record.outcome,
            decided_at=record.decided_at,
            decision=record.decision,
            revision=revision,
        )

    def supersede(self, record: DecisionRecord, expected_revision: int) -> StoredDecision:
        """Store an amendment or cancellation (record.kind) as the next revision.

        `expected_revision` is the revision the caller decided against; if another
        change landed meanwhile this raises ConcurrentChange instead of losing it.
        """
        with self._transaction() as cursor:
            existing = self._get(cursor, record.partner_id, record.declaration_id)
            if existing is None or existing.revision != expected_revision:
                raise ConcurrentChange(
                    f"{record.declaration_id} changed while it was being decided; try again"
                )
            return self._replace(cursor, record, existing, record.kind)

    def held(self, partner_id: str, limit: int) -> list[StoredDecision]:
        """The partner's parcels held pending checks, oldest first."""
        with self._transaction() as cursor:
            cursor.execute(
                self._sql(
                    self._SELECT + " WHERE d.partner_id = ? AND d.outcome = ?"
                    " ORDER BY d.decided_at, d.declaration_id LIMIT ?"
                ),
                (partner_id, HELD, limit),
            )
            return [self._row(row) for row in cursor.fetchall()]

    def history(self, partner_id: str, declaration_id: str) -> list[DecisionVersion]:
        """Every decision version of a declaration, oldest first."""
        with self._transaction() as cursor:
            cursor.execute(
                self._sql(
                    "SELECT revision, kind, reason, outcome, decision, payload FROM decisions"
                    " WHERE partner_id = ? AND declaration_id = ? ORDER BY revision"
                ),
                (partner_id, declaration_id),
            )
            return [
                DecisionVersion(row[0], row[1], row[2], row[3], bytes(row[4]), bytes(row[5]))
                for row in cursor.fetchall()
            ]

    def list(
        self,
        partner_id: str,
        *,
        decided_after: datetime | None,
        decided_before: datetime | None,
        outcomes: Sequence[str],
        page_size: int,
        page_token: str,
    ) -> Page:
        """A page of the partner's current decisions ordered by decision time, then id."""
        clauses = ["d.partner_id = ?"]
        params: list[Any] = [partner_id]
        if decided_after is not None:
            clauses.append("d.decided_at >= ?")
            params.append(self._to_db_time(decided_after))
        if decided_before is not None:
            clauses.append("d.decided_at < ?")
            params.append(self._to_db_time(decided_before))
        if outcomes:
            clauses.append(f"d.outcome IN ({', '.join('?' for _ in outcomes)})")
            params.extend(outcomes)
        if page_token:
            after_time, after_id = decode_page_token(page_token)
            clauses.append("(d.decided_at > ? OR (d.decided_at = ? AND d.declaration_id > ?))")
            params.extend([self._to_db_time(after_time), self._to_db_time(after_time), after_id])
        statement = (
            self._SELECT
            + " WHERE "
            + " AND ".join(clauses)
            + " ORDER BY d.decided_at, d.declaration_id LIMIT ?"
        )
        params.append(page_size + 1)
        with self._transaction() as cursor:
            cursor.execute(self._sql(statement), params)
            rows = [self._row(row) for row in cursor.fetchall()]
        more = len(rows) > page_size
        rows = rows[:page_size]
        token = encode_page_token(rows[-1].decided_at, rows[-1].declaration_id) if more else ""
        return Page(tuple(rows), token)

    def count(self) -> int:
        with self._transaction() as cursor:
            cursor.execute("SELECT COUNT(*) FROM declarations")
            return int(cursor.fetchone()[0])


def open_store(url: str) -> DecisionStore:
    """A migrated store for `sqlite:///path` or `postgresql://...`."""
    if url.startswith(("postgresql://", "postgres://")):
        from clearway.store.postgres import PostgresDecisionStore

        store: DecisionStore = PostgresDecisionStore(url)
    elif url.startswith("sqlite:///"):
        from clearway.store.sqlite import SqliteDecisionStore

        store = SqliteDecisionStore(url.removeprefix("sqlite:///"))
    else:
        raise ValueError(f"CLEARWAY_DB must be sqlite:///PATH or postgresql://..., not {url!r}")
    store.migrate()
    return store
