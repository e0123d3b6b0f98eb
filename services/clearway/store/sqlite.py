"""The embedded default: one SQLite file in WAL mode, writes serialized by a lock."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from clearway.store.base import DecisionStore


class SqliteDecisionStore(DecisionStore):
    def __init__(self, path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.execute("PRAGMA foreign_keys=ON")
        self._lock = threading.Lock()
        self._last_time: tuple[datetime | None, str] = (None, "")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cursor = self._connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    def _lock_migrations(self, cursor: sqlite3.Cursor) -> None:
        """BEGIN IMMEDIATE already holds SQLite's write lock."""

    def _to_db_time(self, value: datetime) -> str:
        """ISO text, the last one remembered: the decisions of a chunk share one time, which
        each of its rows would otherwise format twice (~10,000 instructions each time)."""
        last, text = self._last_time
        if value is not last:
            text = value.isoformat(timespec="microseconds")
            self._last_time = (value, text)
        return text

    def _from_db_time(self, value: str) -> datetime:
        return datetime.fromisoformat(value)

    def close(self) -> None:
        self._connection.close()
