"""Stores under test: the SQLite default and the real PostgreSQL server, each in a fresh schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from clearway.store import DecisionStore, open_store

POSTGRES_URL = "postgresql://127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private schema on the local server; skips only when no server answers."""
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL server answers at {POSTGRES_URL}: {error}")
    schema = f"clearway_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clearway.db'}"
    url: str = request.getfixturevalue("postgres_url")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS decisions, declarations, schema_migrations")
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[DecisionStore]:
    opened = open_store(store_url)
    yield opened
    opened.close()
