"""The decision store: one transaction per declaration (or per manifest chunk), idempotent by id.

A declaration is keyed by (partner, declaration id). Its payload is stored as the
deterministic proto encoding with its SHA-256, so a resubmission is recognised
byte for byte. Each decision is a row of its history — a held decision that is
re-evaluated, an amendment or a cancellation adds a revision with the payload it
was decided on — and the declaration row points at the current one. The current decision's
part of its consumer's yearly total (China's annual limit) is kept beside it, written in the
same transaction, one row per declaration, so a new revision replaces it rather than adding.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.message import Message

from clearway.v1 import (  # noqa: F401  (registers the answer types read_service_answers decodes)
    classification_pb2,
    origin_pb2,
    risk_pb2,
    valuation_pb2,
)

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
    (
        3,
        "risk history: pseudonymous parcels per consignee, address and seller (clearway.risk)",
        (
            """CREATE TABLE risk_history (
                partner_id TEXT NOT NULL,
                declaration_id TEXT NOT NULL,
                declared_on DATE NOT NULL,
                amount TEXT NOT NULL,
                currency TEXT NOT NULL,
                consignee_key TEXT,
                address_key TEXT,
                seller_key TEXT,
                split_near BOOLEAN NOT NULL,
                risk_score INTEGER,
                channel TEXT,
                assessed_high_risk BOOLEAN NOT NULL DEFAULT FALSE,
                inspection_found BOOLEAN NOT NULL,
                recorded_at {timestamp} NOT NULL,
                PRIMARY KEY (partner_id, declaration_id)
            )""",
            "CREATE INDEX risk_history_by_consignee ON risk_history (consignee_key, declared_on)",
            "CREATE INDEX risk_history_by_seller ON risk_history (seller_key, declared_on)",
            "CREATE INDEX risk_history_split_by_consignee ON risk_history"
            " (consignee_key, declared_on, partner_id, declaration_id) WHERE split_near",
            "CREATE INDEX risk_history_split_by_address ON risk_history"
            " (address_key, declared_on, partner_id, declaration_id) WHERE split_near",
            "CREATE INDEX risk_history_high_risk_by_consignee ON risk_history"
            " (consignee_key, declared_on) WHERE (assessed_high_risk OR inspection_found)",
            "CREATE INDEX risk_history_findings_by_seller ON risk_history"
            " (seller_key, declared_on) WHERE inspection_found",
        ),
    ),
    (
        4,
        "inspection outcomes recorded by officers (clearway.reporting.inspections)",
        (
            """CREATE TABLE inspection_outcomes (
                partner_id TEXT NOT NULL,
                declaration_id TEXT NOT NULL,
                inspected_at {timestamp} NOT NULL,
                found BOOLEAN NOT NULL,
                finding_codes TEXT NOT NULL,
                officer_note TEXT NOT NULL,
                recorded_at {timestamp} NOT NULL,
                PRIMARY KEY (partner_id, declaration_id, inspected_at),
                FOREIGN KEY (partner_id, declaration_id)
                    REFERENCES declarations (partner_id, declaration_id)
            )""",
        ),
    ),
    (
        5,
        "consumer year purchases: each declaration's part of its consumer's yearly total",
        (
            """CREATE TABLE consumer_year_purchases (
                partner_id TEXT NOT NULL,
                declaration_id TEXT NOT NULL,
                consumer_key TEXT NOT NULL,
                year INTEGER NOT NULL,
                amount TEXT NOT NULL,
                currency TEXT NOT NULL,
                PRIMARY KEY (partner_id, declaration_id),
                FOREIGN KEY (partner_id, declaration_id)
                    REFERENCES declarations (partner_id, declaration_id)
            )""",
            "CREATE INDEX consumer_year_purchases_by_consumer"
            " ON consumer_year_purchases (consumer_key, year)",
        ),
    ),
)

HELD = "HOLD_PENDING_CHECKS"


@dataclass(frozen=True)
class YearPurchase:
    """A declaration's part of its consumer's yearly total (China's annual limit).

    `consumer_key` is a keyed hash of the consignee's identity, never a name; `amount` is the
    customs value the declaration was assessed on, in `currency`.
    """

    consumer_key: str
    year: int
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class StoredPurchase:
    """A stored declaration's part of a consumer's yearly total, with whose it is."""

    partner_id: str
    declaration_id: str
    consumer_key: str
    year: int
    amount: Decimal
    currency: str


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
    year_purchase: YearPurchase | None = None
    """Counted in the consumer's yearly total while this is the current decision."""

    @functools.cached_property
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


@functools.lru_cache(maxsize=4096)
def day_text(day: date) -> str:
    """A day as the tables keep it (ISO 8601), remembered: date.isoformat builds its text
    through PyUnicode_FromFormat (~4,500 instructions), and the orchestrator and the risk
    history format several days a parcel out of a few hundred distinct ones."""
    return day.isoformat()


def decode_page_token(token: str) -> tuple[datetime, str]:
    """Raises ValueError for a token this store did not issue."""
    try:
        stamp, declaration_id = json.loads(base64.urlsafe_b64decode(token.encode()))
        return datetime.fromisoformat(stamp), str(declaration_id)
    except (ValueError, TypeError) as exc:
        raise ValueError("page_token is not one this service issued") from exc


ANSWER_TYPE = "proto"
ANSWER_BYTES = "bytes"


def stored_answer(message: Message) -> dict[str, str]:
    """A service answer as stored in `service_answers`: its type and proto bytes (base64).

    Converting every answer to proto-JSON was a quarter of the orchestrator's time per
    parcel; the bytes keep the whole answer and read_service_answers turns them into the
    same proto-JSON when a report asks.
    """
    return {
        ANSWER_TYPE: message.DESCRIPTOR.full_name,
        ANSWER_BYTES: base64.b64encode(message.SerializeToString()).decode("ascii"),
    }


def read_service_answers(text: str) -> dict[str, Any]:
    """The stored answers as proto-JSON (field names as in the protos), whether a row holds
    them as stored_answer bytes or, as rows written before it did, as proto-JSON."""
    answers: dict[str, Any] = json.loads(text)
    return {name: _answer_json(value) for name, value in answers.items()}


def _answer_json(value: Any) -> Any:
    if isinstance(value, list):
        return [_answer_json(entry) for entry in value]
    if isinstance(value, dict) and value.keys() == {ANSWER_TYPE, ANSWER_BYTES}:
        descriptor = descriptor_pool.Default().FindMessageTypeByName(value[ANSWER_TYPE])
        message = message_factory.GetMessageClass(descriptor).FromString(
            base64.b64decode(value[ANSWER_BYTES])
        )
        return json_format.MessageToDict(message, preserving_proto_field_name=True)
    return value


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

        The new declarations of a chunk (nearly all of a manifest) are written with one
        statement per table; if a replica stored one of them meanwhile, the transaction is
        rolled back and the chunk written again one declaration at a time.
        """
        try:
            with self._transaction() as cursor:
                return self._save_chunk(cursor, records)
        except _Raced:
            with self._transaction() as cursor:
                return [self._save(cursor, record) for record in records]

    def _save_chunk(self, cursor: Any, records: Sequence[DecisionRecord]) -> list[StoredDecision]:
        stored = self._stored_keys(cursor, records)
        new: dict[tuple[str, str], DecisionRecord] = {}
        for record in records:
            key = (record.partner_id, record.declaration_id)
            if key not in stored and key not in new:
                new[key] = record
        if new:
            cursor.executemany(
                self._sql(self._INSERT_DECLARATION),
                [self._declaration_row(r) for r in new.values()],
            )
            if cursor.rowcount != len(new):
                raise _Raced
            cursor.executemany(
                self._sql(self._INSERT_DECISION), [self._decision_row(r, 1) for r in new.values()]
            )
            purchases = [_purchase_row(r) for r in new.values() if r.year_purchase is not None]
            if purchases:
                cursor.executemany(self._sql(self._UPSERT_PURCHASE), purchases)
        first = {id(record) for record in new.values()}
        return [
            stored_decision(record, 1) if id(record) in first else self._save(cursor, record)
            for record in records
        ]

    def _stored_keys(self, cursor: Any, records: Sequence[DecisionRecord]) -> set[tuple[str, str]]:
        """Which of these (partner, declaration id) are stored already."""
        by_partner: dict[str, list[str]] = {}
        for record in records:
            by_partner.setdefault(record.partner_id, []).append(record.declaration_id)
        stored: set[tuple[str, str]] = set()
        for partner_id, ids in by_partner.items():
            marks = ", ".join("?" for _ in ids)
            cursor.execute(
                self._sql(
                    "SELECT declaration_id FROM declarations"
                    f" WHERE partner_id = ? AND declaration_id IN ({marks})"
                ),
                (partner_id, *ids),
            )
            stored.update((partner_id, row[0]) for row in cursor.fetchall())
        return stored

    _INSERT_DECLARATION = (
        "INSERT INTO declarations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (partner_id, declaration_id) DO NOTHING"
    )
    _INSERT_DECISION = (
        "INSERT INTO decisions (partner_id, declaration_id, revision, outcome, decided_at,"
        " decision, service_answers, rules_revisions, kind, reason, payload)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )

    def _declaration_row(self, record: DecisionRecord) -> tuple[Any, ...]:
        decided_at = self._to_db_time(record.decided_at)
        return (
            record.partner_id,
            record.declaration_id,
            record.payload_sha256,
            record.payload,
            record.destination_country,
            record.declaration_date,
            decided_at,
            record.outcome,
            decided_at,
            1,
        )

    def _decision_row(self, record: DecisionRecord, revision: int) -> tuple[Any, ...]:
        return (
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
        )

    def _save(self, cursor: Any, record: DecisionRecord) -> StoredDecision:
        """One declaration: inserted when new, else its stored decision, or the next revision
        of a decision held pending checks."""
        cursor.execute(self._sql(self._INSERT_DECLARATION), self._declaration_row(record))
        if cursor.rowcount == 1:
            return self._append(cursor, record, 1)
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

    _UPSERT_PURCHASE = (
        "INSERT INTO consumer_year_purchases"
        " (partner_id, declaration_id, consumer_key, year, amount, currency)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (partner_id, declaration_id) DO UPDATE SET"
        " consumer_key = excluded.consumer_key, year = excluded.year,"
        " amount = excluded.amount, currency = excluded.currency"
    )

    def _append(self, cursor: Any, record: DecisionRecord, revision: int) -> StoredDecision:
        """Write `record` as revision `revision`; its yearly-total part replaces the previous
        revision's (a re-evaluation, amendment or cancellation never counts twice)."""
        cursor.execute(self._sql(self._INSERT_DECISION), self._decision_row(record, revision))
        if record.year_purchase is not None:
            cursor.execute(self._sql(self._UPSERT_PURCHASE), _purchase_row(record))
        elif revision > 1:
            cursor.execute(
                self._sql(
                    "DELETE FROM consumer_year_purchases"
                    " WHERE partner_id = ? AND declaration_id = ?"
                ),
                (record.partner_id, record.declaration_id),
            )
        return stored_decision(record, revision)

    def year_purchases(
        self, consumers: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], list[StoredPurchase]]:
        """The stored purchases of these (consumer key, year), in one query (a chunk's worth).

        The caller leaves out the declaration it is deciding (and so its earlier revisions).
        """
        wanted = set(consumers)
        if not wanted:
            return {}
        keys = sorted({key for key, _ in wanted})
        years = sorted({year for _, year in wanted})
        statement = (
            "SELECT partner_id, declaration_id, consumer_key, year, amount, currency"
            " FROM consumer_year_purchases"
            f" WHERE consumer_key IN ({', '.join('?' for _ in keys)})"
            f" AND year IN ({', '.join('?' for _ in years)})"
        )
        found: dict[tuple[str, int], list[StoredPurchase]] = {key: [] for key in wanted}
        with self._transaction() as cursor:
            cursor.execute(self._sql(statement), (*keys, *years))
            rows = cursor.fetchall()
        for row in rows:
            key = (row[2], int(row[3]))
            if key in found:
                found[key].append(
                    StoredPurchase(row[0], row[1], row[2], int(row[3]), Decimal(row[4]), row[5])
                )
        return found

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


class _Raced(Exception):
    """A replica stored a declaration of the chunk between our read and our insert."""


def _purchase_row(record: DecisionRecord) -> tuple[Any, ...]:
    purchase = record.year_purchase
    if purchase is None:
        raise ValueError(f"{record.declaration_id} has no yearly-total part to store")
    return (
        record.partner_id,
        record.declaration_id,
        purchase.consumer_key,
        purchase.year,
        str(purchase.amount),
        purchase.currency,
    )


def stored_decision(record: DecisionRecord, revision: int) -> StoredDecision:
    """What is stored for `record` as revision `revision` of its declaration."""
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
