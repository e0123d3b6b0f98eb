"""PostgreSQL for several orchestrator replicas: psycopg 3 with a connection pool."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from clearway.store.base import DecisionStore

MIGRATION_LOCK_KEY = 0x434C5257  # "CLRW": one advisory lock for schema migrations


class PostgresDecisionStore(DecisionStore):
    placeholder = "%s"
    blob_type = "BYTEA"
    timestamp_type = "TIMESTAMPTZ"

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 8) -> None:
        self._pool = ConnectionPool(url, min_size=min_size, max_size=max_size, open=True)
        self._pool.wait(timeout=10)

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Cursor[Any]]:
        with (
            self._pool.connection() as connection,
            connection.transaction(),
            connection.cursor() as cursor,
        ):
            yield cursor

    def _lock_migrations(self, cursor: Any) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))

    def _to_db_time(self, value: datetime) -> datetime:
        return value

    def _from_db_time(self, value: datetime) -> datetime:
        return value

    def close(self) -> None:
        self._pool.close()
